// The packing station page (/station/<code>): the packer signs in and takes the station, then packs
// by scanning (typed here or on the station's fixed scanner, whose scans the server echoes to this
// page) and hands parcels over to the carrier. Every step is a scan record through the outbox.

import { lang, pick, setLang, setTimeZone, hasStoredLang, t, toggleLang, translatePage, when } from "./i18n.js";
import { signal, unlock } from "./feedback.js";
import { attachWedge, isTextEntry, loadConfig } from "./wedge.js";
import { button, h, termOr } from "./ui.js";
import { createLink } from "./station_link.js";
import { renderClosed, renderOnManifest, renderOrder, renderSetAside } from "./station_pack.js";
import { renderHandover, renderHandoverActions } from "./station_handover.js";
import { printManifest, printPackingList } from "./station_print.js";

const STATION = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "").toUpperCase();
const LOG_SIZE = 40;
const PRINT_JOBS_SHOWN = 5;
// Refusals a packer must never miss: each gets its own headline above the server's message.
const HEADLINED = ["not_in_order", "extra_unit", "units_missing", "order_on_hold", "parcel_empty", "wrong_carrier", "parcels_missing",
  "exchange_notice_not_printed", "weight_mismatch", "scale_unstable"];

const state = {
  screen: "boot",
  user: null,
  loginError: null, // {key} or {message: {en, zh}}
  view: null, // the station view (docs/protocol.md)
  tab: "pack",
  pending: null, // the newest record not answered yet
  error: null, // {record, ack, source} or {key} (a refusal made here)
  holds: new Map(), // order number -> {on_hold, reason}, from every hold notice and view
  cancelled: null, // {order, reason, put_back}: the order this station was packing was cancelled
  closed: null, // the last parcel closed here: {parcel, order, lines, orderDone, packer, at}
  notice: null, // {kind: "manifest", tracking, manifest} | {kind: "aside", order}
  log: [], // newest first: {scan_id, at, code, mode, ok, error, source}
  manifests: [],
  manifestsLoading: false,
  manifest: null, // the manifest chosen on the handover tab
  printJobs: [], // the station printer's latest jobs, newest first, kept current by print_job pushes
  confirmResolve: null,
};

const $ = (id) => document.getElementById(id);

// ---------- REST ----------

async function api(method, path, body) {
  try {
    const response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await response.json().catch(() => null);
    return { status: response.status, data };
  } catch {
    return { status: 0, data: null };
  }
}

// ---------- the line to the server ----------

const link = createLink({
  station: STATION,
  owner: () => (state.user ? `station:${STATION}:${state.user.id ?? state.user.username}` : ""),
  on: {
    ack: (record, ack) => handleAck(record, ack, null),
    echo: (payload) => handleAck({ scan_id: payload.ack?.scan_id, mode: payload.mode, code: payload.code }, payload.ack || {}, payload),
    hold: onHold,
    cancelled: onCancelled,
    printJob: onPrintJob,
    scale: onScale,
    status: () => renderConn(),
    connected: catchUp,
    sessionEnded: () => sessionEnded(),
  },
});

/** Queue a step for this station; the "Sending…" line shows until it is answered. */
function send(fields) {
  state.pending = link.send(fields);
  render();
}

/** After a (re)connect: what the station looks like now, scans made while away included. */
async function catchUp() {
  const { status, data } = await api("GET", `/api/v1/stations/${encodeURIComponent(STATION)}`);
  if (status === 200 && data?.station) setView(data);
  if (state.tab === "handover") await loadManifests();
  render();
}

// ---------- answers: the page's own and the station's echoes, shown alike ----------

function handleAck(record, ack, echo) {
  signal(ack.sound === "ok" || ack.sound === "error" ? ack.sound : ack.ok ? "ok" : "error");
  if (state.pending?.scan_id === record.scan_id) state.pending = null;
  state.log = [logEntry(record, ack, echo), ...state.log].slice(0, LOG_SIZE);
  if (!ack.ok) {
    state.error = { record, ack, source: echo?.device || null };
  } else {
    state.error = null;
    if (String(record.mode).startsWith("handover")) onManifestAnswer(ack.result);
    else onStationAnswer(record, ack);
  }
  render();
}

