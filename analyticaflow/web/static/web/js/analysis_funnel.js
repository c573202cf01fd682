// The funnel page: a step editor, persons per step as bars (one series per breakdown value), the step table,
// the breakdown table, and the persons who dropped before a step (with links to their timelines).

import {
  accountFilter, PALETTE, config, drawChart, duration, el, escapeHtml, fmt, personLink, readPeriod, report, showPeriod,
  wireState, writePeriod,
} from "./analysis_common.js";

const DEFAULT_PRESET = "last_30";
const DEFAULT_STEPS = [{ type: "page", event: "" }, { type: "track", event: "Signed Up" },
  { type: "track", event: "Order Completed" }];
const TYPES = ["track", "page", "screen"];
const BREAKDOWNS = { channel: "By channel", channel_group: "By channel group", campaign: "By campaign",
  property: "By step-1 property" };
const CHART_GROUPS = 6;

function readState(search) {
  const params = new URLSearchParams(search);
  let steps = DEFAULT_STEPS;
  try {
    const parsed = JSON.parse(params.get("steps") || "null");
    if (Array.isArray(parsed) && parsed.length >= 2) {
      steps = parsed.map(([type, event]) => ({ type: TYPES.includes(type) ? type : "track", event: String(event || "") }));
    }
  } catch {
    steps = DEFAULT_STEPS;
  }
  const windowSeconds = Number.parseInt(params.get("window") || "604800", 10);
  return {
    period: readPeriod(params, DEFAULT_PRESET),
    steps,
    windowSeconds: Number.isFinite(windowSeconds) && windowSeconds > 0 ? windowSeconds : 604800,
    breakdown: BREAKDOWNS[params.get("breakdown")] ? params.get("breakdown") : "none",
    breakdownProperty: params.get("property") || "",
  };
}

function writeState(state) {
  const params = new URLSearchParams();
  writePeriod(params, state.period, DEFAULT_PRESET);
  params.set("steps", JSON.stringify(state.steps.map((s) => [s.type, s.event])));
  if (state.windowSeconds !== 604800) params.set("window", String(state.windowSeconds));
  if (state.breakdown !== "none") params.set("breakdown", state.breakdown);
  if (state.breakdown === "property" && state.breakdownProperty) params.set("property", state.breakdownProperty);
  return params;
}

let state = readState(location.search);
let dropped = { step: null, group: null, next: null };

// --- the step editor ------------------------------------------------------------------------------------------
function renderSteps() {
  el("steps").innerHTML = state.steps.map((step, index) => `
    <li class="step-row" data-index="${index}">
      <span class="step-number">${index + 1}</span>
      <select class="step-type" aria-label="Step ${index + 1} type">${TYPES.map((t) =>
        `<option value="${t}"${t === step.type ? " selected" : ""}>${t === "track" ? "event" : t}</option>`).join("")}</select>
      <input class="step-event" list="known-events" aria-label="Step ${index + 1} event" value="${escapeHtml(step.event)}"
        placeholder="${step.type === "track" ? "Event name" : `any ${step.type}`}">
      <button type="button" class="button small step-remove" aria-label="Remove step ${index + 1}"${state.steps.length <= 2 ? " disabled" : ""}>×</button>
    </li>`).join("");
}

function readEditor() {
  const steps = [...el("steps").querySelectorAll(".step-row")].map((row) => ({
    type: row.querySelector(".step-type").value,
    event: row.querySelector(".step-event").value.trim(),
  }));
  const unit = Number(el("window-unit").value);
  const value = Math.max(1, Math.round(Number(el("window-value").value) || 1));
  return { steps, windowSeconds: value * unit, breakdown: el("breakdown").value,
    breakdownProperty: el("breakdown-property").value.trim() };
}

function showEditor() {
  renderSteps();
  const units = [86400, 3600, 60];
  const unit = units.find((u) => state.windowSeconds % u === 0) || 60;
  el("window-unit").value = String(unit);
  el("window-value").value = String(state.windowSeconds / unit);
  el("breakdown").value = state.breakdown;
  el("breakdown-property").value = state.breakdownProperty;
  el("breakdown-property-box").hidden = state.breakdown !== "property";
  showPeriod(state.period);
}

