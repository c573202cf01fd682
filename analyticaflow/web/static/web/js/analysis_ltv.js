// The LTV page: cumulative revenue per customer by month after the first order, one line per acquisition
// channel (or group) and one for all customers, with CAC as a dashed level per channel; the CAC table.

import {
  accountFilter, PALETTE, config, drawChart, el, escapeHtml, fmt, onChoice, readPeriod, report, showPeriod, wireState, writePeriod,
} from "./analysis_common.js";

const DEFAULT_PRESET = "this_year";
const CHART_GROUPS = 6;

function readState(search) {
  const params = new URLSearchParams(search);
  const months = Number.parseInt(params.get("months") || "", 10);
  return {
    period: readPeriod(params, DEFAULT_PRESET),
    by: params.get("by") === "channel_group" ? "channel_group" : "channel",
    curve: params.get("curve") === "ltv" ? "ltv" : "ltv_observable",
    months: Number.isFinite(months) && months >= 0 ? Math.min(months, 60) : 12,
  };
}

function writeState(state) {
  const params = new URLSearchParams();
  writePeriod(params, state.period, DEFAULT_PRESET);
  if (state.by !== "channel") params.set("by", state.by);
  if (state.curve !== "ltv_observable") params.set("curve", state.curve);
  if (state.months !== 12) params.set("months", String(state.months));
  return params;
}

let state = readState(location.search);
let last = null;

function showControls() {
  showPeriod(state.period);
  for (const button of el("by").querySelectorAll("[data-by]")) button.classList.toggle("active", button.dataset.by === state.by);
  for (const button of el("curve").querySelectorAll("[data-curve]")) {
    button.classList.toggle("active", button.dataset.curve === state.curve);
  }
  el("months").value = String(state.months);
}

function render(answer) {
  last = answer;
  const months = Array.from({ length: answer.months + 1 }, (_, m) => `Month ${m}`);
  const shown = answer.groups.filter((g) => g.customers > 0).slice(0, CHART_GROUPS);
  const datasets = [answer.overall, ...shown].map((curve, i) => ({
    label: `${curve.label} (${fmt.count(curve.customers)})`,
    data: curve[state.curve],
    borderColor: i === 0 ? "#111827" : PALETTE[(i - 1) % PALETTE.length],
    backgroundColor: i === 0 ? "#111827" : PALETTE[(i - 1) % PALETTE.length],
    borderWidth: i === 0 ? 3 : 2, tension: 0.25, pointRadius: 2, spanGaps: false,
  }));
  el("chart-empty").hidden = answer.overall.customers > 0;
  drawChart(el("ltv-chart"), {
    type: "line",
    data: { labels: months, datasets },
    options: {
      responsive: true, maintainAspectRatio: false, animation: { duration: 200 },
      interaction: { mode: "index", intersect: false },
      scales: { y: { beginAtZero: true, ticks: { callback: (v) => fmt.money(v, { compact: true }) } },
        x: { grid: { display: false } } },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 12 } },
        tooltip: { callbacks: { label: (ctx) => ` ${ctx.dataset.label}: ${fmt.money(ctx.raw)}` } },
      },
    },
  });
  const marks = [0, 3, 6, 12].filter((m) => m <= answer.months);
  const head = `<tr><th>${state.by === "channel" ? "Channel" : "Channel group"}</th><th class="right">Customers</th>`
    + `<th class="right">Spend</th><th class="right">CAC</th>${marks.map((m) => `<th class="right">LTV m${m}</th>`).join("")}`
    + "<th class=\"right\">LTV / CAC</th><th class=\"right\">Payback</th></tr>";
  const row = (curve, strong) => `<tr${strong ? ' class="average-row"' : ""}><td>${escapeHtml(curve.label)}</td>
    <td class="right">${fmt.count(curve.customers)}</td><td class="right">${fmt.money(curve.spend)}</td>
    <td class="right">${fmt.money(curve.cac)}</td>
    ${marks.map((m) => `<td class="right" title="${fmt.count(curve.observable_customers[m])} observable customers">${fmt.money(curve[state.curve][m])}</td>`).join("")}
    <td class="right" title="${curve.ltv_cac_month === null ? "" : `observable LTV at month ${curve.ltv_cac_month}`}">${fmt.ratio(curve.ltv_cac)}</td>
    <td class="right">${curve.payback_month === null ? (curve.cac === null ? "—" : "not yet") : `month ${curve.payback_month}`}</td></tr>`;
  el("ltv-table").innerHTML = `<thead>${head}</thead><tbody>${row(answer.overall, true)}${answer.groups.map((g) => row(g, false)).join("")}</tbody>`;
}

async function refresh() {
  const answer = await report(config.urls.ltv, { date_from: state.period.from, date_to: state.period.to,
    months: state.months, by: state.by, ...accountFilter(state.period) });
  if (answer) render(answer);
}

const { commit, restyle } = wireState({
  get: () => state, set: (next) => { state = next; }, read: readState, write: writeState, show: showControls, refresh, redraw: () => { if (last) render(last); },
});
onChoice("by", "by", (by) => commit({ by }));
onChoice("curve", "curve", (curve) => restyle({ curve }));
el("run").addEventListener("click", () => {
  commit({ months: Math.max(0, Math.min(60, Number.parseInt(el("months").value, 10) || 0)) });
});

showControls();
refresh();
