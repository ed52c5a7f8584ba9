"use strict";
// The events page: polls /api/events and /api/events/stats every second (unless paused) and renders them with DOM
// text nodes only (event content is never parsed as HTML). No external resources: it works offline.

const LIMIT = 500;
const SECONDS = 60;
const SECTIONS = [
  ["Event", ["status", "reason", "reasonLocation", "summaryOnly", "id", "feature", "action", "timestamp"]],
  ["Source", ["serverVersion", "clientName", "clientVersion"]],
  ["Parameters", ["parametersVersion", "metadata", "privateMetadata", "billingProduct", "billingCategory", "legacyMetadata"]],
  ["Feature flags", ["featureFlags"]],
  ["User", ["samsExternalId", "anonymousUserId", "userId"]],
  ["Interaction", ["traceId", "interactionId", "geolocationCountryCode"]],
  ["Marketing tracking", ["marketingTracking"]],
  ["Request", ["identifierType", "serviceId", "serviceEnvironment", "instanceId", "externalUrl", "requestId", "receivedAt", "sequence"]],
];
const LABELS = {
  reasonLocation: "where", summaryOnly: "summary only", parametersVersion: "version", privateMetadata: "private metadata", billingProduct: "billing product",
  billingCategory: "billing category", legacyMetadata: "legacy metadata", featureFlags: "flags", samsExternalId: "SAMS external id",
  anonymousUserId: "anonymous user id", userId: "user id", traceId: "trace id", interactionId: "interaction id",
  geolocationCountryCode: "geolocation country", marketingTracking: "fields", identifierType: "identifier", serviceId: "service id",
  serviceEnvironment: "service environment", instanceId: "instance id", externalUrl: "external URL", requestId: "request id",
  receivedAt: "received at", serverVersion: "server version", clientName: "client name", clientVersion: "client version",
};

// What the page draws after a clear.
const EMPTY = { count: 0, distinctCount: 0, duplicateCount: 0, invalidCount: 0, failedCount: 0, oversizeCount: 0, events: [], refused: [] };
// generation: bumped by pause, resume and clear; a poll's answer is drawn only if no bump happened since it started.
// pollTimeout: a poll not answered within it (milliseconds) fails, and the next one starts.
const state = { events: [], eventsText: "", paused: false, pausedAt: 0, selected: null, generation: 0, pollTimeout: 30000 };
const $ = id => document.getElementById(id);

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (cls) node.className = cls;
  return node;
}

function received(data) { return data.count + data.invalidCount + data.failedCount + data.oversizeCount; }
function serviceOf(ev) {
  if (ev.serviceId !== null) return ev.serviceId + (ev.serviceEnvironment ? " (" + ev.serviceEnvironment + ")" : "");
  return ev.instanceId !== null ? "instance " + ev.instanceId : "(no identifier)";
}
function isRefused(ev) { return ev.status === "invalid" || ev.status === "failed" || ev.status === "oversize"; }
function userOf(ev) { return ev.samsExternalId || ev.anonymousUserId || ev.userId || ""; }
function clientOf(ev) { return ev.clientName === null ? "" : ev.clientName + (ev.clientVersion ? " " + ev.clientVersion : ""); }
function time(iso) { const d = new Date(iso); return d.toLocaleTimeString() + "." + String(d.getMilliseconds()).padStart(3, "0"); }
function valueText(v) { return v === null ? "(unset)" : typeof v === "object" ? JSON.stringify(v, null, 2) : String(v); }

function filters() {
  return {
    service: $("filter-service").value, feature: $("filter-feature").value.trim(), action: $("filter-action").value.trim(),
    status: $("filter-status").value, text: $("filter-text").value.trim().toLowerCase(),
  };
}

function matches(ev, f) {
  if (f.service && serviceOf(ev) !== f.service) return false;
  if (f.feature && ev.feature !== f.feature) return false;
  if (f.action && ev.action !== f.action) return false;
  if (f.status === "refused" ? !isRefused(ev) : f.status && ev.status !== f.status) return false;
  return !f.text || JSON.stringify(ev).toLowerCase().includes(f.text);
}

function shown() { const f = filters(); return state.events.filter(ev => matches(ev, f)); }