function logEntry(record, ack, echo) {
  return {
    scan_id: record.scan_id,
    at: new Date(),
    code: record.code || ack.code || "",
    mode: record.mode,
    ok: Boolean(ack.ok),
    error: ack.error?.code || null,
    message: ack.error?.message || null,
    source: echo ? echo.device || echo.user || "?" : null,
  };
}

function setView(view) {
  state.view = view;
  if (view?.station?.time_zone) setTimeZone(view.station.time_zone);
  if (Array.isArray(view?.print_jobs)) state.printJobs = view.print_jobs;
  const order = view?.order;
  if (order) state.holds.set(order.number, { on_hold: order.on_hold, reason: order.hold_reason });
}

function onStationAnswer(record, ack) {
  const before = state.view;
  const { closed, set_aside: setAside, manifest, ...view } = ack.result || {};
  setView(view);
  if (ack.kind === "tote" || ack.kind === "order") {
    state.closed = null;
    state.notice = null;
  }
  if (closed) {
    // The view after the close no longer shows what went in: the packing list comes from before.
    state.closed = {
      parcel: closed,
      order: before?.order || null,
      orderDone: !view.order,
      lines: (before?.lines || []).filter((line) => line.in_parcel > 0)
        .map((line) => ({ sku: line.sku, name: line.name, variant: line.variant, qty: line.in_parcel })),
      packer: view.station?.packer?.name || state.user?.name || "",
      at: new Date().toISOString(),
    };
    state.notice = null;
  }
  if (setAside) state.notice = { kind: "aside", order: setAside };
  if (manifest) {
    state.notice = { kind: "manifest", tracking: ack.code || record.code, manifest };
    if (!state.manifest || state.manifest.id === manifest.id) state.manifest = manifest;
  }
}

function onManifestAnswer(manifest) {
  if (!manifest) return;
  state.manifest = manifest;
  for (const parcel of manifest.parcels || []) state.holds.delete(parcel.order); // the server let it on
  loadManifests();
}

function onHold({ order, on_hold: onHoldNow, reason } = {}) {
  if (!order) return;
  state.holds.set(order, { on_hold: Boolean(onHoldNow), reason });
  if (state.view?.order?.number === order) {
    state.view.order.on_hold = Boolean(onHoldNow);
    state.view.order.hold_reason = reason;
  }
  if (onHoldNow && ordersOnScreen().includes(order)) signal("alert");
  render();
}

/** An order was cancelled (取消) while this station packed it: the server has let the station go; the packer
 * is told at once, in red with the alert tone, to set its units aside for the put-back (归位), and the view
 * reloads without it. */
function onCancelled({ order, reason, stations, put_back: putBack } = {}) {
  if (!order) return;
  const mine = (stations || []).includes(STATION) || ordersOnScreen().includes(order);
  if (!mine) return;
  state.cancelled = { order, reason: reason || "", sources: (putBack || []).map((task) => task.scan).filter(Boolean) };
  signal("alert");
  catchUp();
}

/** The station's scale read something (or went away: scale null): shown live by the close button. */
function onScale({ station, scale } = {}) {
  if (station !== STATION || !state.view?.station) return;
  state.view.station.scale = scale ?? null;
  render();
}

/** A label's state changed (printed, or waiting: paper out …): the packer hears when it needs them. */
function onPrintJob(job) {
  if (!job?.id) return;
  const known = state.printJobs.find((old) => old.id === job.id);
  if (job.status === "waiting" || job.status === "failed") {
    if (known?.status !== job.status || known?.reason !== job.reason) signal("alert");
  }
  state.printJobs = [job, ...state.printJobs.filter((old) => old.id !== job.id)].sort((a, b) => b.id - a.id).slice(0, PRINT_JOBS_SHOWN);
  render();
}

function ordersOnScreen() {
  const orders = [];
  if (state.view?.order) orders.push(state.view.order.number);
  if (state.tab === "handover" && state.manifest?.status === "open") {
    for (const parcel of state.manifest.parcels) orders.push(parcel.order);
  }
  return [...new Set(orders)];
}

// ---------- handover tab ----------

async function loadManifests() {
  state.manifestsLoading = true;
  render();
  const { status, data } = await api("GET", "/api/v1/manifests?status=open");
  state.manifestsLoading = false;
  if (status === 200 && Array.isArray(data)) state.manifests = data;
  render();
}

