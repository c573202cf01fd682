// Requests to the reports API and the shapes the page reads from its answers. Pure functions (no DOM).

import { parseAccountKey } from "./state.js";

/** The report filters that select one account (none for "All accounts"). */
export function accountFilters(key) {
  const account = parseAccountKey(key);
  if (!account) return {};
  return { source: [account.source], account_id: [account.accountId] };
}

export function kpiRequest(state, { metrics, groupBy = "none" }) {
  return {
    date_from: state.from,
    date_to: state.to,
    metrics,
    group_by: groupBy,
    filters: accountFilters(state.account),
    compare: state.compare === "off" ? null : state.compare,
  };
}

export function timeseriesRequest(state, { metric }) {
  return {
    metrics: [metric],
    date_from: state.from,
    date_to: state.to,
    granularity: state.granularity,
    group_by: "none",
    filters: accountFilters(state.account),
    compare: state.compare === "off" ? null : state.compare,
  };
}

/** Warnings of a report answer (missing currency rates, ...) as plain sentences. */
export function warningsOf(answer) {
  const list = (answer && answer.warnings) || [];
  return list.map((w) => (typeof w === "string" ? w : w.message || JSON.stringify(w)));
}

/** A grouped KPI answer's rows as { key, metrics, previous, change } keyed by the grouping column. */
export function groupedRows(answer, groupColumn) {
  return ((answer && answer.rows) || []).map((row) => {
    const metrics = row.metrics || row.current || {};
    return {
      key: row[groupColumn] ?? (row.group && row.group[groupColumn]) ?? null,
      label: row[`${groupColumn}_name`] ?? row.label ?? null,
      metrics,
      previous: row.previous || {},
      change: row.change || {},
    };
  });
}

/** A time-series answer → bucket starts, current values and the aligned comparison values of one metric. */
export function seriesOf(answer, metric) {
  const buckets = (answer && answer.buckets) || [];
  const valueOf = (source) => {
    if (source === undefined || source === null) return null;
    if (typeof source === "number") return source;
    const value = source[metric];
    return value === undefined ? null : value;
  };
  return {
    starts: buckets.map((b) => b.start || b.bucket || b.date),
    ends: buckets.map((b) => b.end || null),
    current: buckets.map((b) => valueOf(b.values ?? b.current ?? b)),
    previous: buckets.map((b) => valueOf(b.previous)),
    previousStarts: buckets.map((b) => b.previous_start || (b.previous && b.previous.start) || null),
  };
}
