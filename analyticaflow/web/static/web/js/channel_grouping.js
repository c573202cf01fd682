// The channel-grouping settings page: the project's rules (source or source/medium → group) from the API,
// edited as rows and saved whole (PUT); the server's reasons are shown next to the rule they name.
import { api, ApiError } from "./api.js";

const config = JSON.parse(document.getElementById("channel-grouping-config").textContent);
const root = document.getElementById("channel-grouping");
const rowsBody = document.getElementById("cg-rows");
const errorBox = document.getElementById("cg-error");
const savedBox = document.getElementById("cg-saved");
let groups = [];

function show(box, text) {
  box.textContent = text;
  box.hidden = !text;
}

function groupSelect(value) {
  const select = document.createElement("select");
  select.className = "cg-group";
  select.setAttribute("aria-label", "Group");
  select.disabled = !config.can_edit;
  for (const group of groups) {
    const option = new Option(group.label, group.name, false, group.name === value);
    select.append(option);
  }
  return select;
}

function addRow(key = "", group = "paid_search") {
  const row = document.createElement("tr");
  row.className = "cg-rule";
  const keyCell = document.createElement("td");
  const input = document.createElement("input");
  Object.assign(input, { type: "text", className: "cg-key", value: key, maxLength: config.max_key_length,
                         placeholder: "tiktok or google/cpc", readOnly: !config.can_edit });
  input.setAttribute("aria-label", "Source or source/medium");
  const reason = document.createElement("div");
  reason.className = "field-error cg-reason";
  keyCell.append(input, reason);
  const groupCell = document.createElement("td");
  groupCell.append(groupSelect(group));
  row.append(keyCell, groupCell);
  if (config.can_edit) {
    const remove = document.createElement("button");
    Object.assign(remove, { type: "button", className: "button small cg-remove", textContent: "Remove" });
    remove.setAttribute("aria-label", `Remove the rule ${key || "(new)"}`);
    remove.addEventListener("click", () => { row.remove(); refreshEmpty(); });
    const removeCell = document.createElement("td");
    removeCell.append(remove);
    row.append(removeCell);
  }
  rowsBody.append(row);
  refreshEmpty();
  return input;
}

function refreshEmpty() {
  document.getElementById("cg-empty").hidden = rowsBody.children.length > 0;
}

function render(data) {
  groups = data.groups;
  rowsBody.replaceChildren();
  for (const [key, group] of Object.entries(data.rules)) addRow(key, group);
  refreshEmpty();
  const defaults = document.getElementById("cg-defaults");
  defaults.replaceChildren(...data.defaults.map((rule) => {
    const item = document.createElement("li");
    const label = groups.find((g) => g.name === rule.group);
    const name = document.createElement("strong");
    name.textContent = `${label ? label.label : rule.group}: `;
    item.append(name, rule.when);
    return item;
  }));
  document.getElementById("cg-updated").textContent = data.updated_at
    ? `Last changed ${new Date(data.updated_at).toLocaleString()}${data.updated_by ? ` by ${data.updated_by}` : ""}.`
    : "";
}

/** Show each reason under the rule it names; how many rows were marked. */
function markReasons(reasons) {
  let marked = 0;
  for (const row of rowsBody.querySelectorAll("tr")) {
    const key = row.querySelector(".cg-key").value;
    const found = reasons[key.trim()] || reasons[key.trim().toLowerCase()];
    row.querySelector(".cg-reason").textContent = found ? [].concat(found).join(" ") : "";
    row.classList.toggle("invalid", Boolean(found));
    marked += Boolean(found);
  }
  return marked;
}

/** The rules as typed, or the reasons (per typed key) they cannot be saved. */
function collect() {
  const rules = {};
  const reasons = {};
  for (const row of rowsBody.querySelectorAll("tr")) {
    const key = row.querySelector(".cg-key").value.trim();
    const group = row.querySelector(".cg-group").value;
    const normal = key.toLowerCase();
    if (!key || key.startsWith("/")) reasons[key] = ["Name a source (tiktok) or a source and medium (google/cpc)."];
    else if (normal in rules) reasons[key] = [`The rule ${normal} appears twice.`];
    else rules[normal] = group;
  }
  return { rules, reasons };
}

async function save(event) {
  event.preventDefault();
  show(savedBox, "");
  const { rules, reasons } = collect();
  if (Object.keys(reasons).length) {
    markReasons(reasons);
    show(errorBox, `${Object.keys(reasons).length} rule(s) cannot be saved: see the marked rows.`);
    return;
  }
  root.dataset.loading = "true";
  try {
    render(await api(config.api, { method: "PUT", body: { rules } }));
    show(errorBox, "");
    show(savedBox, "Saved: the reports group channels by these rules from now on.");
  } catch (error) {
    const byKey = {};
    if (error instanceof ApiError) {
      for (const [field, list] of Object.entries(error.fields)) byKey[field.replace(/^rules\./, "")] = list;
    }
    const marked = markReasons(byKey);
    show(errorBox, marked
      ? `The rules were not saved: ${marked} rule(s) refused, see the marked rows.`
      : (error instanceof ApiError ? error.describe() : String(error)));
  } finally {
    root.dataset.loading = "false";
  }
}

async function load() {
  try {
    render(await api(config.api));
  } catch (error) {
    show(errorBox, error instanceof ApiError ? error.describe() : String(error));
  } finally {
    root.dataset.loading = "false";
  }
}

if (config.can_edit) {
  document.getElementById("cg-add").addEventListener("click", () => addRow().focus());
  document.getElementById("cg-form").addEventListener("submit", save);
}
load();
