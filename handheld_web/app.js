// The handheld app: login, the task menu and the journeys (Lookup, Pick, Receive, Inspect, Put-away),
// talking to the server over REST (/api/v1/...) and Socket.IO (namespace /floor, "scan" events
// with acks). Every journey step is a scan record sent through the one outbox, in order.

import { lang, pick, setLang, setTimeZone, t, toggleLang, translatePage, hasStoredLang } from "./i18n.js";
import { signal, unlock } from "./feedback.js";
import { attachWedge, isTextEntry, loadConfig } from "./wedge.js";
import * as outbox from "./outbox.js";
import { uuid4 } from "./ids.js";
import { detail, details, errorPanel, h, nameAndVariant, termOr } from "./ui.js";
import { createReceive } from "./receive.js";
import { createInspect } from "./inspect.js";
import { createPutaway } from "./putaway.js";
import { createPick } from "./pick.js";
import { createCount } from "./count.js";
import { createTransfer } from "./transfer.js";
import { createReturns } from "./returns.js";
import { createPutback } from "./putback.js";
import { createMoves } from "./moves.js";
import { createAssembly } from "./assembly.js";

const ACK_TIMEOUT_MS = 5000;
const FLUSH_INTERVAL_MS = 3000;
const RETRY_AFTER_MS = 1000; // after a try_again answer (the database was away for a moment)
const DEVICE_KEY = "hh.device";
const DEFAULT_DEVICE = "PDA-01";
// The handheld's device token, from its pairing code (/sup/devices): what proves which handheld this is.
const DEVICE_TOKEN_KEY = "hh.deviceToken";
const USER_KEY = "hh.user"; // the signed-in user, so a reload while offline opens the app as them
const RESUME_KEY = "hh.resume."; // + user key: {screen, journeys: {name: snapshot}} for a reload while offline
const SESSION_CHECK_MS = 6000;

const SCREEN_TITLES = {
  boot: "app_title",
  login: "login_title",
  menu: "menu_title",
  lookup: "journey_lookup",
  pick: "journey_pick",
  receive: "journey_receive",
  inspect: "journey_inspect",
  putaway: "journey_putaway",
  count: "journey_count",
  transfer: "journey_transfer",
  returns: "journey_returns",
  putback: "journey_putback",
  moves: "journey_moves",
  assembly: "journey_assembly",
};

const state = {
  screen: "boot",
  user: null,
  socket: null,
  connected: false,
  connecting: false, // a fresh socket that has not connected yet (not "offline" yet)
  waiting: 0,
  flushing: false,
  flushAgain: false,
  loginError: null, // {key} for our own strings or {message} for a server {en, zh}
  menuHint: null,
  pending: null, // the newest scan record not yet answered
  result: null, // {record, ack} of the newest answer shown
  answered: [], // scan ids of the latest answers handled, oldest first (diagnostics, tests)
  confirmResolve: null,
};

const $ = (id) => document.getElementById(id);

// ---------- device & session ----------

function deviceCode() {
  return localStorage.getItem(DEVICE_KEY) || DEFAULT_DEVICE;
}

function deviceToken() {
  return localStorage.getItem(DEVICE_TOKEN_KEY) || "";
}

// What a log-in and the socket send to say which handheld this is: the name, and the token proving it.
function deviceProof() {
  const token = deviceToken();
  return token ? { device: deviceCode(), device_token: token } : { device: deviceCode() };
}

// A pairing code read by the scanner (or pasted): {"wms":1,"server","device","kind":"pda","token"}.
function pairingFrom(text) {
  if (!text.trim().startsWith("{")) return null;
  try {
    const pairing = JSON.parse(text);
    if (pairing?.wms === 1 && typeof pairing.device === "string" && typeof pairing.token === "string") return pairing;
  } catch {
    // not JSON: not a pairing code
  }
  return { invalid: true };
}

function pair(pairing) {
  if (pairing.invalid || pairing.kind !== "pda") {
    state.loginError = { key: pairing.invalid ? "device_pair_bad" : "device_pair_not_handheld" };
  } else {
    localStorage.setItem(DEVICE_KEY, pairing.device.toUpperCase());
    localStorage.setItem(DEVICE_TOKEN_KEY, pairing.token);
    state.loginError = null;
    state.paired = true;
  }
  renderLogin();
}

function userKey() {
  return state.user ? String(state.user.id ?? state.user.username) : "";
}

