// The dashboard's state and its query string: what is selected, for which dates, at which granularity.
// Pure functions (no DOM), so they run in the browser and under Node for tests. Dates are "YYYY-MM-DD"
// strings of the project's calendar; arithmetic happens on UTC midnights, so no local DST shift applies.

export const PRESETS = [
  ["last_7", "Last 7 days"],
  ["last_30", "Last 30 days"],
  ["last_90", "Last 90 days"],
  ["this_month", "This month"],
  ["last_month", "Last month"],
  ["this_year", "This year"],
  ["custom", "Custom"],
];
export const GRANULARITIES = ["day", "week", "month", "quarter", "year"];
export const COMPARISONS = ["previous_period", "previous_year"];
export const ALL_ACCOUNTS = "all";
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function parseDate(text) {
  if (typeof text !== "string" || !DATE.test(text)) return null;
  const [y, m, d] = text.split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d ? date : null;
}

export function formatDate(date) {
  return date.toISOString().slice(0, 10);
}

export function addDays(text, days) {
  const date = parseDate(text);
  date.setUTCDate(date.getUTCDate() + days);
  return formatDate(date);
}

export function daysBetween(from, to) {
  return Math.round((parseDate(to) - parseDate(from)) / 86400000) + 1;
}

/** Today's date on the project's calendar (its IANA time zone), as "YYYY-MM-DD". */
export function todayIn(timeZone, now = new Date()) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(now);
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/**
 * The inclusive range of a preset. "Last N days" are the N full days before today (today is still being
 * counted); "this month" and "this year" run up to today.
 */
export function presetRange(preset, today) {
  const [y, m] = today.split("-").map(Number);
  const pad = (n) => String(n).padStart(2, "0");
  switch (preset) {
    case "last_7":
      return { from: addDays(today, -7), to: addDays(today, -1) };
    case "last_30":
      return { from: addDays(today, -30), to: addDays(today, -1) };
    case "last_90":
      return { from: addDays(today, -90), to: addDays(today, -1) };
    case "this_month":
      return { from: `${y}-${pad(m)}-01`, to: today };
    case "last_month": {
      const firstOfThis = `${y}-${pad(m)}-01`;
      const lastOfPrevious = addDays(firstOfThis, -1);
      return { from: `${lastOfPrevious.slice(0, 7)}-01`, to: lastOfPrevious };
    }
    case "this_year":
      return { from: `${y}-01-01`, to: today };
    default:
      return null;
  }
}

/** A granularity that gives a readable number of bars for the range. */
export function defaultGranularity(from, to) {
  const days = daysBetween(from, to);
  if (days <= 45) return "day";
  if (days <= 200) return "week";
  if (days <= 1100) return "month";
  return "quarter";
}

export const DEFAULTS = { account: ALL_ACCOUNTS, preset: "last_30", compare: "previous_period" };

/**
 * The state a query string asks for, made valid: unknown values fall back to defaults, a custom range
 * needs both dates in order, the granularity defaults by the range's length.
 */
export function readState(search, today) {
  const params = new URLSearchParams(search);
  const state = { ...DEFAULTS, metric: null, granularity: null, from: null, to: null };
  const account = params.get("account");
  if (account && (account === ALL_ACCOUNTS || account.includes(":"))) state.account = account;
  const preset = params.get("preset");
  if (preset && PRESETS.some(([key]) => key === preset)) state.preset = preset;
  const compare = params.get("compare");
  if (compare === "off" || COMPARISONS.includes(compare)) state.compare = compare;
  const metric = params.get("metric");
  if (metric && /^[a-z_]+$/.test(metric)) state.metric = metric;

  let range = null;
  if (state.preset === "custom") {
    const from = params.get("from");
    const to = params.get("to");
    if (parseDate(from) && parseDate(to) && from <= to) range = { from, to };
    else state.preset = DEFAULTS.preset;
  }
  range = range || presetRange(state.preset, today);
  state.from = range.from;
  state.to = range.to;
  const granularity = params.get("granularity");
  state.granularity = GRANULARITIES.includes(granularity) ? granularity : defaultGranularity(range.from, range.to);
  return state;
}

/** The query string of a state; values equal to the defaults are left out to keep links short. */
export function writeState(state) {
  const params = new URLSearchParams();
  if (state.account !== DEFAULTS.account) params.set("account", state.account);
  if (state.preset !== DEFAULTS.preset) params.set("preset", state.preset);
  if (state.preset === "custom") {
    params.set("from", state.from);
    params.set("to", state.to);
  }
  if (state.granularity && state.granularity !== defaultGranularity(state.from, state.to)) {
    params.set("granularity", state.granularity);
  }
  if (state.metric) params.set("metric", state.metric);
  if (state.compare !== DEFAULTS.compare) params.set("compare", state.compare);
  const text = params.toString().replace(/%3A/gi, ":"); // ":" is fine in a query and keeps account ids readable
  return text ? `?${text}` : "";
}

/** "google_ads:123-456" → { source, accountId }; "all" → null. */
export function parseAccountKey(key) {
  if (!key || key === ALL_ACCOUNTS) return null;
  const at = key.indexOf(":");
  return { source: key.slice(0, at), accountId: key.slice(at + 1) };
}

export function accountKey(account) {
  return `${account.source}:${account.account_id}`;
}
