// The attribution page: every model side by side per channel, campaign or channel group, with spend-joined
// CPA, ROAS and ROMI. The dates and the account filter work as on the dashboard (state.js, nav.js); the
// grouping, the shown metric, the models, the lookback and the half-life live in the query string too.

import { api } from "./api.js";
import {
  GROUPINGS, METRICS, attributionRequest, comparisonTable, extremes, readAttribution, writeAttribution,
} from "./attribution_state.js";
import { makeFormatter } from "./format.js";
import { escapeHtml, iconSvg, loadAccounts, platformOf, setActiveAccount } from "./nav.js";
import { ALL_ACCOUNTS, PRESETS, parseAccountKey, presetRange, todayIn } from "./state.js";

const config = JSON.parse(document.getElementById("dashboard-config").textContent);
const MODELS = config.models.map((m) => m.name);
const MODEL_INFO = Object.fromEntries(config.models.map((m) => [m.name, m]));
// Channels named like a network show that network's icon (the channel of a platform's paid visits, too).
const CHANNEL_ICONS = { google: "google_ads", facebook: "meta_ads", yahoo: "yahoo_ads", twitter: "twitter_ads", x: "twitter_ads" };
const PALETTE = ["#4f46e5", "#0ea5e9", "#14b8a6", "#84cc16", "#f59e0b", "#ef4444", "#a855f7", "#64748b"];
const fmt = makeFormatter({ currency: config.project.currency });
const root = document.getElementById("attribution");
const el = (id) => document.getElementById(id);
const today = () => todayIn(config.project.timezone);

let state = readAttribution(location.search, today(), MODELS);
let answer = null;
let inFlight = null;
let chart = null;

function metricInfo(key) {
  const [, label, format, higherIsBetter] = METRICS.find(([name]) => name === key);
  return { label, format, higherIsBetter };
}

// --- state ↔ URL ------------------------------------------------------------------------------------------

function commit(changes, { fetch = true } = {}) {
  state = { ...state, ...changes };
  history.pushState(null, "", location.pathname + writeAttribution(state, MODELS));
  syncControls();
  if (fetch) refresh();
  else render();
}

window.addEventListener("popstate", () => {
  state = readAttribution(location.search, today(), MODELS);
  syncControls();
  refresh();
});

// --- controls ---------------------------------------------------------------------------------------------

function buildControls() {
  el("preset").innerHTML = PRESETS.map(([key, label]) => `<option value="${key}">${label}</option>`).join("");
  el("group-by").innerHTML = GROUPINGS.map(([key, label]) =>
    `<button type="button" class="seg" data-group="${key}">${label}</button>`).join("");
  el("show").innerHTML = METRICS.map(([key, label]) =>
    `<button type="button" class="seg" data-show="${key}">${label}</button>`).join("");
  el("model-picker").innerHTML = config.models.map((m, i) =>
    `<label class="model-choice" title="${escapeHtml(m.description)}"><input type="checkbox" value="${m.name}">
      <span class="swatch" style="background:${PALETTE[i % PALETTE.length]}"></span>${escapeHtml(m.label)}</label>`).join("");

  el("preset").addEventListener("change", (event) => {
    const preset = event.target.value;
    commit(preset === "custom" ? { preset } : { preset, ...presetRange(preset, today()) });
  });
  const onDates = () => {
    const from = el("date-from").value;
    const to = el("date-to").value;
    const wrong = !from || !to || from > to;
    el("date-error").textContent = wrong ? "Choose a start date on or before the end date." : "";
    if (!wrong) commit({ preset: "custom", from, to });
  };
  el("date-from").addEventListener("change", onDates);
  el("date-to").addEventListener("change", onDates);
  el("group-by").addEventListener("click", (event) => {
    const button = event.target.closest("[data-group]");
    if (button && button.dataset.group !== state.group) commit({ group: button.dataset.group });
  });
  el("show").addEventListener("click", (event) => {
    const button = event.target.closest("[data-show]");
    if (button) commit({ show: button.dataset.show }, { fetch: false });
  });
  el("model-picker").addEventListener("change", () => {
    const chosen = [...el("model-picker").querySelectorAll("input:checked")].map((input) => input.value);
    if (!chosen.length) {
      el("model-error").textContent = "Keep at least one model.";
      syncControls();
      return;
    }
    el("model-error").textContent = "";
    commit({ models: MODELS.filter((name) => chosen.includes(name)) });
  });
  const onNumber = (id, key, { min, max, integer, message }) => {
    el(id).addEventListener("change", (event) => {
      const value = Number(event.target.value);
      const ok = Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value));
      el("param-error").textContent = ok ? "" : message;
      if (ok) commit({ [key]: value });
    });
  };
  onNumber("lookback", "lookback", { min: 1, max: 365, integer: true, message: "Lookback: 1 to 365 whole days." });
  onNumber("half-life", "halfLife", { min: 0.1, max: 365, integer: false, message: "Half-life: more than 0, at most 365 days." });
  el("clear-account").addEventListener("click", () => commit({ account: ALL_ACCOUNTS }));
}

const dayFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", year: "numeric", timeZone: "UTC" });

function syncControls() {
  el("preset").value = state.preset;
  el("date-from").value = state.from;
  el("date-to").value = state.to;
  el("custom-range").hidden = state.preset !== "custom";
  el("range-label").textContent = `${dayFormat.format(new Date(`${state.from}T00:00:00Z`))} – ${dayFormat.format(new Date(`${state.to}T00:00:00Z`))}`;
  for (const button of el("group-by").querySelectorAll("[data-group]")) {
    button.classList.toggle("active", button.dataset.group === state.group);
    button.setAttribute("aria-pressed", String(button.dataset.group === state.group));
  }
  for (const button of el("show").querySelectorAll("[data-show]")) {
    button.classList.toggle("active", button.dataset.show === state.show);
    button.setAttribute("aria-pressed", String(button.dataset.show === state.show));
  }
  for (const input of el("model-picker").querySelectorAll("input")) input.checked = state.models.includes(input.value);
  el("lookback").value = state.lookback;
  el("half-life").value = state.halfLife;
  el("half-life-control").hidden = !state.models.includes("time_decay");
  const account = parseAccountKey(state.account);
  el("account-filter").hidden = !account;
  if (account) {
    const platform = platformOf(account.source);
    el("account-name").innerHTML = `${iconSvg(platform.icon)}<span>${escapeHtml(platform.label)} · ${escapeHtml(account.accountId)}</span>`;
  }
  setActiveAccount(state.account);
}

// --- loading ----------------------------------------------------------------------------------------------

async function refresh() {
  if (inFlight) inFlight.abort();
  const controller = new AbortController();
  inFlight = controller;
  root.dataset.loading = "true";
  setNotice("");
  try {
    answer = await api(config.urls.attribution, { method: "POST", signal: controller.signal, body: attributionRequest(state) });
    if (controller.signal.aborted) return;
    render();
    const warnings = (answer.warnings || []).map((w) => w.message || String(w));
    if (warnings.length) setNotice(warnings.join(" "), "warning");
  } catch (error) {
    if (error.name === "AbortError") return;
    setNotice(`The attribution report could not be loaded: ${error.describe ? error.describe() : error.message}`, "error");
  } finally {
    if (inFlight === controller) {
      inFlight = null;
      root.dataset.loading = "false";
    }
  }
}

function setNotice(text, tone = "warning") {
  const notice = el("dash-notice");
  notice.hidden = !text;
  notice.className = `flash flash-${tone === "error" ? "error" : "warning"}`;
  notice.textContent = text;
}

// --- rendering --------------------------------------------------------------------------------------------

function render() {
  if (!answer) return;
  renderSummary();
  renderTable();
  renderChart();
  renderModels();
}

function renderSummary() {
  const c = answer.conversions;
  const items = [
    ["Conversions", fmt.count(c.count)], ["Value", fmt.money(c.value)], ["Spend", fmt.money(answer.totals.spend)],
    ["Orders", fmt.count(c.orders)], ["Won deals", fmt.count(c.deals)],
    ["Without touchpoints", fmt.count(c.without_touchpoints)], ["Non-converting paths", fmt.count(c.non_converting_paths)],
  ];
  el("summary").innerHTML = items.map(([label, value]) =>
    `<div class="stat"><span class="tile-label">${label}</span><span class="tile-value">${escapeHtml(value)}</span></div>`).join("");
}

/** A row's name as shown, and its icon (none for channel groups). */
function displayName(row) {
  if (state.group === "campaign" && row.group && row.group.source) {
    const platform = platformOf(row.group.source);
    return { text: `${platform.label} · ${row.group.campaign_name || row.group.campaign_id || "(no campaign)"}`,
      icon: platform.icon };
  }
  if (state.group === "channel") return { text: row.label, icon: platformOf(CHANNEL_ICONS[row.label] || row.label).icon };
  return { text: row.label, icon: null };
}