async function api(method, path, body, signal) {
  const response = await fetch(path, {
    method,
    signal,
    credentials: "same-origin",
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  return { status: response.status, data };
}

/** The signed-in user, null when the server says "not signed in", undefined if unreachable. */
async function checkSession() {
  try {
    const timeout = typeof AbortSignal.timeout === "function" ? AbortSignal.timeout(SESSION_CHECK_MS) : undefined;
    const { status, data } = await api("GET", "/api/v1/auth/me", undefined, timeout);
    if (status === 200 && data?.ok) return data.user;
    if (status === 401) return null;
  } catch {
    // Server unreachable.
  }
  return undefined;
}

// ---------- screens ----------

function show(screen) {
  const entering = state.screen !== screen;
  state.screen = screen;
  document.body.dataset.screen = screen;
  for (const section of document.querySelectorAll("main > .screen")) {
    section.hidden = section.dataset.screen !== screen;
  }
  render();
  if (entering && JOURNEYS[screen]?.enter) JOURNEYS[screen].enter();
  remember();
  focusScan();
}

function isJourney(screen) {
  return Object.hasOwn(JOURNEYS, screen);
}

function render() {
  translatePage();
  const screen = state.screen;
  $("back").hidden = !isJourney(screen);
  $("screen-title").textContent = t(SCREEN_TITLES[screen]);
  $("statusbar").hidden = !state.user;
  // The scan field is shown where scans mean something; on the menu it stays focused but quiet,
  // so a scan there is answered with a hint instead of vanishing.
  const scanbar = $("scanbar");
  scanbar.hidden = screen === "boot";
  scanbar.classList.toggle("scanbar--quiet", screen === "menu" || wedge.config.mode === "hidden");
  renderConn();
  if (screen === "login") renderLogin();
  if (screen === "menu") renderMenu();
  renderPending();
  if (screen === "lookup") renderLookup();
  else if (isJourney(screen)) JOURNEYS[screen].render();
}

/** Render only the journey on screen (after an answer, a tap, a list load). */
function renderScreen() {
  remember();
  if (!isJourney(state.screen)) return;
  renderPending();
  if (state.screen === "lookup") renderLookup();
  else JOURNEYS[state.screen].render();
}

function renderConn() {
  const node = $("conn-state");
  const waiting = state.waiting;
  const status = state.connected ? "online" : state.connecting ? "connecting" : "offline";
  node.dataset.state = status;
  node.dataset.waiting = String(waiting);
  let text = t(`conn_${status}`);
  if (waiting > 0) text += ` · ${t("conn_waiting", { n: waiting })}`;
  node.textContent = text;
  if (state.user) {
    $("user-line").textContent = state.user.name || state.user.username;
  }
  renderQueue();
}

function renderLogin() {
  const box = $("login-error");
  const error = state.loginError;
  box.hidden = !error;
  box.textContent = error ? (error.key ? t(error.key) : pick(error.message)) : "";
  $("device-code").value = deviceCode();
  const paired = $("device-paired");
  paired.textContent = deviceToken() ? t("device_paired") : t("device_unpaired");
  paired.classList.toggle("device__state--ok", Boolean(deviceToken()));
}

function renderMenu() {
  const user = state.user;
  const nav = $("journeys");
  nav.replaceChildren();
  const journeys = (user?.journeys || []).filter((name) => JOURNEYS[name]);
  for (const name of journeys) {
    const journey = JOURNEYS[name];
    const button = h(
      "button",
      { type: "button", class: "btn btn--journey", testid: `journey-${name}`, "data-journey": name },
      h("span", { class: "btn__label" }, t(journey.label)),
      h("span", { class: "btn__hint" }, t(journey.hint)),
    );
    button.addEventListener("click", () => show(name));
    nav.append(button);
  }
  $("menu-empty").hidden = journeys.length > 0;
  const who = t("menu_signed_in_as", {
    name: user?.name || user?.username || "",
    role: termOr("role", user?.role),
  });
  $("device-line").textContent = `${who} · ${t("device")}${t("colon")}${deviceCode()}`;
  const hint = $("menu-hint");
  hint.hidden = !state.menuHint;
  hint.textContent = state.menuHint ? t(state.menuHint) : "";
}

// ---------- lookup results ----------

function lineQty(qty) {
  return h(
    "div",
    { class: "line__qty" },
    h("span", { class: "line__qty-label" }, t("qty")),
    h("span", { testid: "result-line-qty" }, String(qty)),
  );
}

function totalLine(total) {
  const qty = h("strong", { testid: "result-total-qty" }, String(total ?? 0));
  return h("p", { class: "total", testid: "result-total" }, `${t("total_qty")}${t("colon")}`, qty);
}

function renderBin(ack) {
  const result = ack.result || {};
  const bin = result.bin || {};
  const lines = result.lines || [];
  const list = h("ul", { class: "lines", testid: "result-lines" });
  for (const line of lines) {
    list.append(
      h(
        "li",
        { class: "line", testid: "result-line", "data-sku": line.sku },
        h(
          "div",
          { class: "line__main" },
          h("div", { class: "line__sku" }, line.sku),
          nameAndVariant("line", line.name, line.variant),
          h("div", { class: "line__sub" }, details(line, ["lot", "expiry"])),
        ),
        lineQty(line.qty),
      ),
    );
  }
  return [
    h("h2", { class: "card__title", testid: "result-title" }, bin.code || ack.code),
    h("p", { class: "card__meta" }, details(bin, ["zone", "aisle", "bay", "level"])),
    list,
    lines.length ? null : h("p", { class: "empty", testid: "result-empty" }, t("bin_empty")),
    totalLine(result.total_qty),
  ];
}

function renderItem(ack) {
  const result = ack.result || {};
  const item = result.item || {};
  const lines = result.lines || [];
  const gs1 = result.gs1;
  const list = h("ul", { class: "lines", testid: "result-lines" });
  for (const line of lines) {
    list.append(
      h(
        "li",
        { class: "line", testid: "result-line", "data-bin": line.bin },
        h(
          "div",
          { class: "line__main" },
          h("div", { class: "line__bin" }, line.bin),
          h("div", { class: "line__sub" }, details(line, ["lot", "expiry"])),
        ),
        lineQty(line.qty),
      ),
    );
  }
  return [
    h("h2", { class: "card__title", testid: "result-title" }, item.sku || ack.code),
    nameAndVariant("card", item.name, item.variant),
    // A case's or inner pack's code: say how many units one scan of it is.
    result.pack ? h("p", { class: "card__pack", testid: "result-pack" }, pick(result.pack.summary)) : null,
    item.barcodes?.length
      ? h("p", { class: "card__meta" }, detail("barcodes", item.barcodes.join(", ")))
      : null,
    gs1 ? h("p", { class: "card__meta", testid: "result-gs1" }, details(gs1, ["lot", "expiry", "serial"])) : null,
    list,
    lines.length ? null : h("p", { class: "empty", testid: "result-empty" }, t("item_no_stock")),
    totalLine(result.total_qty),
  ];
}

function renderSummary(ack) {
  return [
    h("h2", { class: "card__title", testid: "result-title" }, ack.code),
    h("p", { class: "card__summary", testid: "result-summary" }, pick(ack.result?.summary)),
  ];
}

/** What a waiting record is, for the "Sending …" line: its code, or the action's name. */
function describe(record) {
  if (record.code) return record.code;
  const key = `action_${record.mode}`;
  const text = t(key, { condition: termOr("condition", record.condition) });
  return text === key ? record.mode : text;
}

function renderPending() {
  const pending = $("pending");
  const record = state.pending;
  if (record && isJourney(state.screen)) {
    pending.hidden = false;
    pending.dataset.scanId = record.scan_id;
    pending.dataset.mode = record.mode;
    pending.classList.toggle("pending--saved", !state.connected);
    const key = state.connected ? "pending_sending" : "pending_saved";
    pending.textContent = t(key, { code: describe(record) });
  } else {
    pending.hidden = true;
    pending.textContent = "";
  }
}

function renderLookup() {
  const box = $("result");
  box.replaceChildren();
  const shown = state.result;
  if (!shown) {
    if (!state.pending) box.append(h("p", { class: "hint hint--big" }, t("lookup_idle")));
    return;
  }
  const { record, ack } = shown;
  if (!ack || ack.ok !== true) {
    box.append(errorPanel({ record, ack }));
    return;
  }
  const kind = ack.kind;
  const body = kind === "bin" ? renderBin(ack) : kind === "item" ? renderItem(ack) : renderSummary(ack);
  box.append(
    h(
      "article",
      {
        class: `card card--${kind}`,
        testid: "result-card",
        "data-kind": kind,
        "data-scan-id": record.scan_id,
      },
      h("div", { class: "card__kind" }, termOr("kind", kind)),
      body,
    ),
  );
}

// ---------- server events (pushed on the /floor socket, e.g. "hold") ----------

const serverListeners = new Map(); // event name -> Set of handlers

/** Call handler(payload) for every `name` event the server pushes, on this and later sockets. */
function onServerEvent(name, handler) {
  if (!serverListeners.has(name)) {
    serverListeners.set(name, new Set());
    if (state.socket) listenTo(state.socket, name);
  }
  serverListeners.get(name).add(handler);
  return () => serverListeners.get(name)?.delete(handler);
}

function listenTo(socket, name) {
  socket.on(name, (payload) => {
    if (state.socket !== socket || !state.user) return;
    for (const handler of serverListeners.get(name) || []) {
      try {
        handler(payload);
      } catch (error) {
        console.error(`"${name}" handler failed`, error); // one journey's bug must not stop the others
      }
    }
  });
}

// ---------- offline: the queue the user sees, and what a reload while offline resumes ----------

const queueLog = outbox.createQueueLog({ describe, onChange: () => renderQueue() });

/** The scans that wait (made offline, replayed in order on reconnect) and their answers. */
function renderQueue() {
  const box = $("queue");
  if (!box) return;
  const { pending, errors, done, all } = queueLog.counts();
  const visible = Boolean(state.user) && all > 0 && state.screen !== "login" && state.screen !== "boot";
  box.hidden = !visible;
  box.dataset.pending = String(pending);
  box.dataset.errors = String(errors);
  if (!visible) {
    box.replaceChildren();
    return;
  }
  const head =
    pending > 0
      ? t(state.connected ? "queue_sending" : "queue_pending", { n: pending })
      : errors > 0
      ? t("queue_errors", { n: errors })
      : t("queue_all_sent", { n: done });
  const other = lang() === "zh" ? "en" : "zh";
  const rows = queueLog.entries().map((entry) => {
    const message = entry.error?.message;
    const refused = entry.state === "error";
    return h(
      "li",
      {
        class: `queue__entry queue__entry--${entry.state}`,
        testid: "queue-entry",
        "data-scan-id": entry.scan_id,
        "data-state": entry.state,
        "data-mode": entry.mode,
        "data-code": entry.code,
        "data-error": entry.error?.code || "",
      },
      h(
        "div",
        { class: "queue__row" },
        h("span", { class: "queue__state", testid: "queue-entry-state" }, t(`queue_state_${entry.state}`)),
        h("span", { class: "queue__label" }, entry.label),
      ),
      refused ? h("p", { class: "queue__message", testid: "queue-entry-message" }, pick(message) || entry.error?.code || "?") : null,
      refused && message?.[other]
        ? h("p", { class: "queue__message queue__message--other", lang: other === "zh" ? "zh-CN" : "en" }, message[other])
        : null,
      refused
        ? h(
            "div",
            { class: "queue__resolve" },
            h("span", { class: "queue__code" }, entry.error?.code || ""),
            h(
              "button",
              { type: "button", class: "btn btn--small queue__ack", testid: "queue-ack", onclick: () => queueLog.acknowledge(entry.scan_id) },
              t("queue_ack"),
            ),
          )
        : null,
    );
  });
  box.replaceChildren(
    h(
      "div",
      { class: "queue__head" },
      h("span", { class: "queue__count", testid: "queue-count", "data-count": pending }, head),
      pending === 0 && done > 0
        ? h("button", { type: "button", class: "btn btn--small", testid: "queue-clear", onclick: () => queueLog.clearDone() }, t("queue_clear"))
        : null,
    ),
    h("ol", { class: "queue__list" }, rows),
  );
}

/** List every scan still in the outbox (after a drop, a timeout or a reload). */
async function trackWaiting(settle = false) {
  if (!state.user) return;
  const key = userKey();
  const waiting = await outbox.pending(key);
  if (userKey() === key) queueLog.sync(waiting, settle);
}

/** Keep the screen and the journeys' state, so a reload while offline opens where the user was. */
function remember() {
  if (!state.user) return;
  try {
    // (JOURNEYS is not there yet while the journeys are being made: the ReferenceError is caught.)
    const journeys = {};
    for (const [name, journey] of Object.entries(JOURNEYS)) {
      const snapshot = journey.snapshot?.();
      if (snapshot) journeys[name] = snapshot;
    }
    localStorage.setItem(RESUME_KEY + userKey(), JSON.stringify({ screen: state.screen, journeys }));
  } catch {
    // Storage full or refused: a reload while offline opens the menu instead.
  }
}

function forgetUser() {
  try {
    if (state.user) localStorage.removeItem(RESUME_KEY + userKey());
    localStorage.removeItem(USER_KEY);
  } catch {
    // Nothing to do.
  }
}

/** The server is out of reach at start but someone was signed in: open the app as them, where they were. */
async function resumeOffline(user) {
  const key = String(user.id ?? user.username);
  let saved = null;
  try {
    saved = JSON.parse(localStorage.getItem(RESUME_KEY + key) || "null");
  } catch {
    saved = null;
  }
  await loggedIn(user);
  if (!saved) return;
  for (const [name, snapshot] of Object.entries(saved.journeys || {})) JOURNEYS[name]?.restore?.(snapshot);
  if (isJourney(saved.screen)) show(saved.screen);
}

/** The app shell (HTML, modules, CSS, socket client) cached by the service worker: opens offline. */
function registerShell() {
  if (!("serviceWorker" in navigator)) return; // not a secure context (plain http to a LAN address)
  navigator.serviceWorker
    .register("sw.js", { scope: "./", updateViaCache: "none" })
    .then(() => navigator.serviceWorker.ready)
    .then(() => {
      document.body.dataset.shell = "cached";
    })
    .catch(() => {
      document.body.dataset.shell = "none";
    });
}

// ---------- scanning: outbox, socket, replay ----------

async function refreshWaiting() {
  state.waiting = state.user ? await outbox.count(userKey()) : 0;
  renderConn();
}

/**
 * Queue one journey step: {mode, code?, ...payload} becomes {scan_id, mode, code?, ...payload, at},
 * written to the outbox before it is sent. Returns the record at once (its answer comes later).
 */
function send(fields) {
  const record = { scan_id: uuid4(), ...fields, at: new Date().toISOString() };
  if (!state.connected) queueLog.track(record); // listed as pending until its answer comes
  else if (!queueLog.counts().pending) queueLog.clearDone();
  state.pending = record;
  if (record.mode === "lookup") state.result = null;
  renderScreen();
  const key = userKey();
  outbox
    .add(key, record) // durable before it is sent
    .then(async () => {
      await refreshWaiting();
      flush();
    })
    .catch(() => {
      // IndexedDB refused the write (private mode, full disk): say so rather than lose it quietly.
      if (state.pending?.scan_id === record.scan_id) state.pending = null;
      handleAck(record, { ok: false, sound: "error", error: { code: "outbox_failed", message: { en: t("outbox_failed"), zh: t("outbox_failed") } } });
    });
  return record;
}

/** The journey that owns a record's mode. */
function journeyOf(mode) {
  return Object.values(JOURNEYS).find((journey) => journey.modes.includes(mode)) || null;
}

function handleAck(record, ack) {
  queueLog.answered(record, ack);
  const sound = ack?.sound === "ok" || ack?.sound === "error" ? ack.sound : ack?.ok ? "ok" : "error";
  signal(sound);
  state.answered = [...state.answered.slice(-49), record.scan_id];
  if (state.pending?.scan_id === record.scan_id) state.pending = null;
  const mode = record.mode || "lookup";
  if (mode === "lookup") state.result = { record, ack };
  else journeyOf(mode)?.onAck(record, ack);
  renderScreen();
}

/** Send waiting scans one at a time, oldest first; stop at the first one not acknowledged. */
async function flush() {
  if (state.flushing) {
    state.flushAgain = true;
    return;
  }
  if (!state.user || !state.socket?.connected) return;
  state.flushing = true;
  const key = userKey();
  try {
    for (;;) {
      state.flushAgain = false;
      const entry = await outbox.first(key);
      if (!entry || !state.socket?.connected || userKey() !== key) break;
      let ack;
      // Telemetry: the previous scan's send-to-answer time rides along with this one (not stored).
      const wire = state.lastAckMs == null ? entry.record : { ...entry.record, telemetry: { last_ack_ms: state.lastAckMs } };
      const sentAt = performance.now();
      try {
        ack = await state.socket.timeout(ACK_TIMEOUT_MS).emitWithAck("scan", wire);
        state.lastAckMs = Math.round((performance.now() - sentAt) * 10) / 10;
      } catch {
        trackWaiting(); // listed as pending from now on
        break; // timeout or disconnect: the scan stays in the outbox and is retried in order
      }
      if (ack?.error?.code === "not_authenticated") {
        sessionEnded();
        break;
      }
      if (ack?.error?.code === "try_again") {
        // The server lost its database for a moment and stored nothing: keep the scan, resend it.
        trackWaiting();
        setTimeout(flush, RETRY_AFTER_MS);
        break;
      }
      // Any other answer is final for this scan id (the server stores it; a replay gets the same).
      await outbox.remove(entry.seq);
      handleAck(entry.record, ack);
      await refreshWaiting();
    }
  } finally {
    state.flushing = false;
    await refreshWaiting();
    if (state.flushAgain) {
      state.flushAgain = false;
      flush();
    }
  }
}

function setConnected(connected) {
  state.connected = connected;
  state.connecting = false;
  renderConn();
  renderScreen();
}

function connectSocket() {
  disconnectSocket();
  const socket = window.io("/floor", {
    transports: ["websocket"],
    auth: deviceProof(),
    reconnectionDelay: 500,
    reconnectionDelayMax: 3000,
  });
  for (const name of serverListeners.keys()) listenTo(socket, name);
  socket.on("connect", () => {
    setConnected(true);
    flush();
  });
  socket.on("disconnect", async (reason) => {
    setConnected(false);
    trackWaiting();
    if (reason === "io server disconnect") {
      // The server closed us on purpose (e.g. session ended); the client will not retry alone.
      const user = await checkSession();
      if (user === null) sessionEnded();
      else if (state.socket === socket) socket.connect();
    }
  });
  socket.on("connect_error", async (err) => {
    setConnected(false);
    if (socket.active) return; // a network failure: the client keeps retrying by itself
    // The server refused us and the client will not retry. not_authenticated says why; for any
    // other refusal, ask the REST side whether the session still holds before trying again.
    const user = err?.data?.code === "not_authenticated" ? null : await checkSession();
    if (state.socket !== socket) return;
    if (user === null) sessionEnded(err?.data?.message);
    else setTimeout(() => state.socket === socket && socket.connect(), FLUSH_INTERVAL_MS);
  });
  state.socket = socket;
  state.connecting = true;
  renderConn();
}

function disconnectSocket() {
  if (state.socket) {
    state.socket.removeAllListeners();
    state.socket.disconnect();
    state.socket = null;
  }
  state.connected = false;
  state.connecting = false;
}

setInterval(() => {
  if (state.user && state.socket?.connected && state.waiting > 0) flush();
}, FLUSH_INTERVAL_MS);

// ---------- login / logout ----------

function resetJourneys() {
  for (const journey of Object.values(JOURNEYS)) journey.reset?.();
}

async function loggedIn(user) {
  state.user = user;
  state.loginError = null;
  state.menuHint = null;
  state.pending = null;
  state.result = null;
  resetJourneys();
  if (!hasStoredLang() && (user.locale === "en" || user.locale === "zh")) setLang(user.locale);
  if (user.time_zone) setTimeZone(user.time_zone);
  $("login-password").value = "";
  try {
    localStorage.setItem(USER_KEY, JSON.stringify(user));
  } catch {
    // A reload while offline will ask to sign in.
  }
  queueLog.load(userKey());
  connectSocket();
  show("menu");
  await refreshWaiting();
  await trackWaiting(true);
}

function sessionEnded(message) {
  disconnectSocket();
  forgetUser();
  queueLog.load(null);
  state.user = null;
  state.loginError = message ? { message } : { key: "session_expired" };
  show("login");
}

async function login(path, body) {
  state.loginError = null;
  renderLogin();
  const submit = $("login-submit");
  submit.disabled = true;
  submit.textContent = t("login_busy");
  try {
    const { status, data } = await api("POST", path, body);
    if (status === 200 && data?.ok) {
      if (path.endsWith("/badge")) signal("ok");
      await loggedIn(data.user);
      if (!data.device) {
        state.menuHint = "device_unproven"; // the server did not take this handheld's name on its word
        renderMenu();
      }
      return;
    }
    state.loginError = data?.error?.message ? { message: data.error.message } : { key: "login_unreachable" };
  } catch {
    state.loginError = { key: "login_unreachable" };
  } finally {
    submit.disabled = false;
    submit.textContent = t("login_submit");
  }
  if (path.endsWith("/badge")) signal("error");
  renderLogin();
  focusScan();
}

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
  if (resolve) resolve(answer);
  focusScan();
}

async function logout() {
  await refreshWaiting();
  if (state.waiting > 0 && !(await askConfirm(t("logout_waiting", { n: state.waiting })))) return;
  disconnectSocket();
  try {
    await api("POST", "/api/v1/auth/logout");
  } catch {
    // Offline: the cookie is still dropped from this screen's point of view.
  }
  forgetUser();
  queueLog.load(null);
  state.user = null;
  state.pending = null;
  state.result = null;
  resetJourneys();
  state.waiting = 0;
  show("login");
}

// ---------- journeys ----------

/** What a journey module may use of the app. */
const appContext = {
  send,
  signal,
  askConfirm,
  loadList,
  refuse,
  getJson: (path) => requestJson("GET", path),
  post: (path, body) => requestJson("POST", path, body),
  onServerEvent,
  connected: () => state.connected,
  render: () => renderScreen(),
  focusScan: () => focusScan(),
  userName: () => state.user?.name || state.user?.username || "",
  /** A user's display name when it is the signed-in user, else the user name as given. */
  displayName: (username) =>
    username && username === state.user?.username ? state.user.name || username : username || "",
  scrollTop: () => window.scrollTo(0, 0),
  waiting: () => state.waiting,
};

/** A refusal the handheld makes itself (before sending): shown in the journey's error panel, error tone. */
function refuse(holder, code, key, vars) {
  holder.error = { record: { code, scan_id: "" }, key, vars };
  signal("error");
  renderScreen();
}

/**
 * A REST call answered with JSON: {ok: true, status, data} or {ok: false, status, error} where
 * error is an errorPanel input (the server's refusal, or our own words for "offline" etc.).
 */
async function requestJson(method, path, body) {
  try {
    const { status, data } = await api(method, path, body);
    if (status === 200 || status === 201) return { ok: true, status, data };
    if (status === 401) {
      sessionEnded();
      return { ok: false, status, error: { key: "session_expired" } };
    }
    if (data?.error) return { ok: false, status, error: { ack: data } };
    return { ok: false, status, error: { key: "list_failed", vars: { status } } };
  } catch {
    return { ok: false, status: 0, error: { key: "list_offline" } };
  }
}

/** GET a JSON list or object: {ok: true, data} or {ok: false, error} (an errorPanel input). */
function getJson(path) {
  return requestJson("GET", path);
}

/**
 * Fetch a server list into a journey's state, showing "loading" meanwhile and the error if it fails.
 * `keys` names the state's fields: {list, loading, error}.
 */
async function loadList(holder, path, keys = { list: "list", loading: "loading", error: "listError" }) {
  holder[keys.loading] = true;
  holder[keys.error] = null;
  renderScreen();
  const answer = await getJson(path);
  holder[keys.loading] = false;
  if (answer.ok) holder[keys.list] = Array.isArray(answer.data) ? answer.data : [];
  else holder[keys.error] = answer.error;
  renderScreen();
}

// Journeys this app knows how to run, keyed by the names the server lists in user.journeys;
// anything else the server lists stays out of the menu.
const JOURNEYS = {
  pick: { ...createPick(appContext), label: "journey_pick", hint: "journey_pick_hint" },
  receive: { ...createReceive(appContext), label: "journey_receive", hint: "journey_receive_hint" },
  inspect: { ...createInspect(appContext), label: "journey_inspect", hint: "journey_inspect_hint" },
  putaway: { ...createPutaway(appContext), label: "journey_putaway", hint: "journey_putaway_hint" },
  count: { ...createCount(appContext), label: "journey_count", hint: "journey_count_hint" },
  transfer: { ...createTransfer(appContext), label: "journey_transfer", hint: "journey_transfer_hint" },
  returns: { ...createReturns(appContext), label: "journey_returns", hint: "journey_returns_hint" },
  putback: { ...createPutback(appContext), label: "journey_putback", hint: "journey_putback_hint" },
  moves: { ...createMoves(appContext), label: "journey_moves", hint: "journey_moves_hint" },
  assembly: { ...createAssembly(appContext), label: "journey_assembly", hint: "journey_assembly_hint" },
  lookup: { name: "lookup", modes: ["lookup"], label: "journey_lookup", hint: "journey_lookup_hint" },
};

// ---------- scan input ----------

function onScan(code) {
  unlock();
  if (state.screen === "login") {
    const pairing = pairingFrom(code);
    if (pairing) pair(pairing);
    else login("/api/v1/auth/badge", { badge: code, ...deviceProof() });
  } else if (state.screen === "menu") {
    state.menuHint = "menu_scan_hint";
    signal("error");
    renderMenu();
  } else if (state.screen === "lookup") {
    send({ mode: "lookup", code });
  } else if (isJourney(state.screen)) {
    JOURNEYS[state.screen].onScan(code);
  }
}

const wedge = attachWedge($("scan-input"), {
  onScan,
  isActive: () => !$("scanbar").hidden && $("confirm").hidden,
  config: loadConfig(),
});

/** Give the scan field the focus back, unless the user is typing in another field. */
function focusScan() {
  const input = $("scan-input");
  if ($("scanbar").hidden || !$("confirm").hidden) return;
  const active = document.activeElement;
  if (active && active !== input && isTextEntry(active)) return;
  input.focus({ preventScroll: true });
}

// ---------- wiring ----------

$("scanbar").addEventListener("submit", (event) => event.preventDefault());

$("lang-toggle").addEventListener("click", () => {
  toggleLang();
  render();
});

$("back").addEventListener("click", () => {
  state.menuHint = null;
  if (JOURNEYS[state.screen]?.back?.()) return; // the journey stepped back inside itself
  show("menu");
});

$("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  unlock(); // the login tap is the user gesture that allows sound later
  const username = $("login-username").value.trim();
  const password = $("login-password").value;
  if (!username || !password) {
    state.loginError = { key: "login_missing" };
    renderLogin();
    return;
  }
  login("/api/v1/auth/login", { username, password, ...deviceProof() });
});

