// The account dashboard: tiles with change vs the comparison period, a bar chart of one metric, a table.
// Every change of selection updates the query string (shareable, restored on reload) and fetches the
// reports API; the page itself is never reloaded.

import { api } from "./api.js";
import { describeChange, makeFormatter } from "./format.js";
import { accountLabel, escapeHtml, iconSvg, loadAccounts, onAccountSelect, platformOf, setActiveAccount } from "./nav.js";
import { groupedRows, kpiRequest, seriesOf, timeseriesRequest, warningsOf } from "./reports.js";
import { ALL_ACCOUNTS, GRANULARITIES, PRESETS, accountKey, parseAccountKey, presetRange, readState, todayIn, writeState } from "./state.js";
import { bucketLabel, renderChart } from "./chart.js";

const config = JSON.parse(document.getElementById("dashboard-config").textContent);
const catalog = JSON.parse(document.getElementById("platform-catalog").textContent);
const fmt = makeFormatter({ currency: config.project.currency });
const root = document.getElementById("dashboard");
const el = (id) => document.getElementById(id);

let state = readState(location.search, todayIn(config.project.timezone));
let accounts = null; // null until loaded
let inFlight = null;

// --- what the selection shows ---------------------------------------------------------------------------

function metricInfo(name) {
  return config.metrics[name] || { label: name, format: "count", higher_is_better: null };
}

function view() {
  const account = parseAccountKey(state.account);
  if (!account) {
    return { title: "All accounts", icon: "all", tiles: catalog.blended.tiles, table: catalog.blended.table,
      groupBy: "source", groupLabel: "Source", kind: "all" };
  }
  const known = (accounts || []).find((a) => accountKey(a) === state.account);
  const platform = platformOf(account.source, known && known.kind);
  const name = known ? accountLabel(known) : account.accountId;
  return { title: `${platform.label} · ${name}`, icon: platform.icon, tiles: platform.tiles, table: platform.table,
    groupBy: platform.table.length ? platform.table_group : null, groupLabel: "Campaign", kind: platform.kind };
}

function chartMetric(current) {
  return state.metric && current.tiles.includes(state.metric) ? state.metric : current.tiles[0];
}

// --- state ↔ URL ------------------------------------------------------------------------------------------

function commit(changes, { push = true } = {}) {
  state = { ...state, ...changes };
  const url = location.pathname + writeState(state);
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
  syncControls();
  refresh();
}

window.addEventListener("popstate", () => {
  state = readState(location.search, todayIn(config.project.timezone));
  syncControls();
  refresh();
});

// --- controls ---------------------------------------------------------------------------------------------

function buildControls() {
  el("preset").innerHTML = PRESETS.map(([key, label]) => `<option value="${key}">${label}</option>`).join("");
  el("granularity").innerHTML = GRANULARITIES.map((g) =>
    `<button type="button" class="seg" data-granularity="${g}">${g[0].toUpperCase()}${g.slice(1)}</button>`).join("");

  el("preset").addEventListener("change", (event) => {
    const preset = event.target.value;
    if (preset === "custom") {
      commit({ preset, from: state.from, to: state.to });
      el("date-from").focus();
      return;
    }
    const range = presetRange(preset, todayIn(config.project.timezone));
    commit({ preset, ...range, granularity: reviseGranularity(range) });
  });
  const onDates = () => {
    const from = el("date-from").value;
    const to = el("date-to").value;
    if (!from || !to || from > to) {
      el("date-error").textContent = "Choose a start date on or before the end date.";
      return;
    }
    el("date-error").textContent = "";
    commit({ preset: "custom", from, to, granularity: reviseGranularity({ from, to }) });
  };
  el("date-from").addEventListener("change", onDates);
  el("date-to").addEventListener("change", onDates);
  el("compare-toggle").addEventListener("change", (event) => {
    commit({ compare: event.target.checked ? el("compare-kind").value : "off" });
  });
  el("compare-kind").addEventListener("change", (event) => {
    if (el("compare-toggle").checked) commit({ compare: event.target.value });
  });
  el("granularity").addEventListener("click", (event) => {
    const button = event.target.closest("[data-granularity]");
    if (button) commit({ granularity: button.dataset.granularity });
  });
  el("tiles").addEventListener("click", (event) => {
    const tile = event.target.closest("[data-metric]");
    if (tile) commit({ metric: tile.dataset.metric });
  });
  el("chart-metric").addEventListener("change", (event) => commit({ metric: event.target.value }));
  onAccountSelect((key) => commit({ account: key, metric: null }));
}