function fillOptions(list, values, keepFirst) {
  const current = list.value;
  const options = [...new Set(values)].sort().map(v => { const o = el("option", keepFirst ? v : undefined); o.value = v; return o; });
  if (keepFirst) options.unshift(list.firstElementChild);
  list.replaceChildren(...options);
  if (keepFirst) list.value = current;
}

function renderCounts(data) {
  for (const [id, key] of [["count", "count"], ["distinct", "distinctCount"], ["duplicates", "duplicateCount"],
    ["invalid", "invalidCount"], ["failed", "failedCount"], ["oversize", "oversizeCount"]]) {
    $(id).textContent = data[key];
  }
}

function renderList() {
  const list = shown();
  const rows = list.map(ev => {
    const row = el("tr", undefined, "event " + ev.status + (isRefused(ev) ? " refused" : ""));
    row.dataset.id = ev.id;
    row.dataset.sequence = ev.sequence;
    row.dataset.status = ev.status;
    row.tabIndex = 0;
    if (ev.sequence === state.selected) row.classList.add("selected");
    row.append(el("td", time(ev.receivedAt)), el("td", ev.status, "status"), el("td", serviceOf(ev)),
      el("td", ev.feature, "feature"), el("td", ev.action, "action"), el("td", userOf(ev), "mono user"),
      el("td", clientOf(ev), "client"), el("td", ev.traceId || ev.interactionId || "", "mono"), el("td", ev.id, "mono"));
    row.title = ev.reason || "";
    return row;
  });
  $("events").replaceChildren(...rows);
  $("empty").hidden = state.events.length > 0;
  $("shown").textContent = list.length === state.events.length ? state.events.length + " shown" : list.length + " of " + state.events.length + " shown";
}

function renderDetail() {
  const ev = state.events.find(e => e.sequence === state.selected);
  $("detail").hidden = !ev;
  if (!ev) return;
  $("detail-title").textContent = ev.feature + " / " + ev.action;
  const body = [];
  const sections = SECTIONS.concat([["Other", Object.keys(ev).filter(k => !SECTIONS.some(s => s[1].includes(k)))]]);
  for (const [title, fields] of sections) {
    const present = fields.filter(f => f in ev);
    if (present.length === 0) continue;
    body.push(el("h3", title));
    const dl = el("dl");
    for (const field of present) {
      const value = ev[field];
      const dd = el("dd", undefined, value === null ? "unset" : field === "reason" ? "reason" : "");
      dd.dataset.field = field;
      if (value !== null && typeof value === "object") dd.append(el("pre", valueText(value))); else dd.textContent = valueText(value);
      dl.append(el("dt", LABELS[field] || field), dd);
    }
    body.push(dl);
  }
  body.push(el("h3", "As JSON (/api/events)"), el("pre", JSON.stringify(ev, null, 2), "raw"));
  $("detail-body").replaceChildren(...body);
}

function render(data) {
  renderCounts(data);
  state.events = data.events.concat(data.refused).sort((a, b) => b.sequence - a.sequence).slice(0, LIMIT);
  fillOptions($("filter-service"), state.events.map(serviceOf), true);
  fillOptions($("feature-names"), state.events.map(e => e.feature), false);
  fillOptions($("action-names"), state.events.map(e => e.action), false);
  renderList();
  if (state.selected !== null && !state.events.some(e => e.sequence === state.selected)) select(null);
}

function select(sequence) {
  state.selected = sequence;
  for (const row of $("events").children) row.classList.toggle("selected", Number(row.dataset.sequence) === sequence);
  renderDetail();
}