// --- rendering ------------------------------------------------------------------------------------------------
function stepLabel(step) {
  return step.label || (step.event && step.event.event) || `any ${step.event ? step.event.type : "event"}`;
}

function renderChart(answer) {
  const labels = answer.steps.map((s) => `${s.step}. ${stepLabel(s)}`);
  const groups = answer.breakdown ? answer.breakdown.groups.slice(0, CHART_GROUPS) : [];
  // With a breakdown the bars are each group's share of its own step 1, so small groups compare with big ones.
  const datasets = groups.length
    ? groups.map((g, i) => ({ label: g.label, data: g.steps.map((s) => s.conversion_from_first),
      backgroundColor: PALETTE[i % PALETTE.length], borderRadius: 3, maxBarThickness: 48 }))
    : [{ label: "Persons", data: answer.steps.map((s) => s.persons), backgroundColor: PALETTE[0], borderRadius: 3,
      maxBarThickness: 90 }];
  el("chart-empty").hidden = answer.steps[0].persons > 0;
  drawChart(el("funnel-chart"), {
    type: "bar",
    data: { labels, datasets },
    options: {
      responsive: true, maintainAspectRatio: false, animation: { duration: 200 },
      scales: {
        x: { grid: { display: false } },
        y: groups.length
          ? { beginAtZero: true, max: 1, ticks: { callback: (v) => fmt.percent(v) } }
          : { beginAtZero: true, ticks: { precision: 0 } },
      },
      plugins: {
        legend: { display: groups.length > 0, position: "bottom", labels: { boxWidth: 12 } },
        tooltip: { callbacks: {
          label: (ctx) => {
            const steps = groups.length ? groups[ctx.datasetIndex].steps : answer.steps;
            const step = steps[ctx.dataIndex];
            return ` ${ctx.dataset.label}: ${fmt.count(step.persons)} persons`;
          },
          afterLabel: (ctx) => {
            const steps = groups.length ? groups[ctx.datasetIndex].steps : answer.steps;
            const share = steps[ctx.dataIndex].conversion_from_first;
            return share === null ? "" : `${fmt.percent(share)} of step 1`;
          },
        } },
      },
    },
  });
}

function renderStepTable(answer) {
  const head = "<tr><th>Step</th><th class=\"right\">Persons</th><th class=\"right\">From previous</th>"
    + "<th class=\"right\">From first</th><th class=\"right\">Median time</th><th class=\"right\">Dropped</th></tr>";
  const rows = answer.steps.map((s) => `<tr>
      <td><span class="step-number">${s.step}</span> ${escapeHtml(stepLabel(s))}</td>
      <td class="right">${fmt.count(s.persons)}</td>
      <td class="right">${s.step === 1 ? "—" : fmt.percent(s.conversion_from_previous)}</td>
      <td class="right">${fmt.percent(s.conversion_from_first)}</td>
      <td class="right">${s.step === 1 ? "—" : duration(s.median_seconds_from_previous)}</td>
      <td class="right">${s.step === 1 ? "—" : s.dropped
        ? `<button type="button" class="link-cell" data-dropped="${s.step}">${fmt.count(s.dropped)}</button>` : "0"}</td>
    </tr>`).join("");
  el("steps-table").innerHTML = `<thead>${head}</thead><tbody>${rows}</tbody>`;
}

function renderGroups(answer) {
  const breakdown = answer.breakdown;
  el("groups-card").hidden = !breakdown;
  if (!breakdown) return;
  el("groups-title").textContent = `${BREAKDOWNS[breakdown.by]}${breakdown.property ? `: ${breakdown.property}` : ""}`
    + (breakdown.group_count > breakdown.groups.length ? ` (top ${breakdown.groups.length} of ${breakdown.group_count})` : "");
  const steps = answer.steps;
  const head = `<tr><th>Group</th>${steps.map((s) => `<th class="right">${escapeHtml(`${s.step}. ${stepLabel(s)}`)}</th>`).join("")}`
    + "<th class=\"right\">Overall</th></tr>";
  const rows = breakdown.groups.map((g) => {
    const last = g.steps[g.steps.length - 1];
    return `<tr><td>${escapeHtml(g.label)}</td>${g.steps.map((s) => `<td class="right">${fmt.count(s.persons)}`
      + `${s.step > 1 ? `<span class="cell-change neutral">${fmt.percent(s.conversion_from_previous)}</span>` : ""}</td>`).join("")}
      <td class="right">${fmt.percent(last.conversion_from_first)}</td></tr>`;
  }).join("") || `<tr><td colspan="${steps.length + 2}" class="muted empty-row">No groups.</td></tr>`;
  el("groups-table").innerHTML = `<thead>${head}</thead><tbody>${rows}</tbody>`;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short",
  timeZone: config.project.timezone });