async function chooseManifest(id) {
  const { status, data } = await api("GET", `/api/v1/manifests/${id}`);
  if (status === 200 && data) state.manifest = data;
  else if (data?.error) state.error = { ack: data };
  render();
}

const handoverActions = {
  refresh: () => loadManifests(),
  choose: (id) => chooseManifest(id),
  remove: (tracking) => send({ mode: "handover.remove", code: tracking }),
  confirm: async () => {
    const manifest = state.manifest;
    if (await askConfirm(t("st_confirm_handover", { id: manifest.id, n: manifest.count }))) {
      send({ mode: "handover.confirm", manifest: manifest.id });
    }
  },
  print: () => printManifest(state.manifest),
};

// ---------- rendering ----------

function render() {
  translatePage();
  document.body.dataset.screen = state.screen;
  for (const section of document.querySelectorAll("main > .screen")) {
    section.hidden = section.dataset.screen !== state.screen;
  }
  $("station-code").textContent = STATION;
  document.title = `${t("st_title")} ${STATION}`;
  renderConn();
  renderStationBar();
  if (state.screen === "login") renderLogin();
  if (state.screen !== "station") return;
  renderPending();
  $("hold-banner").replaceChildren(...holdBanners(), ...cancelBanner());
  $("error-banner").replaceChildren(state.error ? errorBanner(state.error) : "");
  for (const tab of document.querySelectorAll(".st-tab")) {
    tab.setAttribute("aria-selected", String(tab.dataset.tab === state.tab));
  }
  $("pack-tab").hidden = state.tab !== "pack";
  $("handover-tab").hidden = state.tab !== "handover";
  if (state.tab === "pack") renderPack();
  else renderHandoverTab();
  renderPrintJobs();
  renderLog();
}

function renderPrintJobs() {
  $("print-jobs").replaceChildren(
    ...state.printJobs.map((job) =>
      h(
        "li",
        { class: `st-job st-job--${job.status}`, testid: "print-job", "data-job": job.id, "data-kind": job.kind, "data-status": job.status },
        h("span", { class: "st-job__kind" }, termOr("st_job_kind", job.kind)),
        h("span", { class: "st-job__status" }, termOr("st_job_status", job.status), job.reason ? ` · ${termOr("st_job_reason", job.reason)}` : ""),
        h("span", { class: "st-job__title" }, job.title),
      ),
    ),
  );
}

function renderConn() {
  const node = $("conn-state");
  node.hidden = !state.user;
  const status = link.connected ? "online" : link.connecting ? "connecting" : "offline";
  node.dataset.state = status;
  node.dataset.waiting = String(link.waiting);
  node.textContent = t(`conn_${status}`) + (link.waiting > 0 ? ` · ${t("conn_waiting", { n: link.waiting })}` : "");
}

function renderStationBar() {
  const station = state.view?.station;
  $("station-bar").hidden = state.screen !== "station" || !station;
  if (!station) return;
  $("station-name").textContent = station.name;
  $("station-printer").textContent = station.printer || "-";
  $("station-packer").textContent = station.packer?.name || station.packer?.username || t("st_nobody");
  $("station-packer").dataset.username = station.packer?.username || "";
}

function renderLogin() {
  const box = $("login-error");
  const error = state.loginError;
  box.hidden = !error;
  box.textContent = error ? (error.key ? t(error.key) : pick(error.message)) : "";
}

function renderPending() {
  const node = $("pending");
  const record = state.pending;
  node.hidden = !record;
  if (!record) return;
  node.dataset.scanId = record.scan_id;
  node.classList.toggle("pending--saved", !link.connected);
  node.textContent = t(link.connected ? "pending_sending" : "pending_saved", { code: describe(record) });
}

/** A record's code, or the name of the action it is. */
function describe(record) {
  return record.code || t(`st_action_${record.mode}`);
}

function holdBanners() {
  return ordersOnScreen()
    .filter((order) => state.holds.get(order)?.on_hold)
    .map((order) =>
      h(
        "div",
        { class: "st-hold", testid: "hold-banner", role: "alert", "data-order": order },
        h("div", { class: "st-hold__title" }, t("st_hold_title", { order })),
        h("div", { class: "st-hold__reason" }, state.holds.get(order).reason || ""),
        h("div", { class: "st-hold__text" }, t("st_hold_text")),
      ),
    );
}