// Settles (rejected) when the signal aborts even if the request does not: one stuck connection must not stop polling.
function untilAborted(signal) {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

async function getText(url, signal) {
  const aborted = untilAborted(signal);
  const response = await Promise.race([fetch(url, { cache: "no-store", signal }), aborted]);
  if (!response.ok) throw new Error("HTTP " + response.status);
  return Promise.race([response.text(), aborted]);
}

// The poll on its way, aborted by newGeneration.
let pollController = null;
function newGeneration() {
  state.generation++;
  if (pollController) pollController.abort();
}

async function poll() {
  const generation = state.generation;
  const controller = pollController = new AbortController();
  const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(state.pollTimeout)]);
  const current = () => generation === state.generation;
  try {
    if (state.paused) {
      const data = JSON.parse(await getText("/api/events?limit=0", signal));
      if (!current()) return;
      $("status").textContent = "Paused: " + Math.max(0, received(data) - state.pausedAt) + " new events since";
    } else {
      const [eventsText, statsText] = await Promise.all([getText("/api/events?limit=" + LIMIT, signal), getText("/api/events/stats?seconds=" + SECONDS, signal)]);
      if (!current()) return;
      $("status").textContent = "";
      if (eventsText !== state.eventsText) { state.eventsText = eventsText; render(JSON.parse(eventsText)); }
      renderChart(JSON.parse(statsText));
    }
    // Completed polls, for tests that wait for the page to have polled again.
    document.body.dataset.polls = Number(document.body.dataset.polls || 0) + 1;
  } catch (e) {
    if (current()) $("status").textContent = "gateway unreachable: " + e.message;
  } finally {
    if (pollController === controller) pollController = null;
  }
}

// One poll at a time: a poll asked for while one is on its way runs as soon as it ends.
let timer = null;
let polling = false;
let pollAgain = false;
function schedule(delay) {
  if (polling) { pollAgain = true; return; }
  clearTimeout(timer);
  timer = setTimeout(async () => {
    polling = true;
    try { await poll(); } finally { polling = false; }
    const next = pollAgain ? 0 : 1000;
    pollAgain = false;
    schedule(next);
  }, delay);
}

function setPaused(paused) {
  newGeneration();
  state.paused = paused;
  state.pausedAt = state.eventsText ? received(JSON.parse(state.eventsText)) : 0;
  document.body.classList.toggle("paused", paused);
  $("pause").textContent = paused ? "Resume" : "Pause";
  $("pause").setAttribute("aria-pressed", String(paused));
  $("status").textContent = paused ? "Paused" : "";
  schedule(0);
}

function download() {
  const lines = shown().map(ev => JSON.stringify(ev) + "\n");
  const url = URL.createObjectURL(new Blob(lines, { type: "application/x-ndjson" }));
  const link = el("a");
  link.href = url;
  link.download = "telemetry-events-" + new Date().toISOString().replace(/[:.]/g, "-") + ".jsonl";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

async function clearGateway() {
  // Answers of polls started before the clear took effect would show cleared events again: they are not drawn.
  newGeneration();
  try {
    const response = await fetch("/api/events", { method: "DELETE", signal: AbortSignal.timeout(state.pollTimeout) });
    if (!response.ok) throw new Error("HTTP " + response.status);
    // The gateway is empty now: so is the page, paused or not (the list, counts, Download and what Pause counts from).
    newGeneration();
    state.eventsText = "";
    state.pausedAt = 0;
    render(EMPTY);
  } catch (e) {
    $("status").textContent = "clear failed: " + e.message;
  }
  schedule(0);
}

function init() {
  $("pause").addEventListener("click", () => setPaused(!state.paused));
  $("download").addEventListener("click", download);
  $("clear").addEventListener("click", clearGateway);
  $("detail-close").addEventListener("click", () => select(null));
  for (const id of ["filter-service", "filter-feature", "filter-action", "filter-status", "filter-text"]) {
    $(id).addEventListener("input", renderList);
  }
  $("filters").addEventListener("reset", () => setTimeout(renderList));
  $("filters").addEventListener("submit", e => e.preventDefault());
  const pick = e => {
    const row = e.target.closest("tr.event");
    if (row && (e.type === "click" || e.key === "Enter")) select(Number(row.dataset.sequence) === state.selected ? null : Number(row.dataset.sequence));
  };
  $("events").addEventListener("click", pick);
  $("events").addEventListener("keydown", pick);
  $("feature-counts").addEventListener("click", e => {
    const row = e.target.closest("tr");
    if (!row) return;
    $("filter-feature").value = row.dataset.feature;
    $("filter-action").value = row.dataset.action;
    renderList();
  });
  schedule(0);
}

init();
