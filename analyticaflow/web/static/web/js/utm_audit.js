// The UTM audit page: spend that no tracked visit matches, and tagged visits that no spend matches.

import { api } from "./api.js";
import { makeFormatter } from "./format.js";
import { escapeHtml, iconSvg, platformOf } from "./nav.js";
import { PRESETS, presetRange, readState, todayIn, writeState } from "./state.js";

const config = JSON.parse(document.getElementById("dashboard-config").textContent);
const fmt = makeFormatter({ currency: config.project.currency });
const root = document.getElementById("utm-audit");
const el = (id) => document.getElementById(id);
const today = () => todayIn(config.project.timezone);
let state = readState(location.search, today());
let inFlight = null;

// Columns per table: [answer field, heading, format].
const SPEND_COLUMNS = [
  ["source", "Platform", "source"], ["account_id", "Account", "text"], ["campaign_name", "Campaign", "text"],
  ["campaign_id", "Campaign id", "text"], ["spend", "Spend at stake", "money"], ["impressions", "Impressions", "count"],
  ["clicks", "Clicks", "count"],
];
const UTM_COLUMNS = [
  ["source", "Platform", "source"], ["utm_source", "utm_source", "text"], ["utm_medium", "utm_medium", "text"],
  ["utm_campaign", "utm_campaign", "text"], ["touchpoints", "Visits", "count"], ["visitors", "Visitors", "count"],
  ["first_seen", "First seen", "day"], ["last_seen", "Last seen", "day"],
];

function cellValue(format, value) {
  if (format === "source") {
    const platform = platformOf(String(value ?? ""));
    return `<span class="group-cell">${iconSvg(platform.icon)}<span>${escapeHtml(platform.label)}</span></span>`;
  }
  if (format === "text") return escapeHtml(value ?? "—");
  if (format === "day") return escapeHtml(value ? String(value).slice(0, 10) : "—");
  return escapeHtml(fmt.value(format, value ?? null));
}

function renderTable(table, columns, rows, emptyText) {
  const shown = columns;
  const head = `<tr>${shown.map(([, title, format]) => `<th${["money", "count"].includes(format) ? ' class="right"' : ""}>${escapeHtml(title)}</th>`).join("")}</tr>`;
  const body = rows.length
    ? rows.map((row) => `<tr>${shown.map(([field, , format]) => `<td${["money", "count"].includes(format) ? ' class="right"' : ""}>${cellValue(format, row[field])}</td>`).join("")}</tr>`).join("")
    : `<tr><td colspan="${shown.length}" class="muted empty-row">${escapeHtml(emptyText)}</td></tr>`;
  table.innerHTML = `<thead>${head}</thead><tbody>${body}</tbody>`;
}

function render(answer, totalSpend) {
  const gap = answer.spend_without_touchpoints || { spend: 0, campaigns: [] };
  const spend = gap.campaigns || [];
  const utms = answer.utm_campaigns_without_spend || [];
  el("audit-summary").innerHTML = [
    ["Spend at stake", fmt.money(gap.spend)],
    ["Share of all spend", totalSpend ? fmt.percent(gap.spend / totalSpend) : "—"],
    ["Campaigns without visits", fmt.count(spend.length)],
    ["UTM campaigns without spend", fmt.count(utms.length)],
  ].map(([label, value]) => `<div class="stat"><span class="tile-label">${label}</span><span class="tile-value">${escapeHtml(value)}</span></div>`).join("");
  renderTable(el("unmatched-spend-table"), SPEND_COLUMNS, spend, "Every campaign with spend has tracked visits. Nothing to fix.");
  renderTable(el("unmatched-utms-table"), UTM_COLUMNS, utms, "Every tagged paid campaign has spend behind it.");
}

async function refresh() {
  if (inFlight) inFlight.abort();
  const controller = new AbortController();
  inFlight = controller;
  root.dataset.loading = "true";
  el("dash-notice").hidden = true;
  const query = new URLSearchParams({ date_from: state.from, date_to: state.to });
  try {
    const [answer, total] = await Promise.all([
      api(`${config.urls.utm_audit}?${query}`, { signal: controller.signal }),
      api(config.urls.kpi, { method: "POST", signal: controller.signal,
        body: { date_from: state.from, date_to: state.to, metrics: ["spend"] } }),
    ]);
    render(answer, total.current.spend);
    const warnings = answer.warnings || [];
    if (warnings.length) {
      el("dash-notice").textContent = warnings.map((w) => (typeof w === "string" ? w : w.message)).join(" ");
      el("dash-notice").hidden = false;
    }
  } catch (error) {
    if (error.name === "AbortError") return;
    el("dash-notice").className = "flash flash-error";
    el("dash-notice").textContent = `The audit could not be loaded: ${error.describe ? error.describe() : error.message}`;
    el("dash-notice").hidden = false;
  } finally {
    if (inFlight === controller) {
      inFlight = null;
      root.dataset.loading = "false";
    }
  }
}

const dayFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", year: "numeric", timeZone: "UTC" });

function sync() {
  el("preset").value = state.preset;
  el("date-from").value = state.from;
  el("date-to").value = state.to;
  el("custom-range").hidden = state.preset !== "custom";
  el("range-label").textContent = `${dayFormat.format(new Date(`${state.from}T00:00:00Z`))} – ${dayFormat.format(new Date(`${state.to}T00:00:00Z`))}`;
}

function commit(changes) {
  state = { ...state, ...changes, granularity: null };
  state = readState(writeState(state), today());
  history.pushState(null, "", location.pathname + writeState({ ...state, granularity: null }));
  sync();
  refresh();
}

el("preset").innerHTML = PRESETS.map(([key, label]) => `<option value="${key}">${label}</option>`).join("");
el("preset").addEventListener("change", (event) => {
  const preset = event.target.value;
  commit(preset === "custom" ? { preset } : { preset, ...presetRange(preset, today()) });
});
const onDates = () => {
  const from = el("date-from").value;
  const to = el("date-to").value;
  el("date-error").textContent = !from || !to || from > to ? "Choose a start date on or before the end date." : "";
  if (!el("date-error").textContent) commit({ preset: "custom", from, to });
};
el("date-from").addEventListener("change", onDates);
el("date-to").addEventListener("change", onDates);
window.addEventListener("popstate", () => {
  state = readState(location.search, today());
  sync();
  refresh();
});
sync();
refresh();
