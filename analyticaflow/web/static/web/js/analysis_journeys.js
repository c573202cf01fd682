// The journeys page: the top paths of touchpoint channels before conversions, with conversion rates; a search
// box that opens a person's timeline.

import {
  accountFilter, config, el, escapeHtml, fmt, onChoice, readPeriod, report, showPeriod, wireState, writePeriod,
} from "./analysis_common.js";

const DEFAULT_PRESET = "last_30";

function readState(search) {
  const params = new URLSearchParams(search);
  const lookback = Number.parseInt(params.get("lookback") || "", 10);
  return {
    period: readPeriod(params, DEFAULT_PRESET),
    by: params.get("by") === "channel_group" ? "channel_group" : "channel",
    lookback: Number.isFinite(lookback) && lookback >= 1 && lookback <= 365 ? lookback : 30,
    collapse: params.get("collapse") === "1",
  };
}

function writeState(state) {
  const params = new URLSearchParams();
  writePeriod(params, state.period, DEFAULT_PRESET);
  if (state.by !== "channel") params.set("by", state.by);
  if (state.lookback !== 30) params.set("lookback", String(state.lookback));
  if (state.collapse) params.set("collapse", "1");
  return params;
}

let state = readState(location.search);

function showControls() {
  showPeriod(state.period);
  for (const button of el("by").querySelectorAll("[data-by]")) button.classList.toggle("active", button.dataset.by === state.by);
  el("lookback").value = String(state.lookback);
  el("collapse").checked = state.collapse;
}

function chips(labels) {
  return labels.map((label) => `<span class="chip">${escapeHtml(label)}</span>`).join('<span class="arrow">→</span>');
}

function render(answer) {
  el("paths-summary").innerHTML = [
    ["Conversions", fmt.count(answer.conversions)], ["Value", fmt.money(answer.value)],
    ["Non-converting paths", fmt.count(answer.non_converting)], ["Distinct paths", fmt.count(answer.distinct_paths)],
  ].map(([label, value]) => `<div class="stat"><span class="tile-label">${label}</span><span class="tile-value">${escapeHtml(value)}</span></div>`).join("");
  const top = Math.max(1, ...answer.paths.map((p) => p.conversions));
  const head = "<tr><th>Path</th><th class=\"right\">Conversions</th><th class=\"right\">Value</th>"
    + "<th class=\"right\">Non-converting</th><th class=\"right\">Conversion rate</th></tr>";
  const rows = answer.paths.map((p) => `<tr><td class="path-cell"><span class="bar" style="width:${(100 * p.conversions / top).toFixed(1)}%"></span>${chips(p.labels)}</td>
    <td class="right">${fmt.count(p.conversions)}</td><td class="right">${fmt.money(p.value)}</td>
    <td class="right">${fmt.count(p.non_converting)}</td><td class="right">${fmt.percent(p.conversion_rate)}</td></tr>`).join("")
    || '<tr><td colspan="5" class="muted empty-row">No conversions or visits in this period.</td></tr>';
  el("paths-table").innerHTML = `<thead>${head}</thead><tbody>${rows}</tbody>`;
}

async function refresh() {
  const answer = await report(config.urls.journeys, { view: "paths", date_from: state.period.from,
    date_to: state.period.to, lookback_days: state.lookback, by: state.by, collapse_repeats: state.collapse, limit: 25,
    ...accountFilter(state.period) });
  if (answer) render(answer);
}

const { commit } = wireState({
  get: () => state, set: (next) => { state = next; }, read: readState, write: writeState, show: showControls, refresh,
});
onChoice("by", "by", (by) => commit({ by }));
el("collapse").addEventListener("change", () => commit({ collapse: el("collapse").checked }));
el("run").addEventListener("click", () => {
  commit({ lookback: Math.max(1, Math.min(365, Number.parseInt(el("lookback").value, 10) || 30)) });
});

showControls();
refresh();