$("device-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const typed = $("device-code").value.trim();
  const pairing = pairingFrom(typed);
  if (pairing) {
    pair(pairing);
  } else {
    const code = typed.toUpperCase();
    // A token proves one handheld: naming another one forgets it.
    if (code !== deviceCode()) localStorage.removeItem(DEVICE_TOKEN_KEY);
    if (code) localStorage.setItem(DEVICE_KEY, code);
    else localStorage.removeItem(DEVICE_KEY);
    renderLogin();
  }
  $("device-code").value = deviceCode();
  $("device-code").blur();
  focusScan();
});

$("logout").addEventListener("click", logout);
$("confirm-yes").addEventListener("click", () => closeConfirm(true));
$("confirm-no").addEventListener("click", () => closeConfirm(false));

$("kbd-toggle").addEventListener("click", () => {
  const input = $("scan-input");
  const typing = input.getAttribute("inputmode") === "none";
  input.setAttribute("inputmode", typing ? "text" : "none");
  $("kbd-toggle").setAttribute("aria-pressed", String(typing));
  input.blur();
  input.focus({ preventScroll: true });
});

// Audio may only start after a user gesture; any tap or key (a scan) counts.
document.addEventListener("pointerdown", unlock, true);
document.addEventListener("keydown", unlock, true);

