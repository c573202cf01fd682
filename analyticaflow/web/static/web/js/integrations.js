// The integrations page: connected accounts (status, backfill progress, last sync, errors, actions) refreshed
// from the API while anything moves, and the connect flow (settings → the platform's consent page).

import { api, ApiError } from "./api.js";

const config = JSON.parse(document.getElementById("integrations-config").textContent);
const list = document.getElementById("integration-list");
const listError = document.getElementById("list-error");
const dialog = document.getElementById("connect-dialog");
const form = document.getElementById("connect-form");
const settingsBox = document.getElementById("connect-settings");
const connectError = document.getElementById("connect-error");
const platforms = Object.fromEntries(config.platforms.map((platform) => [platform.type, platform]));
const STATUS_LABELS = { pending: "Pending", syncing: "Syncing", ok: "OK", error: "Error", reauth_required: "Reconnect needed" };
const FAST_REFRESH_MS = 2000;
const SLOW_REFRESH_MS = 30000;
let timer = null;
let connecting = null;

function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function icon(type) {
  const id = platforms[type] ? type : "generic";
  return `<svg class="integration-icon" width="36" height="36" aria-hidden="true"><use href="#integration-icon-${id}"></use></svg>`;
}

/** "3 minutes ago", "yesterday", or the date. */
export function relativeTime(iso, now = Date.now()) {
  if (!iso) return "never";
  const seconds = Math.round((now - new Date(iso).getTime()) / 1000);
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? "" : "s"} ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} hour${hours === 1 ? "" : "s"} ago`;
  const days = Math.round(hours / 24);
  if (days === 1) return "yesterday";
  if (days < 7) return `${days} days ago`;
  return new Date(iso).toLocaleDateString();
}

function progress(integration) {
  const backfill = integration.backfill;
  if (!integration.account || backfill.finished_at) return "";
  const chunk = backfill.current_chunk ? ` · loading ${escapeHtml(backfill.current_chunk.replace("..", " – "))}` : "";
  return `<div class="progress" data-testid="backfill-progress">
      <div class="progress-bar" role="progressbar" aria-label="History loaded" aria-valuemin="0" aria-valuemax="100"
           aria-valuenow="${backfill.percent}"><span style="width:${backfill.percent}%"></span></div>
      <span>History ${backfill.percent}% · ${backfill.rows.toLocaleString()} rows${chunk}</span>
    </div>`;
}

function actions(integration) {
  if (!config.can_write) return "";
  const id = integration.id;
  const buttons = [];
  if (integration.accounts_to_choose) {
    buttons.push(`<a class="button primary small" href="/projects/${config.project.id}/integrations/${id}/accounts/">Choose accounts</a>`);
  }
  if (!integration.account && !integration.accounts_to_choose) {
    buttons.push(`<button class="button primary small" type="button" data-action="reconnect" data-id="${id}">Continue connecting</button>`);
  }
  if (integration.account && integration.status !== "reauth_required") {
    const busy = integration.status === "syncing";
    buttons.push(`<button class="button small" type="button" data-action="sync" data-id="${id}"${busy ? " disabled" : ""}>Sync now</button>`);
  }
  if (integration.account && ["reauth_required", "error"].includes(integration.status)) {
    const primary = integration.status === "reauth_required" ? " primary" : "";
    buttons.push(`<button class="button small${primary}" type="button" data-action="reconnect" data-id="${id}">Reconnect</button>`);
  }
  buttons.push(`<button class="button small danger" type="button" data-action="disconnect" data-id="${id}">Disconnect</button>`);
  return buttons.join("");
}

const openHistories = new Map();  // integration id → its runs (shown under the row until closed)

function historyToggle(integration) {
  if (!integration.last_run) return "";
  const open = openHistories.has(String(integration.id));
  return `<button class="link-button history-toggle" type="button" data-action="history" data-id="${integration.id}"
            aria-expanded="${open}">${open ? "Hide" : "Show"} sync history</button>`;
}

function historyTable(runs) {
  if (!runs) return `<p class="muted small">Loading…</p>`;
  const rowsHtml = runs.map((run) => `<tr>
      <td>${escapeHtml(new Date(run.started_at).toLocaleString())}</td><td>${escapeHtml(run.kind)}</td>
      <td>${run.date_from ? `${escapeHtml(run.date_from)} – ${escapeHtml(run.date_to)}` : "–"}</td>
      <td class="right">${run.rows.toLocaleString()}</td>
      <td class="right">${run.duration_seconds === null ? "–" : `${run.duration_seconds.toFixed(1)} s`}</td>
      <td><span class="status status-${run.status === "retrying" ? "syncing" : run.status === "running" ? "syncing" : run.status}">${escapeHtml(run.status)}</span>
        ${run.error_message ? `<div class="integration-error">${escapeHtml(run.error_message)}</div>` : ""}</td>
    </tr>`).join("");
  return `<div class="table-wrap"><table class="table history" data-testid="sync-history">
      <thead><tr><th>Started</th><th>Kind</th><th>Days</th><th class="right">Rows</th><th class="right">Took</th><th>Outcome</th></tr></thead>
      <tbody>${rowsHtml}</tbody></table></div>`;
}

async function loadHistory(id) {
  try {
    openHistories.set(id, await api(`${config.urls.integrations}/${id}/runs`));
  } catch (error) {
    openHistories.set(id, []);
  }
  const box = list.querySelector(`[data-history="${id}"]`);
  if (box) box.innerHTML = historyTable(openHistories.get(id));
}

function row(integration) {
  const account = integration.account;
  const name = account ? escapeHtml(account.name || account.id) : "Waiting for the platform";
  const details = account
    ? [escapeHtml(account.id), account.currency ? escapeHtml(account.currency) : null, escapeHtml(account.time_zone)].filter(Boolean).join(" · ")
    : "Sign-in at the platform not finished";
  const lastSync = `Last sync ${relativeTime(integration.last_synced_at)}`;
  const run = integration.last_run;
  const lastRun = run && run.finished_at
    ? ` · last run ${run.rows.toLocaleString()} rows in ${run.duration_seconds < 10 ? run.duration_seconds.toFixed(1) : Math.round(run.duration_seconds)} s`
    : "";
  const hour = `daily at ${String(integration.sync_hour).padStart(2, "0")}:00`;
  const error = integration.error_message
    ? `<div class="integration-error" data-testid="integration-error">${escapeHtml(integration.error_message)}</div>` : "";
  return `<article class="integration" data-integration="${integration.id}" data-status="${integration.status}">
      ${icon(integration.type)}
      <div class="integration-main">
        <div class="integration-title">${name}
          <span class="muted small">${escapeHtml(integration.label)}</span>
          <span class="status status-${integration.status}" data-testid="integration-status">${STATUS_LABELS[integration.status] || integration.status}</span>
        </div>
        <div class="integration-meta">${details} · ${lastSync}${lastRun} · ${hour}</div>
        ${progress(integration)}
        ${error}
        ${historyToggle(integration)}
      </div>
      <div class="integration-actions">${actions(integration)}</div>
      ${openHistories.has(String(integration.id)) ? `<div class="integration-history" data-history="${integration.id}">${historyTable(openHistories.get(String(integration.id)))}</div>` : ""}
    </article>`;
}

// A sync asked for here may wait for a free runner before its status says "syncing": keep refreshing fast meanwhile.
const SYNC_REQUEST_WATCH_MS = 60000;
const syncRequested = new Map();  // integration id → when "Sync now" was pressed

function moving(integration) {
  const id = String(integration.id);
  if (integration.status !== "ok") syncRequested.delete(id);
  const waiting = syncRequested.has(id) && Date.now() - syncRequested.get(id) < SYNC_REQUEST_WATCH_MS;
  return waiting || ["pending", "syncing"].includes(integration.status)
    || (integration.account && !integration.backfill.finished_at);
}

async function refresh() {
  clearTimeout(timer);
  let integrations = [];
  try {
    integrations = await api(config.urls.integrations);
    listError.hidden = true;
  } catch (error) {
    listError.textContent = error instanceof ApiError ? error.describe() : "The integrations could not be loaded.";
    listError.hidden = false;
  }
  list.dataset.loading = "false";
  list.innerHTML = integrations.length
    ? integrations.map(row).join("")
    : `<p class="muted empty-integrations">No account connected yet. Pick a platform below to connect one.</p>`;
  for (const id of openHistories.keys()) loadHistory(id);
  timer = setTimeout(refresh, integrations.some(moving) ? FAST_REFRESH_MS : SLOW_REFRESH_MS);
}

async function act(action, id, button) {
  const url = `${config.urls.integrations}/${id}`;
  if (action === "history") {
    if (openHistories.has(id)) openHistories.delete(id);
    else openHistories.set(id, null);
    refresh();
    return;
  }
  button.disabled = true;
  try {
    if (action === "sync") {
      await api(`${url}/sync`, { method: "POST" });
      syncRequested.set(String(id), Date.now());
    } else if (action === "reconnect") {
      const answer = await api(`${url}/reconnect`, { method: "POST" });
      window.location.assign(answer.authorize_url);
      return;
    } else if (action === "disconnect") {
      if (!window.confirm("Disconnect this account? Its stored credentials are deleted and syncing stops; the data already loaded stays.")) {
        button.disabled = false;
        return;
      }
      await api(url, { method: "DELETE" });
    }
  } catch (error) {
    listError.textContent = error instanceof ApiError ? error.describe() : String(error);
    listError.hidden = false;
  }
  refresh();
}

list.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  if (button) act(button.dataset.action, button.dataset.id, button);
});

function settingField(setting) {
  const id = `setting-${setting.name}`;
  const help = setting.help ? `<span class="setting-help">${escapeHtml(setting.help)}</span>` : "";
  if (setting.type === "choice") {
    const options = setting.choices.map((choice) =>
      `<option value="${escapeHtml(choice)}"${choice === setting.default ? " selected" : ""}>${escapeHtml(choice)}</option>`).join("");
    return `<label for="${id}">${escapeHtml(setting.label)}<select id="${id}" name="${escapeHtml(setting.name)}">${options}</select>${help}</label>`;
  }
  if (setting.type === "boolean") {
    return `<label class="toggle"><input type="checkbox" id="${id}" name="${escapeHtml(setting.name)}"${setting.default ? " checked" : ""}> ${escapeHtml(setting.label)}</label>`;
  }
  if (setting.type === "list") return "";  // lists keep their defaults here; the API accepts them
  const type = setting.type === "integer" ? "number" : "text";
  const placeholder = setting.default !== undefined ? ` placeholder="${escapeHtml(setting.default)}"` : " placeholder=\"optional\"";
  return `<label for="${id}">${escapeHtml(setting.label)}<input type="${type}" id="${id}" name="${escapeHtml(setting.name)}"${placeholder}>${help}</label>`;
}

function openConnect(type) {
  connecting = platforms[type];
  document.getElementById("connect-title").textContent = `Connect ${connecting.label}`;
  settingsBox.innerHTML = connecting.settings.map(settingField).join("");
  connectError.textContent = "";
  dialog.showModal();
}

function formSettings() {
  const settings = {};
  for (const setting of connecting.settings) {
    const input = form.elements.namedItem(setting.name);
    if (!input) continue;
    if (setting.type === "boolean") settings[setting.name] = input.checked;
    else if (input.value.trim() !== "") settings[setting.name] = setting.type === "integer" ? Number(input.value) : input.value.trim();
  }
  return settings;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const submit = document.getElementById("connect-submit");
  submit.disabled = true;
  connectError.textContent = "";
  try {
    const created = await api(config.urls.integrations, {
      method: "POST",
      body: { type: connecting.type, settings: formSettings(), sync_hour: Number(form.elements.sync_hour.value) },
    });
    window.location.assign(created.authorize_url);
  } catch (error) {
    connectError.textContent = error instanceof ApiError ? error.describe() : String(error);
    submit.disabled = false;
  }
});

document.getElementById("connect-cancel").addEventListener("click", () => dialog.close());
document.querySelectorAll(".connect-button").forEach((button) =>
  button.addEventListener("click", () => openConnect(button.dataset.platform)));

refresh();
