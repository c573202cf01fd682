// The left menu's ad accounts, grouped by platform, on every project page. The list comes from the reports
// API (accounts seen in spend) and is kept in sessionStorage so the next page shows it at once.

import { api } from "./api.js";
import { ALL_ACCOUNTS, accountKey } from "./state.js";

const root = document.getElementById("account-nav");
const catalog = JSON.parse(document.getElementById("platform-catalog")?.textContent || "{}");
let selectHandler = null;
let activeKey = null;

const KIND_ORDER = ["ads", "social", "web", "crm"];

/** How a source is shown: label, icon, kind, and its kind's tiles and breakdown. */
export function platformOf(source, kind = undefined) {
  const known = (catalog.platforms || {})[source];
  const label = known ? known.label : source.replace(/_/g, " ").replace(/\b\w/g, (c) => c.toUpperCase());
  const resolvedKind = (known && known.kind) || kind || "ads";
  const kinds = catalog.kinds || {};
  const tiles = kinds[resolvedKind] || kinds.ads || { tiles: [], table: [], table_group: null };
  return { source, label, icon: known ? known.icon : catalog.generic_icon || "generic", kind: resolvedKind, ...tiles };
}

export function iconSvg(icon, size = 18) {
  const sprite = root?.dataset.sprite || "";
  return `<svg class="platform-icon" width="${size}" height="${size}" aria-hidden="true"><use href="${sprite}#${icon}"></use></svg>`;
}

export function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

export function accountLabel(account) {
  return account.account_name || account.name || account.account_id;
}

function cacheKey() {
  return `af-accounts-${root?.dataset.project}`;
}

function hrefFor(key) {
  const url = new URL(root.dataset.dashboard, location.origin);
  // On the dashboard, keep the current dates and comparison; elsewhere start from the defaults.
  if (document.body.dataset.page === "dashboard") url.search = location.search;
  if (key === ALL_ACCOUNTS) url.searchParams.delete("account");
  else url.searchParams.set("account", key);
  url.searchParams.delete("metric");
  return url.pathname + url.search;
}

function render(accounts) {
  if (!root) return;
  const groups = new Map();
  for (const account of accounts) {
    if (!groups.has(account.source)) groups.set(account.source, []);
    groups.get(account.source).push(account);
  }
  const link = (key, inner, extra = "") =>
    `<a class="account-link${key === activeKey ? " active" : ""}" data-account="${escapeHtml(key)}" href="${escapeHtml(hrefFor(key))}"${extra}>${inner}</a>`;
  const parts = [link(ALL_ACCOUNTS, `${iconSvg("all")}<span>All accounts</span>`)];
  const rank = ([source, list]) => {
    const platform = platformOf(source, list[0].kind);
    return [KIND_ORDER.indexOf(platform.kind), platform.label];
  };
  const ordered = [...groups.entries()].sort((a, b) => {
    const [ka, la] = rank(a);
    const [kb, lb] = rank(b);
    return ka - kb || la.localeCompare(lb);
  });
  for (const [source, list] of ordered) {
    const platform = platformOf(source, list[0].kind);
    parts.push(`<div class="account-group" data-source="${escapeHtml(source)}"><div class="account-group-label">${iconSvg(platform.icon)}<span>${escapeHtml(platform.label)}</span></div>`);
    for (const account of list) {
      const key = accountKey(account);
      parts.push(link(key, `<span class="account-name">${escapeHtml(accountLabel(account))}</span><span class="account-currency">${escapeHtml(account.currency || "")}</span>`,
        ` title="${escapeHtml(`${platform.label} · ${account.account_id}`)}"`));
    }
    parts.push("</div>");
  }
  root.innerHTML = parts.join("");
}

function remember(accounts) {
  try {
    sessionStorage.setItem(cacheKey(), JSON.stringify(accounts));
  } catch {
    // Storage full or disabled: the list is fetched on every page instead.
  }
}

function remembered() {
  try {
    return JSON.parse(sessionStorage.getItem(cacheKey()) || "null");
  } catch {
    return null;
  }
}

function accountsOf(answer) {
  const list = Array.isArray(answer) ? answer : (answer && (answer.accounts || answer.results)) || [];
  return list.filter((a) => a && a.source && a.account_id !== undefined && a.account_id !== null)
    .map((a) => ({ ...a, account_id: String(a.account_id) }));
}

let loaded = null;

/** The project's accounts (fetched once per page). */
export function loadAccounts() {
  if (!root) return Promise.resolve([]);
  if (!loaded) {
    loaded = api(root.dataset.accountsUrl).then((answer) => {
      const accounts = accountsOf(answer);
      remember(accounts);
      render(accounts);
      return accounts;
    });
  }
  return loaded;
}

/** Mark the selected account in the menu (the dashboard calls this on every state change). */
export function setActiveAccount(key) {
  activeKey = key;
  if (!root) return;
  for (const el of root.querySelectorAll(".account-link")) {
    el.classList.toggle("active", el.dataset.account === key);
    el.href = hrefFor(el.dataset.account);
    if (el.dataset.account === key) el.setAttribute("aria-current", "page");
    else el.removeAttribute("aria-current");
  }
}

/** On the dashboard, selecting an account changes the state instead of loading a page. */
export function onAccountSelect(handler) {
  selectHandler = handler;
}

if (root) {
  activeKey = document.body.dataset.page === "dashboard" ? null : "";
  const cached = remembered();
  if (cached) render(cached);
  root.addEventListener("click", (event) => {
    const link = event.target.closest(".account-link");
    if (!link || !selectHandler || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    const toggle = document.getElementById("nav-toggle");
    if (toggle) toggle.checked = false; // phone: close the drawer
    selectHandler(link.dataset.account);
  });
  loadAccounts().catch(() => {
    if (!cached) root.innerHTML = '<p class="account-error">Accounts could not be loaded.</p>';
  });
}