async function loadDropped(step, more = false) {
  if (!more) dropped = { step, group: null, next: null };
  const body = { ...requestBody(), dropped: { step, limit: 50, after: more ? dropped.next : null } };
  const answer = await report(config.urls.funnel, body);
  if (!answer) return;
  const page = answer.dropped;
  dropped.next = page.next;
  el("dropped-card").hidden = false;
  el("dropped-title").textContent = `Reached step ${step - 1}, not step ${step} (${stepLabel(answer.steps[step - 1])})`;
  const rows = page.persons.map((p) => `<tr><td>${personLink(p.person_id)}</td>
    <td>${escapeHtml(timeFormat.format(new Date(p.entered_at)))}</td>
    <td>${escapeHtml(timeFormat.format(new Date(p.last_step_at)))}</td></tr>`).join("");
  const body_ = el("dropped-table").querySelector("tbody");
  if (more && body_) {
    body_.insertAdjacentHTML("beforeend", rows);
  } else {
    el("dropped-table").innerHTML = `<thead><tr><th>Person</th><th>Entered</th><th>Last step reached</th></tr></thead>`
      + `<tbody>${rows || '<tr><td colspan="3" class="muted empty-row">Nobody.</td></tr>'}</tbody>`;
  }
  el("dropped-more").hidden = !page.next;
  if (!more) el("dropped-card").scrollIntoView({ behavior: "smooth", block: "start" });
}

// --- requests -------------------------------------------------------------------------------------------------
function requestBody() {
  return {
    date_from: state.period.from,
    date_to: state.period.to,
    steps: state.steps.map((s) => (s.type === "track" ? { event: s.event } : { type: s.type, event: s.event || null })),
    window_seconds: state.windowSeconds,
    breakdown: state.breakdown === "property" && !state.breakdownProperty ? "none" : state.breakdown,
    breakdown_property: state.breakdown === "property" ? state.breakdownProperty || null : null,
    ...accountFilter(state.period),
  };
}

async function refresh() {
  el("dropped-card").hidden = true;
  const answer = await report(config.urls.funnel, requestBody());
  if (!answer) return;
  renderChart(answer);
  renderStepTable(answer);
  renderGroups(answer);
}

// --- events ---------------------------------------------------------------------------------------------------
const { commit } = wireState({
  get: () => state, set: (next) => { state = next; }, read: readState, write: writeState, show: showEditor, refresh,
});
el("add-step").addEventListener("click", () => {
  const current = readEditor();
  state = { ...state, ...current, steps: [...current.steps, { type: "track", event: "" }] };
  renderSteps();
  el("steps").querySelector(".step-row:last-child .step-event").focus();
});
el("steps").addEventListener("click", (event) => {
  const button = event.target.closest(".step-remove");
  if (!button) return;
  const current = readEditor();
  const index = Number(button.closest(".step-row").dataset.index);
  state = { ...state, ...current, steps: current.steps.filter((_, i) => i !== index) };
  renderSteps();
});
el("steps").addEventListener("change", (event) => {
  if (event.target.classList.contains("step-type")) {
    state = { ...state, ...readEditor() };
    renderSteps();
  }
});
el("breakdown").addEventListener("change", () => {
  el("breakdown-property-box").hidden = el("breakdown").value !== "property";
});
el("run").addEventListener("click", () => {
  const current = readEditor();
  const missing = current.steps.findIndex((s) => s.type === "track" && !s.event);
  if (missing >= 0) {
    el("date-error").textContent = `Step ${missing + 1} needs an event name.`;
    return;
  }
  el("date-error").textContent = "";
  commit(current);
});
el("steps-table").addEventListener("click", (event) => {
  const button = event.target.closest("[data-dropped]");
  if (button) loadDropped(Number(button.dataset.dropped));
});
el("dropped-more").addEventListener("click", () => loadDropped(dropped.step, true));

showEditor();
refresh();
