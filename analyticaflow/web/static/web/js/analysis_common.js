// What the analysis pages share: their config, the dashboard's period presets, account filter and query-string
// state, the API call with one request in flight, notices, and small formatting helpers.

import { api } from "./api.js";
import { makeFormatter } from "./format.js";
import { accountLabel, escapeHtml, loadAccounts, platformOf } from "./nav.js";
import { ALL_ACCOUNTS, PRESETS, accountKey, parseAccountKey, parseDate, presetRange, todayIn } from "./state.js";

export { escapeHtml };
export const config = JSON.parse(document.getElementById("analysis-config").textContent);
export const fmt = makeFormatter({ currency: config.project.currency });
export const el = (id) => document.getElementById(id);
export const today = () => todayIn(config.project.timezone);
const root = document.getElementById("analysis");

/**
 * The period (preset or custom from/to) and the ad account (``source:account_id``, or "all") in a query string,
 * as the dashboard writes them.
 */
export function readPeriod(params, defaultPreset) {
  const key = params.get("account");
  const account = key && key !== ALL_ACCOUNTS && key.includes(":") ? key : ALL_ACCOUNTS;
  let preset = params.get("preset") || defaultPreset;
  if (!PRESETS.some(([name]) => name === preset)) preset = defaultPreset;
  if (preset === "custom") {
    const from = params.get("from");
    const to = params.get("to");
    if (parseDate(from) && parseDate(to) && from <= to) return { preset, from, to, account };
    preset = defaultPreset;
  }
  return { preset, ...presetRange(preset, today()), account };
}

export function writePeriod(params, period, defaultPreset) {
  if (period.preset !== defaultPreset) params.set("preset", period.preset);
  if (period.preset === "custom") {
    params.set("from", period.from);
    params.set("to", period.to);
  }
  if (period.account && period.account !== ALL_ACCOUNTS) params.set("account", period.account);
}

/** The request's account filter: only the persons acquired through the chosen account (none: everyone). */
export function accountFilter(period) {
  const account = parseAccountKey(period.account);
  return account ? { account: { source: account.source, account_id: account.accountId } } : {};
}

const accountName = (account) => `${platformOf(account.source, account.kind).label} · ${accountLabel(account)}`;

/** The account picker's options: every account of the project, and the chosen one even when not (yet) listed. */
function showAccounts(accounts, chosen) {
  const options = [[ALL_ACCOUNTS, "All accounts"], ...accounts.map((a) => [accountKey(a), accountName(a)])];
  const chosenAccount = parseAccountKey(chosen);
  if (chosenAccount && !options.some(([key]) => key === chosen)) {
    options.push([chosen, accountName({ source: chosenAccount.source, account_id: chosenAccount.accountId })]);
  }
  el("account").innerHTML = options.map(([key, label]) => `<option value="${escapeHtml(key)}">${escapeHtml(label)}</option>`).join("");
  el("account").value = chosen;
}

let knownAccounts = [];

const dayFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", year: "numeric", timeZone: "UTC" });
export const formatDay = (text) => (text ? dayFormat.format(new Date(`${String(text).slice(0, 10)}T00:00:00Z`)) : "—");

/**
 * Wire the period controls (preset select, custom dates). ``get``/``set`` read and change the page's period;
 * ``onChange`` runs after every change.
 */
export function bindPeriod({ get, set, onChange }) {
  el("preset").innerHTML = PRESETS.map(([key, label]) => `<option value="${key}">${label}</option>`).join("");
  el("preset").addEventListener("change", (event) => {
    const preset = event.target.value;
    set(preset === "custom" ? { ...get(), preset } : { ...get(), preset, ...presetRange(preset, today()) });
    onChange();
  });
  el("account").addEventListener("change", (event) => {
    set({ ...get(), account: event.target.value });
    onChange();
  });
  loadAccounts().then((accounts) => {
    knownAccounts = accounts;
    showAccounts(knownAccounts, get().account);
  }).catch(() => {});
  const onDates = () => {
    const from = el("date-from").value;
    const to = el("date-to").value;
    el("date-error").textContent = !from || !to || from > to ? "Choose a start date on or before the end date." : "";
    if (el("date-error").textContent) return;
    set({ ...get(), preset: "custom", from, to });
    onChange();
  };
  el("date-from").addEventListener("change", onDates);
  el("date-to").addEventListener("change", onDates);
}