// Keep a granularity the user chose unless it makes the new range unreadable (too many or too few bars).
function reviseGranularity(range) {
  const days = (Date.parse(range.to) - Date.parse(range.from)) / 86400000 + 1;
  const bars = { day: days, week: days / 7, month: days / 30, quarter: days / 91, year: days / 365 }[state.granularity];
  return bars > 400 || bars < 1 ? null : state.granularity;
}

function syncControls() {
  if (!state.granularity) state = readState(writeState(state), todayIn(config.project.timezone));
  el("preset").value = state.preset;
  el("date-from").value = state.from;
  el("date-to").value = state.to;
  el("custom-range").hidden = state.preset !== "custom";
  el("range-label").textContent = rangeLabel(state.from, state.to);
  el("compare-toggle").checked = state.compare !== "off";
  el("compare-kind").disabled = state.compare === "off";
  if (state.compare !== "off") el("compare-kind").value = state.compare;
  for (const button of el("granularity").querySelectorAll("[data-granularity]")) {
    const on = button.dataset.granularity === state.granularity;
    button.classList.toggle("active", on);
    button.setAttribute("aria-pressed", String(on));
  }
  setActiveAccount(state.account);
}

const dayFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", year: "numeric", timeZone: "UTC" });

function rangeLabel(from, to) {
  return `${dayFormat.format(new Date(`${from}T00:00:00Z`))} – ${dayFormat.format(new Date(`${to}T00:00:00Z`))}`;
}

// --- loading ----------------------------------------------------------------------------------------------