function groupCell(row) {
  const { text, icon } = displayName(row);
  return `<span class="group-cell">${icon ? iconSvg(icon) : ""}<span title="${escapeHtml(row.label)}">${escapeHtml(text)}</span></span>`;
}

function valueCell(info, cell, range) {
  const text = fmt.value(info.format, cell.value);
  const tone = cell.value !== null && cell.value === range.best ? " best" : cell.value !== null && cell.value === range.worst ? " worst" : "";
  const bar = cell.share !== null ? `<span class="share-bar" style="width:${(cell.share * 100).toFixed(1)}%"></span>` : "";
  return `<td class="right model-cell${tone}" data-model="${cell.model}">${bar}<span class="cell-value">${escapeHtml(text)}</span></td>`;
}

function renderTable() {
  const info = metricInfo(state.show);
  const table = comparisonTable(answer, state.show);
  const label = GROUPINGS.find(([key]) => key === state.group)[1];
  const head = `<tr><th>${label}</th><th class="right">Spend</th>${table.models.map((model) =>
    `<th class="right" title="${escapeHtml(MODEL_INFO[model].description)}">${escapeHtml(MODEL_INFO[model].label)}</th>`).join("")}</tr>`;
  const body = table.rows.length
    ? table.rows.map((row) => `<tr><td>${groupCell(row)}</td><td class="right">${escapeHtml(fmt.money(row.spend))}</td>${
      row.cells.map((cell) => valueCell(info, cell, extremes(row.cells, info.higherIsBetter))).join("")}</tr>`).join("")
    : `<tr><td colspan="${table.models.length + 2}" class="muted empty-row">No conversions or spend in this period.</td></tr>`;
  const foot = `<tr class="total-row"><td>Total</td><td class="right">${escapeHtml(fmt.money(table.total.spend))}</td>${
    table.total.cells.map((cell) => `<td class="right">${escapeHtml(fmt.value(info.format, cell.value))}</td>`).join("")}</tr>`;
  el("comparison").innerHTML = `<thead>${head}</thead><tbody>${body}</tbody><tfoot>${foot}</tfoot>`;
  el("table-title").textContent = `${info.label} by ${label.toLowerCase()}, per model`;
}

function renderChart() {
  const canvas = el("model-chart");
  if (!window.Chart) return;
  const info = metricInfo(state.show);
  const table = comparisonTable(answer, state.show);
  // The ten first rows that have a value to draw (cost metrics need spend).
  const rows = table.rows.filter((row) => row.cells.some((c) => c.value !== null && c.value !== 0)).slice(0, 10);
  const data = {
    labels: rows.map((row) => displayName(row).text),
    datasets: table.models.map((model) => ({
      label: MODEL_INFO[model].label, data: rows.map((row) => row.cells.find((c) => c.model === model).value),
      backgroundColor: PALETTE[MODELS.indexOf(model) % PALETTE.length], borderRadius: 2, maxBarThickness: 18,
    })),
  };
  el("chart-empty").hidden = rows.length > 0;
  if (chart) {
    chart.data = data;
    chart.options.scales.y.ticks.callback = (v) => fmt.value(info.format, v, { compact: true });
    chart.update();
    return;
  }
  chart = new window.Chart(canvas, {
    type: "bar",
    data,
    options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 12 } },
        tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${fmt.value(metricInfo(state.show).format, ctx.parsed.y)}` } },
      },
      scales: { y: { beginAtZero: true, ticks: { callback: (v) => fmt.value(info.format, v, { compact: true }) } },
        x: { ticks: { autoSkip: false, maxRotation: 40 } } },
    },
  });
}

function renderModels() {
  el("model-notes").innerHTML = answer.models.map((m) => {
    const effects = (m.diagnostics || {}).removal_effect_conversions;
    const extra = effects
      ? `<div class="removal">Removal effect: ${Object.entries(effects).sort((a, b) => b[1] - a[1])
        .map(([channel, value]) => `${escapeHtml(channel)} ${escapeHtml(fmt.percent(value))}`).join(" · ")}</div>`
      : "";
    return `<li><strong>${escapeHtml(m.label)}</strong> — ${escapeHtml(m.description)}${extra}</li>`;
  }).join("");
  el("params-line").textContent = `Lookback ${answer.lookback_days} days · time-decay half-life ${answer.half_life_days} days · ${config.project.timezone} · ${answer.currency}`;
}

// --- start ------------------------------------------------------------------------------------------------

buildControls();
history.replaceState(null, "", location.pathname + writeAttribution(state, MODELS));
syncControls();
refresh();
loadAccounts().then(() => setActiveAccount(state.account)).catch(() => {});
