// The attribution page's state, query string, report request and table: pure functions (no DOM), so they run
// in the browser and under Node for tests. Dates, presets and the account filter are the dashboard's (state.js).

import { accountFilters } from "./reports.js";
import { readState, writeState } from "./state.js";

export const GROUPINGS = [["channel", "Channel"], ["campaign", "Campaign"], ["channel_group", "Channel group"]];
// What a table cell shows for each model: [key, label, format, higher is better].
export const METRICS = [
  ["conversions", "Conversions", "count", true],
  ["value", "Value", "money", true],
  ["cpa", "CPA", "money", false],
  ["roas", "ROAS", "ratio", true],
  ["romi", "ROMI", "percent", true],
];
export const DEFAULT_LOOKBACK = 30;
export const DEFAULT_HALF_LIFE = 7;
const MAX_LOOKBACK = 365;

function positiveNumber(text, { max, integer }) {
  if (text === null || text === "") return null;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > max) return null;
  if (integer && !Number.isInteger(value)) return null;
  return value;
}

/**
 * The page's state from its query string: the dashboard's dates and account, plus the grouping, the shown
 * metric, the models (all known ones by default, in their canonical order), the lookback and the half-life.
 */
export function readAttribution(search, today, knownModels) {
  const params = new URLSearchParams(search);
  const base = readState(search, today);
  const group = params.get("group");
  const metric = params.get("show");
  const listed = (params.get("models") || "").split(",").filter((name) => knownModels.includes(name));
  return {
    ...base,
    group: GROUPINGS.some(([key]) => key === group) ? group : "channel",
    show: METRICS.some(([key]) => key === metric) ? metric : "conversions",
    models: listed.length ? knownModels.filter((name) => listed.includes(name)) : [...knownModels],
    lookback: positiveNumber(params.get("lookback"), { max: MAX_LOOKBACK, integer: true }) ?? DEFAULT_LOOKBACK,
    halfLife: positiveNumber(params.get("half_life"), { max: 365, integer: false }) ?? DEFAULT_HALF_LIFE,
  };
}

/** The query string of a state; defaults are left out. */
export function writeAttribution(state, knownModels) {
  const params = new URLSearchParams(writeState({ ...state, granularity: null, metric: null, compare: "previous_period" }));
  if (state.group !== "channel") params.set("group", state.group);
  if (state.show !== "conversions") params.set("show", state.show);
  if (state.models.length && state.models.length !== knownModels.length) params.set("models", state.models.join(","));
  if (state.lookback !== DEFAULT_LOOKBACK) params.set("lookback", String(state.lookback));
  if (state.halfLife !== DEFAULT_HALF_LIFE) params.set("half_life", String(state.halfLife));
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** The body of POST /reports/attribution for a state. */
export function attributionRequest(state) {
  return {
    date_from: state.from,
    date_to: state.to,
    models: state.models,
    lookback_days: state.lookback,
    half_life_days: state.halfLife,
    group_by: state.group,
    filters: accountFilters(state.account),
  };
}

/**
 * The comparison table: one row per group with the shown metric of every model, and for each cell its share
 * of the model's total (conversions and value) for the bar drawn behind it. Rows keep the answer's order.
 */
export function comparisonTable(answer, show) {
  const models = ((answer && answer.models) || []).map((m) => m.name);
  const totals = (answer && answer.totals) || { spend: 0, credit: {} };
  const additive = show === "conversions" || show === "value";
  const rows = ((answer && answer.rows) || []).map((row) => ({
    label: row.label,
    group: row.group,
    spend: row.spend,
    cells: models.map((model) => {
      const credit = (row.credit || {})[model] || {};
      const total = ((totals.credit || {})[model] || {})[show];
      const value = credit[show] ?? null;
      return { model, value, share: additive && total ? Math.max(0, Math.min(1, (value || 0) / total)) : null };
    }),
  }));
  const total = { label: "Total", spend: totals.spend,
    cells: models.map((model) => ({ model, value: ((totals.credit || {})[model] || {})[show] ?? null, share: null })) };
  return { models, rows, total };
}

/** For each row, the models that credit it most and least (only when they differ), for highlighting. */
export function extremes(cells, higherIsBetter) {
  const values = cells.map((c) => c.value).filter((v) => typeof v === "number" && Number.isFinite(v));
  if (values.length < 2) return { best: null, worst: null };
  const max = Math.max(...values);
  const min = Math.min(...values);
  if (max === min) return { best: null, worst: null };
  return higherIsBetter ? { best: max, worst: min } : { best: min, worst: max };
}