function cancelBanner() {
  const cancelled = state.cancelled;
  if (!cancelled) return [];
  return [
    h(
      "div",
      { class: "st-hold st-hold--cancelled", testid: "cancel-banner", role: "alert", "data-order": cancelled.order },
      h("div", { class: "st-hold__title" }, t("st_cancelled_title", { order: cancelled.order })),
      h("div", { class: "st-hold__reason", translate: "no" }, cancelled.reason),
      h("div", { class: "st-hold__text" },
        t("st_cancelled_text", { sources: cancelled.sources.join(", ") || t("st_cancelled_the_parcel") })),
      h("button", { type: "button", class: "btn btn--small", testid: "cancel-banner-ok", onclick: () => {
        state.cancelled = null;
        render();
      } }, t("st_cancelled_ok")),
    ),
  ];
}

function errorBanner(error) {
  const code = error.key ? `local:${error.key}` : error.ack?.error?.code || "?";
  const message = error.ack?.error?.message;
  const other = lang() === "zh" ? "en" : "zh";
  const text = error.key ? t(error.key) : pick(message) || t(code);
  const scanned = error.record?.code;
  return h(
    "div",
    { class: "st-error", testid: "station-error", role: "alert", "data-code": code, "data-source": error.source || "" },
    h("div", { class: "st-error__headline", testid: "station-error-headline" },
      HEADLINED.includes(code) ? t(`st_err_${code}`) : t("error_title")),
    h("p", { class: "st-error__message", testid: "station-error-message" }, text),
    code === "weight_mismatch"
      ? h("p", {}, h("a", { href: `/sup/stations/${encodeURIComponent(STATION)}`, target: "_blank", rel: "noopener", testid: "weight-override-link" }, t("st_weight_override_link")))
      : null,
    message?.[other] && message[other] !== text ? h("p", { class: "st-error__other", lang: other === "zh" ? "zh-CN" : "en" }, message[other]) : null,
    // The code is for support: in the tooltip, never in the words the packer reads.
    h(
      "p",
      { class: "st-error__code", title: `${t("st_error_code")}${t("colon")}${code}` },
      scanned ? `${t("scanned")}${t("colon")}${scanned}` : "",
      error.source ? `${scanned ? " · " : ""}${sourceText(error.source)}` : "",
    ),
    button({ class: "btn btn--small st-error__dismiss", testid: "error-dismiss", onclick: () => { state.error = null; render(); } }, t("st_dismiss")),
  );
}

function renderPack() {
  const view = state.view;
  $("pack-body").replaceChildren(...renderOrder(view).filter(Boolean));
  $("close-form").hidden = !view?.order;
  renderScale(view?.station);
  const after = [];
  if (state.notice?.kind === "manifest") after.push(renderOnManifest(state.notice));
  if (state.notice?.kind === "aside") after.push(renderSetAside(state.notice.order));
  if (state.closed) {
    after.push(renderClosed(state.closed, {
      printer: view?.station?.printer,
      onPrint: () => printPackingList(state.closed, view?.station),
    }));
  }
  $("pack-after").replaceChildren(...after);
}

function renderScale(station) {
  const scale = station?.scale || null;
  const live = $("scale-live");
  live.hidden = !station;
  live.dataset.stable = scale ? String(Boolean(scale.stable)) : "";
  live.dataset.grams = scale ? String(scale.grams) : "";
  live.replaceChildren(
    scale
      ? `${t("st_scale")}${t("colon")}${scale.grams} g · ${t(scale.stable ? "st_scale_stable" : "st_scale_moving")}`
      : t("st_scale_none"),
    scale ? h("span", { class: "st-scale__note" }, t("st_scale_used")) : "",
  );
  // Where a scale reads, a typed weight would not count: the field goes.
  $("close-weight-field").hidden = Boolean(scale);
  const select = $("close-packaging");
  const types = station?.packaging || [];
  const codes = types.map((p) => p.code).join(",");
  if (select.dataset.codes !== codes) {
    select.dataset.codes = codes;
    select.replaceChildren(...types.map((p) => h("option", { value: p.code }, `${p.code} · ${lang() === "zh" ? p.name_zh : p.name_en} (${p.tare_g} g)`)));
    if (station?.default_packaging) select.value = station.default_packaging;
  }
}

