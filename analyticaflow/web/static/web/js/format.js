// Number formatting for the dashboard: money in the project's currency, percents, counts, ratios; null is "—".
// Pure functions (no DOM), so they run in the browser and under Node for tests.

export const NONE = "—";

function isNumber(value) {
  return typeof value === "number" && Number.isFinite(value);
}

export function makeFormatter({ currency, locale = undefined }) {
  const cache = new Map();
  const intl = (key, options) => {
    if (!cache.has(key)) cache.set(key, new Intl.NumberFormat(locale, options));
    return cache.get(key);
  };
  const money = (value, { compact = false } = {}) => {
    if (!isNumber(value)) return NONE;
    if (compact && Math.abs(value) >= 10000) {
      return intl("money-compact", { style: "currency", currency, notation: "compact", maximumFractionDigits: 1 })
        .format(value);
    }
    // Totals read better without cents; unit costs (CPC, CPM, AOV) need them.
    const whole = Math.abs(value) >= 10000;
    return intl(whole ? "money-whole" : "money", {
      style: "currency", currency,
      minimumFractionDigits: whole ? 0 : undefined,
      maximumFractionDigits: whole ? 0 : undefined,
    }).format(value);
  };
  const count = (value, { compact = false } = {}) => {
    if (!isNumber(value)) return NONE;
    if (compact && Math.abs(value) >= 10000) {
      return intl("count-compact", { notation: "compact", maximumFractionDigits: 1 }).format(value);
    }
    return intl("count", { maximumFractionDigits: Number.isInteger(value) ? 0 : 1 }).format(value);
  };
  const percent = (value) => {
    if (!isNumber(value)) return NONE;
    const digits = Math.abs(value) < 0.1 ? 2 : 1;
    return intl(`percent-${digits}`, { style: "percent", minimumFractionDigits: digits, maximumFractionDigits: digits })
      .format(value);
  };
  const ratio = (value) => {
    if (!isNumber(value)) return NONE;
    return `${intl("ratio", { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value)}×`;
  };
  const byFormat = { money, count, percent, ratio };
  return {
    money, count, percent, ratio,
    /** A value by its metric's declared format (unknown formats count). */
    value(format, value, options) {
      return (byFormat[format] || count)(value, options);
    },
  };
}

/**
 * The change badge of a tile: arrow, percent and tone. Higher-is-better metrics are green when they rise;
 * the others (CPC, CAC, ...) are green when they fall. No previous value → no badge.
 */
export function describeChange(change, { higherIsBetter, formatter }) {
  const pct = change && isNumber(change.pct) ? change.pct : null;
  const abs = change && isNumber(change.abs) ? change.abs : null;
  if (pct === null && abs === null) return { text: NONE, arrow: "", tone: "neutral" };
  const delta = pct !== null ? pct : abs;
  if (delta === 0) return { text: formatter.percent(0), arrow: "", tone: "neutral" };
  const up = delta > 0;
  const good = higherIsBetter === null || higherIsBetter === undefined ? null : up === Boolean(higherIsBetter);
  return {
    text: pct !== null ? formatter.percent(Math.abs(pct)) : "new",
    arrow: up ? "▲" : "▼",
    tone: good === null ? "neutral" : good ? "good" : "bad",
  };
}