async function refresh() {
  if (inFlight) inFlight.abort();
  const controller = new AbortController();
  inFlight = controller;
  const current = view();
  const metric = chartMetric(current);
  root.dataset.loading = "true";
  root.dataset.account = state.account;
  renderHeading(current, metric);
  setNotice("");
  const signal = controller.signal;
  const kpi = api(config.urls.kpi, { method: "POST", signal, body: kpiRequest(state, { metrics: current.tiles }) });
  const table = current.groupBy
    ? api(config.urls.kpi, { method: "POST", signal,
      body: kpiRequest(state, { metrics: current.table, groupBy: current.groupBy }) })
    : Promise.resolve(null);
  const series = api(config.urls.timeseries, { method: "POST", signal, body: timeseriesRequest(state, { metric }) });
  try {
    const [kpiAnswer, tableAnswer, seriesAnswer] = await Promise.all([kpi, table, series]);
    if (controller.signal.aborted) return;
    renderTiles(current, kpiAnswer, metric);
    if (tableAnswer) renderTable(current, tableAnswer);
    renderSeries(metric, seriesAnswer);
    const warnings = [...new Set([...warningsOf(kpiAnswer), ...warningsOf(tableAnswer), ...warningsOf(seriesAnswer)])];
    if (warnings.length) setNotice(warnings.join(" "), "warning");
  } catch (error) {
    if (error.name === "AbortError") return;
    setNotice(`The report could not be loaded: ${error.describe ? error.describe() : error.message}`, "error");
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

function renderHeading(current, metric) {
  el("view-title").innerHTML = `${iconSvg(current.icon, 28)}<span>${escapeHtml(current.title)}</span>`;
  document.title = `${current.title} · ${config.project.name} · AnalyticaFlow`;
  el("chart-metric").innerHTML = current.tiles.map((name) =>
    `<option value="${name}"${name === metric ? " selected" : ""}>${escapeHtml(metricInfo(name).label)}</option>`).join("");
  el("table-title").textContent = current.groupBy === "source" ? "By source" : "By campaign";
  el("breakdown-card").hidden = !current.groupBy;
  root.dataset.kind = current.kind;
  el("empty-accounts").hidden = !(accounts && accounts.length === 0 && state.account === ALL_ACCOUNTS);
  const unknown = accounts && state.account !== ALL_ACCOUNTS && !accounts.some((a) => accountKey(a) === state.account);
  el("unknown-account").hidden = !unknown;
}

function renderTiles(current, answer, selected) {
  const compare = state.compare !== "off";
  const values = answer.current || {};
  const previous = answer.previous || {};
  const change = answer.change || {};
  el("tiles").innerHTML = current.tiles.map((name) => {
    const info = metricInfo(name);
    const delta = describeChange(change[name], { higherIsBetter: info.higher_is_better, formatter: fmt });
    const before = compare ? `<span class="tile-prev">vs ${escapeHtml(fmt.value(info.format, previous[name] ?? null))}</span>` : "";
    const badge = compare ? `<span class="tile-change ${delta.tone}" title="Change vs the comparison period">${delta.arrow} ${escapeHtml(delta.text)}</span>` : "";
    return `<button type="button" class="tile${name === selected ? " selected" : ""}" data-metric="${name}" aria-pressed="${name === selected}" title="${escapeHtml(info.description || info.label)}">
      <span class="tile-label">${escapeHtml(info.label)}</span>
      <span class="tile-value" data-value="${values[name] ?? ""}">${escapeHtml(fmt.value(info.format, values[name] ?? null))}</span>
      <span class="tile-foot">${badge}${before}</span></button>`;
  }).join("");
}

function cell(info, metrics, change, name) {
  const compare = state.compare !== "off";
  const value = fmt.value(info.format, metrics[name] ?? null);
  if (!compare) return `<td class="right">${escapeHtml(value)}</td>`;
  const delta = describeChange(change[name], { higherIsBetter: info.higher_is_better, formatter: fmt });
  return `<td class="right">${escapeHtml(value)}<span class="cell-change ${delta.tone}">${delta.arrow} ${escapeHtml(delta.text)}</span></td>`;
}

function groupName(current, row) {
  if (current.groupBy === "source") {
    const platform = platformOf(row.key || "(none)");
    return `<span class="group-cell">${iconSvg(platform.icon)}<span>${escapeHtml(platform.label)}</span></span>`;
  }
  return `<span class="group-cell"><span title="${escapeHtml(row.label || "")}">${escapeHtml(row.label || row.key || "(not set)")}</span></span>`;
}

function renderTable(current, answer) {
  const rows = groupedRows(answer, current.groupBy);
  const sortMetric = current.table.includes("spend") ? "spend" : current.table[0];
  rows.sort((a, b) => (b.metrics[sortMetric] ?? -Infinity) - (a.metrics[sortMetric] ?? -Infinity));
  const head = `<tr><th>${current.groupLabel}</th>${current.table.map((n) => `<th class="right">${escapeHtml(metricInfo(n).label)}</th>`).join("")}</tr>`;
  const body = rows.length
    ? rows.map((row) => `<tr><td>${groupName(current, row)}</td>${current.table.map((n) => cell(metricInfo(n), row.metrics, row.change, n)).join("")}</tr>`).join("")
    : `<tr><td colspan="${current.table.length + 1}" class="muted empty-row">Nothing in this period.</td></tr>`;
  el("breakdown").innerHTML = `<thead>${head}</thead><tbody>${body}</tbody>`;
}

function renderSeries(metric, answer) {
  const info = metricInfo(metric);
  const series = seriesOf(answer, metric);
  const compare = state.compare !== "off";
  const labels = series.starts.map((start) => bucketLabel(start, state.granularity));
  const hasData = series.current.some((v) => v !== null && v !== 0) || (compare && series.previous.some((v) => v !== null && v !== 0));
  el("chart-empty").hidden = hasData;
  renderChart(el("metric-chart"), {
    labels,
    current: series.current,
    previous: compare ? series.previous : null,
    currentLabel: rangeLabel(state.from, state.to),
    previousLabel: state.compare === "previous_year" ? "Previous year" : "Previous period",
    previousStarts: series.previousStarts,
    granularity: state.granularity,
    format: (value, options) => fmt.value(info.format, value, options),
  });
}

// --- start ------------------------------------------------------------------------------------------------

buildControls();
history.replaceState(null, "", location.pathname + writeState(state));
syncControls();
refresh();
loadAccounts().then((list) => {
  const before = view();
  accounts = list;
  const after = view();
  setActiveAccount(state.account);
  // The account's kind (ads, social, web, crm) decides its tiles: refetch if it differs from the first guess.
  if (after.kind !== before.kind) refresh();
  else renderHeading(after, chartMetric(after));
}).catch((error) => setNotice(`Accounts could not be loaded: ${error.message}`, "error"));