function renderHandoverTab() {
  const manifest = state.manifest;
  $("handover-body").replaceChildren(...renderHandover(state, handoverActions).filter(Boolean));
  $("driver-form").hidden = !(manifest?.status === "open" && manifest.count > 0 && !manifest.driver?.confirmed_at);
  $("handover-after").replaceChildren(...renderHandoverActions(manifest, handoverActions).filter(Boolean));
}

function sourceText(device) {
  return device === STATION ? t("st_source_station") : t("st_source_scanner", { device });
}

/** A refused scan in the log, in words: the headline of a packing error, else the server's message. */
function errorWords(entry) {
  if (HEADLINED.includes(entry.error)) return t(`st_err_${entry.error}`);
  return pick(entry.message) || t("error_title");
}

function renderLog() {
  $("scan-log").replaceChildren(
    ...state.log.map((entry) =>
      h(
        "li",
        {
          class: `st-log__entry st-log__entry--${entry.ok ? "ok" : "error"}`,
          testid: "scan-log-entry",
          "data-scan-id": entry.scan_id || "",
          "data-ok": String(entry.ok),
          "data-code": entry.code,
          "data-mode": entry.mode || "",
          "data-source": entry.source || "page",
        },
        h("span", { class: "st-log__time" }, when(entry.at, { timeOnly: true })),
        h("span", { class: "st-log__code" }, entry.code || t(`st_action_${entry.mode}`)),
        h("span", { class: "st-log__result", title: entry.error || "" }, entry.ok ? "✔" : `✘ ${errorWords(entry)}`),
        h("span", { class: "st-source", testid: "scan-source" }, entry.source ? sourceText(entry.source) : t("st_source_page")),
      ),
    ),
  );
}

// ---------- session and station ----------

async function checkSession() {
  const { status, data } = await api("GET", "/api/v1/auth/me");
  if (status === 200 && data?.ok) return data.user;
  return status === 401 ? null : undefined;
}

function show(screen) {
  state.screen = screen;
  render();
  focusScan();
}

/** Take the station for the signed-in user, then go live. */
async function takeStation(user) {
  const { status, data } = await api("POST", `/api/v1/stations/${encodeURIComponent(STATION)}/sign-in`);
  if (status !== 200 || !data?.ok) {
    state.loginError = data?.error?.message ? { message: data.error.message } : { key: "login_unreachable" };
    show("login");
    return;
  }
  state.user = user;
  state.loginError = null;
  if (!hasStoredLang() && (user.locale === "en" || user.locale === "zh")) setLang(user.locale);
  if (user.time_zone) setTimeZone(user.time_zone);
  setView(data.station);
  $("login-password").value = "";
  link.connect();
  show("station");
  await link.refreshWaiting();
}

function resetStation() {
  Object.assign(state, { user: null, view: null, pending: null, error: null, closed: null, notice: null, log: [], manifest: null, manifests: [] });
  state.holds.clear();
}

function sessionEnded() {
  link.disconnect();
  resetStation();
  state.loginError = { key: "session_expired" };
  show("login");
}

async function signOut() {
  await link.refreshWaiting();
  if (link.waiting > 0 && !(await askConfirm(t("logout_waiting", { n: link.waiting })))) return;
  link.disconnect();
  await api("POST", `/api/v1/stations/${encodeURIComponent(STATION)}/sign-out`);
  await api("POST", "/api/v1/auth/logout");
  resetStation();
  show("login");
}

async function login(event) {
  event.preventDefault();
  unlock(); // the sign-in tap is the gesture that lets the page sound later
  const username = $("login-username").value.trim();
  const password = $("login-password").value;
  if (!username || !password) {
    state.loginError = { key: "login_missing" };
    renderLogin();
    return;
  }
  const submit = $("login-submit");
  submit.disabled = true;
  const { status, data } = await api("POST", "/api/v1/auth/login", { username, password, device: STATION });
  submit.disabled = false;
  if (status === 200 && data?.ok) {
    await takeStation(data.user);
    return;
  }
  state.loginError = data?.error?.message ? { message: data.error.message } : { key: "login_unreachable" };
  renderLogin();
}

// ---------- confirm dialog ----------

function askConfirm(text) {
  $("confirm-text").textContent = text;
  $("confirm").hidden = false;
  $("confirm-no").focus(); // a stray scanner Enter must land on the safe answer
  return new Promise((resolve) => {
    state.confirmResolve = resolve;
  });
}

