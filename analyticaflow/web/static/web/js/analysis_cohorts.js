// The cohorts page: a heatmap of retention (or revenue per member) by cohort and period, the size-weighted
// average on top; cells still in progress are striped, cells not begun are blank.

import {
  accountFilter, config, el, escapeHtml, fmt, formatDay, onChoice, readPeriod, report, showPeriod, wireState, writePeriod,
} from "./analysis_common.js";

const DEFAULT_PRESET = "last_90";
const GRANULARITIES = ["day", "week", "month"];
const DEFAULT_PERIODS = { day: 30, week: 12, month: 12 };
const PERIOD_NAMES = { day: "Day", week: "Week", month: "Month" };

function readState(search) {
  const params = new URLSearchParams(search);
  const granularity = GRANULARITIES.includes(params.get("granularity")) ? params.get("granularity") : "week";
  const periods = Number.parseInt(params.get("periods") || "", 10);
  return {
    period: readPeriod(params, DEFAULT_PRESET),
    granularity,
    periods: Number.isFinite(periods) && periods >= 0 ? Math.min(periods, 60) : DEFAULT_PERIODS[granularity],
    start: params.get("start") || "Signed Up",
    returning: params.get("return") || "Order Completed",
    metric: params.get("metric") === "revenue" ? "revenue" : "retention",
  };
}

function writeState(state) {
  const params = new URLSearchParams();
  writePeriod(params, state.period, DEFAULT_PRESET);
  if (state.granularity !== "week") params.set("granularity", state.granularity);
  if (state.periods !== DEFAULT_PERIODS[state.granularity]) params.set("periods", String(state.periods));
  if (state.start !== "Signed Up") params.set("start", state.start);
  if (state.returning !== "Order Completed") params.set("return", state.returning);
  if (state.metric !== "retention") params.set("metric", state.metric);
  return params;
}

let state = readState(location.search);
let last = null;

function showControls() {
  showPeriod(state.period);
  for (const button of el("granularity").querySelectorAll("[data-granularity]")) {
    button.classList.toggle("active", button.dataset.granularity === state.granularity);
  }
  for (const button of el("metric").querySelectorAll("[data-metric]")) {
    button.classList.toggle("active", button.dataset.metric === state.metric);
  }
  el("periods").value = String(state.periods);
  el("start-event").value = state.start;
  el("return-event").value = state.returning;
}

function cellValue(cell) {
  return state.metric === "retention" ? cell.retention : cell.revenue_per_member;
}

function shade(value, max) {
  if (value === null || value === undefined || !max) return "";
  const strength = Math.max(0.06, Math.min(1, value / max));
  return `background: rgba(79, 70, 229, ${(0.08 + 0.82 * strength).toFixed(3)}); color: ${strength > 0.55 ? "#fff" : "inherit"};`;
}

function format(value) {
  if (value === null || value === undefined) return "";
  return state.metric === "retention" ? fmt.percent(value) : fmt.money(value);
}

function render(answer) {
  last = answer;
  const periods = answer.periods;
  const values = answer.cohorts.flatMap((c) => c.cells.filter((cell) => cell.k > 0 || state.metric === "revenue")
    .map(cellValue)).filter((v) => v !== null && v !== undefined);
  const max = Math.max(0, ...values, ...answer.average.map((a) => (state.metric === "retention" ? a.retention : a.revenue_per_member) || 0));
  const name = PERIOD_NAMES[answer.granularity];
  const head = `<tr><th>Cohort</th><th class="right">Persons</th>${Array.from({ length: periods + 1 }, (_, k) =>
    `<th class="right">${name} ${k}</th>`).join("")}</tr>`;
  const averageCells = answer.average.map((a) => {
    const value = state.metric === "retention" ? a.retention : a.revenue_per_member;
    return `<td class="right heat" style="${shade(value, max)}" title="${a.cohorts} complete cohorts, ${a.members} persons">${format(value)}</td>`;
  }).join("");
  const members = answer.cohorts.reduce((sum, c) => sum + c.size, 0);
  const average = `<tr class="average-row"><td>Average</td><td class="right">${fmt.count(members)}</td>${averageCells}</tr>`;
  const rows = answer.cohorts.map((c) => `<tr><td>${escapeHtml(formatDay(c.cohort))}</td><td class="right">${fmt.count(c.size)}</td>${
    c.cells.map((cell) => {
      if (!cell.observed) return '<td class="heat future"></td>';
      const value = cellValue(cell);
      const title = `${formatDay(cell.period_start)}: ${fmt.count(cell.persons)} of ${fmt.count(c.size)} returned`
        + (cell.complete ? "" : " (in progress)");
      return `<td class="right heat${cell.complete ? "" : " partial"}" style="${shade(value, max)}" title="${escapeHtml(title)}">${format(value)}</td>`;
    }).join("")}</tr>`).join("");
  const empty = `<tr><td colspan="${periods + 3}" class="muted empty-row">No cohorts in this period.</td></tr>`;
  el("heatmap").innerHTML = `<thead>${head}</thead><tbody>${answer.cohorts.length ? average + rows : empty}</tbody>`;
}

async function refresh() {
  const answer = await report(config.urls.cohorts, {
    date_from: state.period.from, date_to: state.period.to, granularity: state.granularity, periods: state.periods,
    start_event: { event: state.start }, return_event: { event: state.returning }, ...accountFilter(state.period),
  });
  if (answer) render(answer);
}

const { commit, restyle } = wireState({
  get: () => state, set: (next) => { state = next; }, read: readState, write: writeState, show: showControls, refresh, redraw: () => { if (last) render(last); },
});
onChoice("granularity", "granularity", (granularity) => commit({ granularity, periods: DEFAULT_PERIODS[granularity] }));
onChoice("metric", "metric", (metric) => restyle({ metric }));
el("run").addEventListener("click", () => {
  const periods = Math.max(0, Math.min(60, Number.parseInt(el("periods").value, 10) || 0));
  commit({ periods, start: el("start-event").value.trim() || "Signed Up",
    returning: el("return-event").value.trim() || "Order Completed" });
});

showControls();
refresh();