// After any tap or dialog, the scanner's keystrokes must land in the scan field again.
document.addEventListener("click", () => setTimeout(focusScan, 0));
$("scan-input").addEventListener("blur", () =>
  setTimeout(() => {
    if (!isTextEntry(document.activeElement)) focusScan();
  }, 0),
);
document.addEventListener("visibilitychange", () => {
  if (!document.hidden) focusScan();
});
window.addEventListener("online", () => {
  if (state.socket && !state.socket.connected) state.socket.connect();
});

// Hooks for tests and support staff (read-only views of the state).
window.hh = {
  state,
  lang,
  journeys: () => Object.fromEntries(Object.entries(JOURNEYS).map(([name, j]) => [name, j.state || null])),
  pendingScans: () => outbox.pending(userKey()),
  queue: () => queueLog.entries(),
};

async function start() {
  document.documentElement.lang = lang() === "zh" ? "zh-CN" : "en";
  registerShell();
  const user = await checkSession();
  if (user) {
    await loggedIn(user);
    return;
  }
  if (user === undefined) {
    let saved = null;
    try {
      saved = JSON.parse(localStorage.getItem(USER_KEY) || "null");
    } catch {
      saved = null;
    }
    if (saved) {
      await resumeOffline(saved); // the socket signs in with the session cookie once the server is back
      return;
    }
    state.loginError = { key: "login_unreachable" };
  } else {
    forgetUser();
  }
  show("login");
}

start();