function closeConfirm(answer) {
  $("confirm").hidden = true;
  const resolve = state.confirmResolve;
  state.confirmResolve = null;
  resolve?.(answer);
  focusScan();
}

// ---------- input ----------

function onScan(code) {
  unlock();
  if (state.tab === "handover") {
    const open = state.manifest?.status === "open" ? state.manifest.id : undefined;
    send({ mode: "handover", code, manifest: open });
  } else {
    send({ mode: "pack", code });
  }
}

/** A refusal made here (the step could not be sent meaningfully). */
function localError(key) {
  signal("error");
  state.error = { key };
  render();
}

/** "" → undefined (not given), a whole number above zero → that number, else null (refused). */
function wholeOrNone(text) {
  const value = text.trim();
  if (!value) return undefined;
  return /^\d{1,7}$/.test(value) && Number(value) > 0 ? Number(value) : null;
}

function closeParcel(event) {
  event.preventDefault();
  const weight = wholeOrNone($("close-weight").value);
  const parcels = wholeOrNone($("close-parcels").value);
  if (weight === null || parcels === null) {
    localError("st_bad_number");
    return;
  }
  $("close-weight").value = "";
  $("close-parcels").value = "";
  document.activeElement?.blur();
  const packaging = $("close-packaging").value || undefined;
  send({ mode: "pack.close", weight_g: state.view?.station?.scale ? undefined : weight, of_parcels: parcels, packaging });
  focusScan();
}

async function setAside() {
  const order = state.view?.order?.number;
  if (order && (await askConfirm(t("st_confirm_aside", { order })))) send({ mode: "pack.aside" });
}

function driverConfirms(event) {
  event.preventDefault();
  const name = $("driver-name").value.trim();
  if (!name) {
    localError("st_driver_name_missing");
    $("driver-name").focus();
    return;
  }
  send({
    mode: "handover.driver",
    manifest: state.manifest.id,
    driver_name: name,
    driver_phone: $("driver-phone").value.trim(),
    vehicle: $("driver-vehicle").value.trim(),
  });
  for (const id of ["driver-name", "driver-phone", "driver-vehicle"]) $(id).value = "";
  document.activeElement?.blur();
  focusScan();
}

function chooseTab(tab) {
  state.tab = tab;
  if (tab === "handover") {
    loadManifests();
    if (state.manifest) chooseManifest(state.manifest.id);
  }
  render();
}

attachWedge($("scan-input"), {
  onScan,
  isActive: () => state.screen === "station" && $("confirm").hidden,
  config: loadConfig(),
});

/** Give the scan field the focus back, unless someone is typing in another field. */
function focusScan() {
  if (state.screen !== "station" || !$("confirm").hidden) return;
  const active = document.activeElement;
  if (active && active !== $("scan-input") && isTextEntry(active)) return;
  $("scan-input").focus({ preventScroll: true });
}

$("scanbar").addEventListener("submit", (event) => event.preventDefault());
$("login-form").addEventListener("submit", login);
$("close-form").addEventListener("submit", closeParcel);
$("set-aside").addEventListener("click", setAside);
$("driver-form").addEventListener("submit", driverConfirms);
$("sign-out").addEventListener("click", signOut);
$("confirm-yes").addEventListener("click", () => closeConfirm(true));
$("confirm-no").addEventListener("click", () => closeConfirm(false));
for (const tab of document.querySelectorAll(".st-tab")) tab.addEventListener("click", () => chooseTab(tab.dataset.tab));
$("lang-toggle").addEventListener("click", () => {
  toggleLang();
  render();
});

// Audio may only start after a user gesture; any tap or key (a scan) counts.
document.addEventListener("pointerdown", unlock, true);
document.addEventListener("keydown", unlock, true);
// After any tap, the scanner's keystrokes must land in the scan field again.
document.addEventListener("click", () => setTimeout(focusScan, 0));
$("scan-input").addEventListener("blur", () => setTimeout(() => !isTextEntry(document.activeElement) && focusScan(), 0));

// Read-only hooks for tests and support staff.
window.station = { state, link };

async function start() {
  translatePage();
  const user = await checkSession();
  if (user) {
    await takeStation(user);
    return;
  }
  if (user === undefined) state.loginError = { key: "login_unreachable" };
  show("login");
}

start();
