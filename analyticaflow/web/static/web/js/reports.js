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

/**
 * A grouped KPI answer's rows as { key, label, metrics, previous, change }: the key is the group's value
 * (a source, or a campaign id), the label what a person reads (the campaign's name).
 */
export function groupedRows(answer, groupBy) {
  return ((answer && answer.rows) || []).map((row) => {
    const group = row.group || {};
    const key = groupBy === "campaign" ? group.campaign_id ?? null : group[groupBy] ?? null;
    const label = groupBy === "campaign" ? group.campaign_name || group.campaign_id || row.label : row.label ?? key;
    return { key, label, metrics: row.metrics || {}, previous: row.previous || {}, change: row.change || {} };
  });
}

/** A time-series answer → bucket starts, current values and the aligned comparison values of one metric. */
export function seriesOf(answer, metric) {
  const buckets = (answer && answer.buckets) || [];
  const valueOf = (values) => (values && values[metric] !== undefined ? values[metric] : null);
  return {
    starts: buckets.map((b) => b.date_from || b.bucket),
    ends: buckets.map((b) => b.date_to || null),
    current: buckets.map((b) => valueOf(b.metrics)),
    previous: buckets.map((b) => valueOf(b.previous)),
    previousStarts: buckets.map((b) => b.previous_date_from || null),
  };
}
