// A person's timeline for support staff: who they are (every id merged into them, traits) and their events on
// every device, a visit at a time, with the campaign, page and order of each; paged.

import { config, el, escapeHtml, fmt, notice, report } from "./analysis_common.js";

const params = new URLSearchParams(location.search);
let person = (params.get("person") || "").trim();
let order = params.get("order") === "asc" ? "asc" : "desc";
let next = null;

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium",
  timeZone: config.project.timezone });
const when = (iso) => (iso ? timeFormat.format(new Date(iso)) : "—");

function renderPerson(p) {
  el("person-card").hidden = false;
  el("person-empty").hidden = true;
  el("person-title").textContent = p.traits.email || p.user_id || p.person_id;
  el("person-kind").textContent = p.user_id ? "identified" : "guest";
  el("person-facts").innerHTML = [
    ["Person", p.person_id], ["User id", p.user_id || "—"], ["First seen", when(p.first_seen_at)],
    ["Last seen", when(p.last_seen_at)], ["Events", fmt.count(p.event_count)], ["Devices", fmt.count(p.devices)],
    ...Object.entries(p.traits).slice(0, 12),
  ].map(([k, v]) => `<div><span class="k">${escapeHtml(k)}</span><span class="v">${escapeHtml(v)}</span></div>`).join("");
  el("person-ids").innerHTML = `<span class="k muted small">Merged ids</span> ${p.identities.map((id) => `<span class="chip">${escapeHtml(id)}</span>`).join("")}`;
}

function describe(e) {
  const bits = [];
  if (e.page && (e.page.path || e.page.url)) bits.push(`<span class="muted">${escapeHtml(e.page.path || e.page.url)}</span>`);
  if (e.campaign) {
    const tags = [e.campaign.source, e.campaign.medium, e.campaign.name].filter(Boolean).join(" / ");
    if (tags) bits.push(`<span class="chip">${escapeHtml(tags)}</span>`);
  }
  for (const [name, value] of Object.entries(e.click_ids || {})) bits.push(`<span class="chip">${escapeHtml(`${name}=${value}`)}</span>`);
  if (e.order_id) bits.push(`<strong>${escapeHtml(e.order_id)}</strong> ${escapeHtml(fmt.money(e.revenue))}`);
  const props = Object.entries(e.properties || {}).filter(([k]) => !["url", "path", "title", "referrer"].includes(k)).slice(0, 6);
  if (props.length) bits.push(`<span class="props">${props.map(([k, v]) => `${escapeHtml(k)}: ${escapeHtml(String(v).slice(0, 80))}`).join(" · ")}</span>`);
  return bits.join(" ");
}

function renderEvents(events, append) {
  // A visit's marker sits above its first event when reading oldest first, below it when reading newest first.
  const marker = (e) => (e.session_start ? `<li class="visit-start">${order === "desc" ? "↑ " : ""}Visit${
    e.touchpoint_channel ? ` from <strong>${escapeHtml(e.touchpoint_channel)}</strong>` : ""}</li>` : "");
  const html = events.map((e) => `
    ${order === "asc" ? marker(e) : ""}
    <li class="event event-${escapeHtml(e.type)}">
      <time datetime="${escapeHtml(e.timestamp)}">${escapeHtml(when(e.timestamp))}</time>
      <span class="event-kind">${escapeHtml(e.type)}</span>
      <span class="event-name">${escapeHtml(e.name || (e.type === "identify" ? "identified" : ""))}</span>
      <span class="event-detail">${describe(e)}</span>
      <span class="event-device muted small" title="anonymousId / userId: ${escapeHtml(e.anonymous_id || "—")} / ${escapeHtml(e.user_id || "—")}">${escapeHtml(e.user_id || e.anonymous_id || "")}</span>
    </li>
    ${order === "desc" ? marker(e) : ""}`).join("");
  if (append) el("timeline").insertAdjacentHTML("beforeend", html);
  else el("timeline").innerHTML = html || '<li class="muted">No events.</li>';
  el("timeline-card").hidden = false;
}

async function load(more = false) {
  if (!person) return;
  const answer = await report(config.urls.journeys, { view: "timeline", person, order, limit: 100,
    cursor: more ? next : null });
  if (!answer) {
    el("person-card").hidden = true;
    el("timeline-card").hidden = true;
    return;
  }
  next = answer.next;
  if (!more) renderPerson(answer.person);
  renderEvents(answer.events, more);
  el("timeline-more").hidden = !next;
}

el("person-input").value = person;
el("order").value = order;
el("person-search").addEventListener("submit", (event) => {
  event.preventDefault();
  person = el("person-input").value.trim();
  order = el("order").value;
  const query = new URLSearchParams({ person, ...(order === "asc" ? { order } : {}) });
  history.pushState(null, "", `${location.pathname}?${query}`);
  load();
});
el("timeline-more").addEventListener("click", () => load(true));
if (person) load();
else {
  el("analysis").dataset.loading = "false";
  notice("");
}