export function showPeriod(period) {
  el("preset").value = period.preset;
  el("date-from").value = period.from;
  el("date-to").value = period.to;
  el("custom-range").hidden = period.preset !== "custom";
  el("range-label").textContent = `${formatDay(period.from)} – ${formatDay(period.to)}`;
  showAccounts(knownAccounts, period.account);
}

export function notice(text, kind = "warning") {
  const box = el("dash-notice");
  box.className = `flash flash-${kind}`;
  box.textContent = text || "";
  box.hidden = !text;
}

let inFlight = null;

/** POST a report; a newer call aborts an older one (its promise then resolves to null). */
export async function report(url, body) {
  if (inFlight) inFlight.abort();
  const controller = new AbortController();
  inFlight = controller;
  if (root) root.dataset.loading = "true";
  notice("");
  try {
    const answer = await api(url, { method: "POST", body, signal: controller.signal });
    const warnings = (answer && answer.warnings) || [];
    if (warnings.length) notice(warnings.map((w) => (typeof w === "string" ? w : w.message)).join(" "));
    return answer;
  } catch (error) {
    if (error.name === "AbortError") return null;
    notice(`The report could not be loaded: ${error.describe ? error.describe() : error.message}`, "error");
    return null;
  } finally {
    if (inFlight === controller) {
      inFlight = null;
      if (root) root.dataset.loading = "false";
    }
  }
}

/** Seconds as the largest sensible unit: "45 s", "12 min", "3.5 h", "2.1 d". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}

export const PALETTE = ["#4f46e5", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#14b8a6", "#f97316",
  "#64748b", "#ec4899"];

/** A link to a person's timeline page. */
export function personLink(personId, text = personId) {
  const href = `${config.urls.person_page}?person=${encodeURIComponent(personId)}`;
  return `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;
}

/** Update the URL's query string without reloading (``push`` adds a history entry). */
export function setQuery(params, push = true) {
  const text = params.toString();
  const url = location.pathname + (text ? `?${text}` : "");
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}

/** One Chart.js chart per canvas, replaced in place. */
export function drawChart(canvas, spec) {
  const existing = window.Chart.getChart(canvas);
  if (existing) existing.destroy();
  return new window.Chart(canvas, spec);
}

/**
 * Wire a page whose state lives in the query string. ``get``/``set`` read and replace the page's state,
 * ``read``/``write`` turn it into a query string and back, ``show`` shows it in the controls, ``refresh`` loads
 * the report and ``redraw`` re-renders the last answer. Returns ``commit(changes, push)`` (change the state, write
 * the URL, reload) and ``restyle(changes)`` (change only how the last answer is shown: no history entry, no
 * reload). The period controls and the back button are wired here.
 */
export function wireState({ get, set, read, write, show, refresh, redraw = () => {} }) {
  const apply = (changes, push) => {
    set({ ...get(), ...changes });
    setQuery(write(get()), push);
    show();
  };
  const commit = (changes, push = true) => {
    apply(changes, push);
    refresh();
  };
  const restyle = (changes) => {
    apply(changes, false);
    redraw();
  };
  bindPeriod({ get: () => get().period, set: (period) => set({ ...get(), period }), onChange: () => commit({}) });
  window.addEventListener("popstate", () => {
    set(read(location.search));
    show();
    refresh();
  });
  return { commit, restyle };
}

/** Clicks on the buttons inside ``id`` that carry ``data-<name>`` call ``pick`` with that value. */
export function onChoice(id, name, pick) {
  el(id).addEventListener("click", (event) => {
    const button = event.target.closest(`[data-${name}]`);
    if (button) pick(button.dataset[name]);
  });
}
