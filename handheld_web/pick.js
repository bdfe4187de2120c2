// The Pick journey: take a pick list (the next one, or tap one), put a tote on the cart for each
// order (slot 1 … totes), then walk the stops in route order: scan the bin, scan the item (1 unit
// per scan, or scan once and key in the rest), put it into the order's tote and, once the stop is
// picked, scan that tote to confirm the put (pick.put). A stop with fewer units in the bin than asked
// is reported short (the server re-allocates at once). Holds on an order of this pick list arrive
// over the socket and show at once, without a scan.

import { pick as pickText, t, tn } from "./i18n.js";
import { button, errorPanel, h, nameAndVariant, onQuantityForm } from "./ui.js";

const TOTE_CODE = /^(\][A-Za-z]\d)?TOTE-/i;
const QTY_ONLY = /^\d{1,5}$/;
const TOTES_KEY = "hh.pick.totes."; // + pick list id: {slot: tote code} bound on this device

export function isToteCode(code) {
  return TOTE_CODE.test(String(code || "").trim());
}

function loadTotes(listId) {
  try {
    const stored = JSON.parse(localStorage.getItem(TOTES_KEY + listId) || "{}");
    return stored && typeof stored === "object" ? stored : {};
  } catch {
    return {};
  }
}

function saveTotes(listId, totes) {
  try {
    localStorage.setItem(TOTES_KEY + listId, JSON.stringify(totes));
  } catch {
    // Storage full or refused: the binding still holds on the server; only a reload would ask again.
  }
}

function forgetTotes(listId) {
  try {
    localStorage.removeItem(TOTES_KEY + listId);
  } catch {
    // Nothing to do.
  }
}

export function createPick(app) {
  const s = {
    // The pick screen, GET /api/v1/pick-lists/choice (one request, one snapshot):
    open: null, // open pick lists, without their stops: the first in line (all of them after "more")
    openMore: false, // more lists are open than the screen shows: a tap lists them
    mine: null, // the picker's unfinished lists, whole
    listsError: null,
    listsLoading: false,
    claiming: null, // the pick list id (or "next") a claim is under way for
    nothingToPick: false, // "take next" found no open pick list
    list: null, // the claimed pick list as the server last showed it
    stop: null, // its current stop (result.stop)
    totes: {}, // slot -> tote code, bound (acknowledged)
    toteSending: {}, // slot -> the pick.tote record waiting for its answer
    lastItem: null, // {code, task, sku} of the last item scan taken at the current stop (for "+ qty")
    put: null, // {slot, tote, sku, qty}: "put into tote k" after an item scan
    putDue: null, // {task, slot, tote, sku, done, sending}: a picked stop whose tote is still to be scanned
    putDone: null, // {slot, tote}: "put confirmed" after an accepted tote scan
    shortOpen: false, // the short-pick form is up
    shortPending: null, // the pick.short record waiting for its answer
    shortOutcome: null, // {found, bin, sku, re_allocated, still_short, line}
    done: null, // {pick_list, wave, stops, totes} of the list just completed
    holds: new Map(), // order number -> {reason, message, fromRefusal}
    cancelled: new Map(), // order number -> {reason, totes: [codes]}: cancelled while on this list
    error: null,
    // Offline: steps queued while the socket is down and already applied to the screen (the stop
    // moves on through the cached list). [{scan_id, order}], oldest first; their answers on replay
    // are the truth, and a refusal among them re-syncs the list from the server.
    optimistic: [],
    replayRefused: false,
    localDone: false, // offline, every stop of the cached list is scanned: waiting for the server
  };

  const listId = () => s.list?.pick_list ?? null;

  // ---------- lists and claims ----------

  /** A read for the pick screen's lists: `take(data)` keeps what came (false: not what was expected). */
  async function readLists(path, take) {
    s.listsLoading = true;
    s.listsError = null;
    app.render();
    const answer = await app.getJson(path);
    s.listsLoading = false;
    if (!answer.ok || !take(answer.data)) s.listsError = answer.error;
    app.render();
  }

  function loadLists() {
    return readLists("/api/v1/pick-lists/choice", (data) => {
      s.mine = Array.isArray(data?.mine) ? data.mine : [];
      s.open = Array.isArray(data?.open) ? data.open : [];
      s.openMore = data?.open_more === true;
      return true;
    });
  }

  /** Every open list (as many as a page shows), on the picker's asking: the screen opens with the first. */
  function loadMoreOpen() {
    if (s.listsLoading) return undefined;
    return readLists("/api/v1/pick-lists?status=open&view=summary", (data) => {
      if (!Array.isArray(data)) return false;
      s.open = data;
      s.openMore = false;
      return true;
    });
  }

  /** Work on a claimed list: bound totes from this device's record, the current stop if known. */
  function adoptList(view, stop) {
    const changed = listId() !== view.pick_list;
    const { stop: listed, ...list } = view;
    s.list = list;
    s.stop = stop ?? listed ?? (changed ? null : s.stop);
    if (changed) {
      s.totes = loadTotes(list.pick_list);
      s.toteSending = {};
      s.lastItem = null;
      s.put = null;
      s.putDue = null;
      s.putDone = null;
      s.shortOpen = false;
      s.shortOutcome = null;
      s.done = null;
    }
    if (s.stop?.tote) s.totes[s.stop.tote_slot] = s.stop.tote;
  }

  /** A claim answer without the current stop (an older server): the picker's own lists carry it. */
  async function fetchStop(id) {
    const answer = await app.getJson("/api/v1/pick-lists?status=claimed&mine=1");
    if (!answer.ok || listId() !== id) return;
    s.mine = Array.isArray(answer.data) ? answer.data : s.mine;
    const entry = (s.mine || []).find((row) => row.pick_list === id);
    if (entry && !s.stop) adoptList(entry);
    app.render();
  }

  async function claim(path, claimingId) {
    if (s.claiming) return;
    s.error = null;
    s.nothingToPick = false;
    s.claiming = claimingId;
    app.render();
    const answer = await app.post(path);
    s.claiming = null;
    if (answer.ok && answer.data?.pick_list) {
      app.signal("ok");
      adoptList(answer.data.pick_list);
      app.scrollTop();
      app.render();
      // Claims answer with the current stop: no second request over the Wi-Fi for it.
      if (!("stop" in answer.data.pick_list)) fetchStop(answer.data.pick_list.pick_list);
      return;
    }
    if (answer.status === 404 && claimingId === "next") {
      s.nothingToPick = true;
      app.signal("error");
    } else {
      s.error = answer.error;
      app.signal("error");
    }
    loadLists(); // e.g. taken by another picker meanwhile
  }

  const takeNext = () => claim("/api/v1/pick-lists/next/claim", "next");
  const claimList = (entry) => claim(`/api/v1/pick-lists/${entry.pick_list}/claim`, entry.pick_list);

  function resume(entry) {
    s.error = null;
    s.nothingToPick = false;
    adoptList(entry);
    app.scrollTop();
    app.render();
  }

  function leaveList() {
    if (s.putDue?.done) {
      finish(); // the list is complete on the server; only its tote check was left
      return;
    }
    s.list = null;
    s.stop = null;
    s.toteSending = {};
    s.lastItem = null;
    s.put = null;
    s.putDue = null;
    s.putDone = null;
    s.shortOpen = false;
    s.shortOutcome = null;
    s.error = null;
    loadLists();
  }

  function finish() {
    const list = s.list;
    if (list) {
      forgetTotes(list.pick_list);
      s.done = { pick_list: list.pick_list, wave: list.wave, stops: (list.stops || []).length, totes: { ...s.totes } };
    }
    clearList();
    app.scrollTop();
    loadLists();
  }

  /** Forget the pick list in hand (its stop, totes and pending steps); the lists stay. */
  function clearList() {
    s.list = null;
    s.stop = null;
    s.totes = {};
    s.toteSending = {};
    s.lastItem = null;
    s.putDue = null;
    s.shortOpen = false;
    s.shortPending = null;
  }

  // ---------- totes ----------

  const slots = () => Array.from({ length: s.list?.totes || 0 }, (_, n) => n + 1);
  const slotOrder = (slot) => (s.list?.stops || []).find((stop) => stop.tote === slot)?.order || "";

  /** The slot the next tote scan is for: the first neither bound nor waiting for its answer. */
  function nextSlot() {
    return slots().find((slot) => !s.totes[slot] && !s.toteSending[slot]) ?? null;
  }

  // ---------- holds ----------

  function onThisList(order) {
    return Boolean(order) && (s.stop?.order === order || (s.list?.stops || []).some((stop) => stop.order === order));
  }

  function onHold(event) {
    if (!event || !event.order) return;
    if (event.on_hold) {
      const known = s.holds.get(event.order);
      s.holds.set(event.order, { reason: event.reason || "", fromRefusal: false });
      if (onThisList(event.order) && (!known || known.fromRefusal)) {
        app.signal("alert");
        app.scrollTop(); // the banner is at the top of the screen
      }
    } else {
      s.holds.delete(event.order);
    }
    app.render();
  }

  app.onServerEvent("hold", onHold);

  /** An order of this list was cancelled: its stops are gone (the list as the server has it now), and
   * what is already in its tote goes back through a put-back task. */
  function onCancelled(event) {
    if (!event || !event.order) return;
    const mine = (event.pick_lists || []).includes(listId()) || onThisList(event.order);
    if (!mine) return;
    s.cancelled.set(event.order, { reason: event.reason || "", totes: (event.put_back || []).map((p) => p.scan) });
    s.holds.delete(event.order);
    app.signal("alert");
    app.scrollTop();
    app.render();
    resync();
  }

  app.onServerEvent("order_cancelled", onCancelled);

  function renderCancelled() {
    return [...s.cancelled.entries()].map(([order, cancel]) =>
      h(
        "div",
        { class: "holdbanner holdbanner--current", testid: "pick-cancel-banner", role: "alert", "data-order": order },
        h("div", { class: "holdbanner__title" }, "✖ ", t("pick_cancel_title", { order })),
        h("p", { class: "holdbanner__text" }, t("pick_cancel_text", { reason: cancel.reason || "—" })),
        cancel.totes.length ? h("p", { class: "holdbanner__text" }, cancel.totes.join(", ")) : null,
      ),
    );
  }

  function heldOrders() {
    if (!s.list) return [];
    return [...s.holds.entries()].filter(([order]) => onThisList(order));
  }

  // ---------- offline: work on through the cached list ----------

  /** Send a step; while offline, also apply it to the screen at once (the server answers later). */
  function sendStep(fields) {
    const record = app.send(fields);
    if (!app.connected() && s.list) {
      s.optimistic.push({ scan_id: record.scan_id, order: s.stop?.order || "" });
      simulate(record);
    }
    return record;
  }

  const sameCode = (a, b) => String(a || "").trim().toUpperCase() === String(b || "").trim().toUpperCase();

  /** What the server would most likely answer, for the screen only: the bin, the units, the tote. */
  function simulate(record) {
    const stop = s.stop;
    if (record.mode === "pick.put") {
      const due = s.putDue;
      if (due && (!due.tote || sameCode(record.code, due.tote))) {
        s.putDone = { slot: due.slot, tote: due.tote || record.code };
        s.putDue = null;
      }
      return;
    }
    if (!stop) return;
    if (record.mode === "pick.short") {
      advance(stop, false);
      return;
    }
    if (record.mode !== "pick") return;
    if (sameCode(record.code, stop.bin)) {
      stop.bin_confirmed = true;
      return;
    }
    if (!stop.bin_confirmed) return; // the server will say which bin (wrong_bin, scan_bin_first)
    const qty = record.qty || 1;
    stop.picked = Math.min(stop.qty, stop.picked + qty);
    const tote = stop.tote || s.totes[stop.tote_slot] || "";
    s.put = { slot: stop.tote_slot, tote, sku: stop.sku, qty };
    s.lastItem = { code: record.code, task: stop.task, sku: stop.sku };
    if (stop.picked >= stop.qty) advance(stop, true);
  }

  /** The stop is done on the device: ask for its tote (if its task is known) and go to the next one. */
  function advance(stop, picked) {
    const row = (s.list.stops || []).find((entry) => entry.seq === stop.seq);
    if (row) row.status = picked ? "picked" : "short";
    if (picked && stop.task != null) {
      const tote = stop.tote || s.totes[stop.tote_slot] || "";
      s.putDue = { task: stop.task, slot: stop.tote_slot, tote, sku: stop.sku, done: false, sending: null };
    }
    const next = (s.list.stops || [])
      .filter((entry) => entry.status === "open" && entry.seq !== stop.seq && !s.holds.has(entry.order))
      .sort((a, b) => a.seq - b.seq)[0];
    s.stop = next
      ? {
          task: null, // known to the server only; a put for this stop is not asked offline
          seq: next.seq,
          bin: next.bin,
          sku: next.sku,
          name: null,
          variant: null,
          lot: next.lot,
          qty: next.qty,
          picked: 0,
          tote_slot: next.tote,
          tote: s.totes[next.tote] || "",
          order: next.order,
          // still standing at the bin just scanned: the server takes the item at once (pick_lists._stay_at_bin)
          bin_confirmed: picked && next.bin === stop.bin && Boolean(stop.bin_confirmed),
          on_hold: false,
        }
      : null;
    s.localDone = !next;
    if (s.lastItem && s.lastItem.task !== s.stop?.task) s.lastItem = null;
  }

  /** An answer to a step applied offline. Returns true when it is fully handled here. */
  function onReplayAck(record, ack) {
    const at = s.optimistic.findIndex((entry) => entry.scan_id === record.scan_id);
    if (at < 0) return false;
    const [meta] = s.optimistic.splice(at, 1);
    const ok = ack?.ok === true;
    if (record.mode === "pick.short" && s.shortPending?.scan_id === record.scan_id) s.shortPending = null;
    if (record.mode === "pick.put" && s.putDue?.sending?.scan_id === record.scan_id) s.putDue.sending = null;
    if (!ok) {
      // Shown in the app's queue (with the bilingual message) until the picker acknowledges it.
      s.replayRefused = true;
      const code = ack?.error?.code;
      if (code === "order_on_hold" && meta.order && !s.holds.has(meta.order)) {
        s.holds.set(meta.order, { message: ack.error.message, fromRefusal: true });
      }
    }
    if (s.optimistic.length && s.list) return true; // later offline steps still wait: the screen stays ahead
    const refused = s.replayRefused;
    s.replayRefused = false;
    s.localDone = false;
    if (refused || !s.list || record.pick_list !== listId()) {
      resync();
      return true;
    }
    return false; // the last one, taken: handled as any answer (the server's stop is the truth)
  }

  /** After a refused replay: the list, its current stop, totes and holds as the server has them now. */
  async function resync() {
    const id = listId();
    if (id == null) return;
    const answer = await app.getJson("/api/v1/pick-lists?status=claimed&mine=1");
    if (!answer.ok || listId() !== id) return;
    s.mine = Array.isArray(answer.data) ? answer.data : s.mine;
    const entry = (s.mine || []).find((row) => row.pick_list === id);
    if (!entry) {
      const one = await app.getJson(`/api/v1/pick-lists/${id}`);
      if (listId() !== id) return;
      if (one.ok && one.data?.status === "done") finish();
      else leaveList();
      app.render();
      return;
    }
    const { stop, ...list } = entry;
    s.list = list;
    s.stop = stop ?? null;
    for (const [slot, code] of Object.entries(list.tote_codes || {})) s.totes[slot] = code;
    saveTotes(id, s.totes);
    for (const row of list.stops || []) {
      if (row.on_hold && !s.holds.has(row.order)) s.holds.set(row.order, { reason: row.hold_reason || "", fromRefusal: false });
    }
    if (s.lastItem && s.lastItem.task !== s.stop?.task) s.lastItem = null;
    app.render();
  }

  // ---------- input ----------

  const refuse = (code, key, vars) => app.refuse(s, code, key, vars);

  function onScan(code) {
    s.error = null;
    s.put = null;
    s.putDone = null;
    s.shortOutcome = null;
    if (!s.list) return refuse(code, s.done ? "pick_list_finished_take_next" : "pick_take_list_first");
    const slot = nextSlot();
    if (slot != null) {
      if (!isToteCode(code)) return refuse(code, "pick_not_a_tote", { slot, order: slotOrder(slot) });
      s.toteSending[slot] = app.send({ mode: "pick.tote", code, pick_list: listId(), slot });
      app.render();
      return;
    }
    if (isToteCode(code)) {
      if (!s.putDue) return refuse(code, "pick_totes_on_cart", { bin: s.stop?.bin || "" });
      // The tote the picked units went into: the server checks it is the stop's own.
      s.putDue.sending = sendStep({ mode: "pick.put", code, pick_list: listId(), task: s.putDue.task });
      app.render();
      return;
    }
    // Anything else goes on as before: the put is a check, not a lock (its prompt stays up).
    s.shortOpen = false;
    sendStep({ mode: "pick", code, pick_list: listId(), qty: 1 });
    app.render();
  }

  /** "+ quantity": more units of the item scanned last at this stop (scan once, key in the rest). */
  function addQuantity(raw) {
    const value = String(raw || "").trim();
    if (!value) return;
    if (!QTY_ONLY.test(value)) {
      onScan(value); // the scanner fired into the quantity field: it is a scan
      return;
    }
    s.error = null;
    s.put = null;
    const qty = Number(value);
    if (!s.list || !s.stop || s.lastItem?.task !== s.stop.task) {
      return refuse(value, "pick_qty_needs_scan");
    }
    if (qty < 1) return refuse(value, "pick_qty_bad");
    sendStep({ mode: "pick", code: s.lastItem.code, pick_list: listId(), qty });
    app.render();
  }

  // ---------- short pick ----------

  function missingHere() {
    return s.stop ? s.stop.qty - s.stop.picked : 0;
  }

  function openShort() {
    if (!s.stop) return;
    s.error = null;
    s.put = null;
    s.shortOpen = true;
    s.shortOutcome = null;
    const input = document.getElementById("pick-short-found");
    input.value = "0";
    app.render();
    document.getElementById("pick-short-form").scrollIntoView({ block: "center" });
  }

  function closeShort() {
    s.shortOpen = false;
    app.render();
    app.focusScan();
  }

  function stepFound(delta) {
    const input = document.getElementById("pick-short-found");
    const now = QTY_ONLY.test(input.value.trim()) ? Number(input.value.trim()) : 0;
    input.value = String(Math.max(0, Math.min(missingHere() - 1, now + delta)));
  }

  async function reportShort() {
    const input = document.getElementById("pick-short-found");
    const value = input.value.trim();
    input.blur();
    if (!s.stop || !s.shortOpen) return;
    const max = missingHere() - 1;
    if (!QTY_ONLY.test(value) || Number(value) > max) {
      s.error = { record: { code: value, scan_id: "" }, key: "pick_short_bad", vars: { max } };
      app.signal("error");
      app.render();
      return;
    }
    const found = Number(value);
    const stop = s.stop;
    const text = t("pick_short_question", { bin: stop.bin, found, sku: stop.sku, missing: missingHere() - found });
    if (!(await app.askConfirm(text))) return;
    if (s.stop?.task !== stop.task) return; // the stop moved on meanwhile
    s.error = null;
    s.shortOpen = false;
    s.shortPending = sendStep({ mode: "pick.short", pick_list: listId(), found });
    app.render();
  }

  // ---------- answers ----------

  function adoptResult(result) {
    if (!result) return;
    if (result.pick_list) adoptList(result.pick_list, result.stop ?? null);
    s.stop = result.stop ?? null;
    if (s.stop?.tote) s.totes[s.stop.tote_slot] = s.stop.tote;
    if (s.lastItem && s.lastItem.task !== s.stop?.task) s.lastItem = null;
    // A complete list whose last stop still waits for its tote scan stays in hand until then.
    if (result.done && !s.putDue?.done) finish();
  }

  /** Did this item answer finish the stop it was scanned at (so its tote is to be scanned now)? */
  function stopPicked(before, result, qty) {
    const task = result.picked_task;
    if (task == null) return false;
    if (result.done) return true;
    if (result.stop?.task === task) return false;
    const seq = before?.task === task ? before.seq : null;
    const listed = seq != null ? (result.pick_list?.stops || []).find((stop) => stop.seq === seq) : null;
    if (listed?.status) return listed.status === "picked";
    return before?.task !== task || before.picked + qty >= before.qty;
  }

  function onAck(record, ack) {
    if (onReplayAck(record, ack)) return;
    const ok = ack?.ok === true;
    const current = s.list != null && record.pick_list === listId();
    if (record.mode === "pick.tote") {
      if (s.toteSending[record.slot]?.scan_id === record.scan_id) delete s.toteSending[record.slot];
      if (!current) return;
      if (!ok) {
        s.error = { record, ack };
        return;
      }
      s.totes[record.slot] = ack.code || record.code;
      saveTotes(listId(), s.totes);
      adoptResult(ack.result);
      return;
    }
    if (record.mode === "pick.put") {
      const due = s.putDue?.task === record.task ? s.putDue : null;
      if (due?.sending?.scan_id === record.scan_id) due.sending = null;
      if (!current) return;
      if (!ok) {
        s.error = { record, ack }; // wrong_tote: the prompt stays up, with the tote it wants
        if (due && ack?.error?.code !== "wrong_tote") {
          // The server takes no put for this stop (e.g. it is not picked after all): stop asking.
          s.putDue = null;
          if (due.done) finish();
        }
        return;
      }
      const slot = due?.slot ?? s.stop?.tote_slot ?? "";
      s.putDone = { slot, tote: ack.code || record.code };
      if (due) s.putDue = null;
      adoptResult(ack.result);
      return;
    }
    if (record.mode === "pick.short" && s.shortPending?.scan_id === record.scan_id) s.shortPending = null;
    if (!ok) {
      if (s.list && !current) return; // an answer about a list left behind
      s.error = { record, ack };
      const code = ack?.error?.code;
      if (code === "order_on_hold" && s.stop && !s.holds.has(s.stop.order)) {
        s.holds.set(s.stop.order, { message: ack.error.message, fromRefusal: true });
      } else if (code === "bind_totes_first" && s.stop) {
        delete s.totes[s.stop.tote_slot]; // ask for that slot's tote again
        saveTotes(listId(), s.totes);
      } else if (code === "pick_list_done" && current) {
        finish();
      }
      return;
    }
    if (!current) return;
    const before = s.stop;
    // The server took a scan at this stop, so its order is not on hold (a refusal's note was stale).
    if (before && s.holds.get(before.order)?.fromRefusal) s.holds.delete(before.order);
    if (record.mode === "pick.short") {
      const { re_allocated: reAllocated, still_short: stillShort, line } = ack.result || {};
      s.shortOutcome = { found: record.found, bin: before?.bin || "", sku: line?.sku || before?.sku || "", reAllocated, stillShort };
      adoptResult(ack.result);
      app.scrollTop();
      return;
    }
    if (ack.kind === "item" || ack.result?.put_into_tote != null) {
      const slot = ack.result?.put_into_tote;
      s.put = { slot, tote: s.totes[slot] || (before?.tote_slot === slot ? before.tote : "") || "", sku: before?.sku || "", qty: record.qty || 1 };
      if (before) s.lastItem = { code: record.code, task: before.task, sku: before.sku };
      if (stopPicked(before, ack.result, record.qty || 1)) {
        const task = ack.result.picked_task;
        s.putDue = { task, slot, tote: s.put.tote, sku: s.put.sku, done: Boolean(ack.result.done), sending: null };
      }
    }
    adoptResult(ack.result);
  }

  // ---------- screen ----------

  function listFacts(entry) {
    const stops = entry.stop_count ?? (entry.stops || []).length; // open lists come as summaries
    return [tn("pick_totes_n", entry.totes), tn("pick_stops_n", stops), t("pick_route_m", { m: formatMetres(entry.route_length_m) })].join(" · ");
  }

  function formatMetres(value) {
    if (typeof value !== "number") return "?";
    return value >= 100 ? String(Math.round(value)) : String(Math.round(value * 10) / 10);
  }

  function renderEntry(entry, status) {
    const next = entry.stop?.bin;
    return h(
      "li",
      {},
      button(
        {
          class: "pick pick--list",
          testid: "pick-list",
          "data-pick-list": entry.pick_list,
          "data-status": status,
          disabled: s.claiming != null,
          onclick: () => (status === "claimed" ? resume(entry) : claimList(entry)),
        },
        h(
          "div",
          { class: "pick__head" },
          h("span", { class: "pick__code" }, t("pick_list_n", { n: entry.pick_list })),
          h("span", { class: "pick__wave" }, t("pick_wave_n", { n: entry.wave })),
        ),
        h("div", { class: "pick__todo" }, listFacts(entry)),
        status === "claimed"
          ? h("div", { class: "pick__supplier" }, next ? t("pick_resume_at", { bin: next }) : t("pick_resume"))
          : null,
      ),
    );
  }

  function renderDone() {
    const done = s.done;
    return h(
      "section",
      { class: "card card--done", testid: "pick-done", "data-pick-list": done.pick_list },
      h("div", { class: "card__kind" }, t("pick_list_n", { n: done.pick_list })),
      h("p", { class: "pickdone__title" }, "✔ ", t("pick_done_title")),
      s.put ? renderPut() : null,
      s.putDone ? renderPutDone() : null,
      h("p", { class: "hint" }, t("pick_done_hint", { n: done.stops })),
    );
  }

  function renderStart() {
    const parts = [];
    if (s.done) parts.push(renderDone());
    parts.push(h("p", { class: "prompt", testid: "pick-prompt", "data-next": "take_list" }, t("pick_take_prompt")));
    parts.push(
      button(
        { class: "btn btn--primary btn--take", testid: "pick-take-next", disabled: s.claiming != null, onclick: takeNext },
        s.claiming === "next" ? t("pick_taking") : t("pick_take_next"),
      ),
    );
    if (s.nothingToPick) parts.push(h("p", { class: "hint hint--warn", testid: "pick-nothing", role: "status" }, t("pick_nothing")));
    if (s.mine?.length) {
      parts.push(h("h2", { class: "listhead__title listhead__title--gap" }, t("pick_mine_title")));
      parts.push(h("ul", { class: "picklist", testid: "pick-mine" }, s.mine.map((entry) => renderEntry(entry, "claimed"))));
    }
    parts.push(
      h(
        "div",
        { class: "listhead" },
        h("h2", { class: "listhead__title" }, t("pick_open_title")),
        button({ class: "btn btn--small", testid: "pick-refresh", onclick: loadLists }, t("refresh")),
      ),
    );
    if (s.listsError) parts.push(errorPanel({ ...s.listsError, titleKey: "list_error_title" }));
    if (s.listsLoading && !s.open) parts.push(h("p", { class: "hint" }, t("loading")));
    const mine = new Set((s.mine || []).map((entry) => entry.pick_list));
    const open = (s.open || []).filter((entry) => !mine.has(entry.pick_list));
    parts.push(h("ul", { class: "picklist", testid: "pick-lists" }, open.map((entry) => renderEntry(entry, "open"))));
    if (s.open && !open.length) parts.push(h("p", { class: "hint", testid: "pick-none-open" }, t("pick_none_open")));
    if (s.openMore) {
      parts.push(
        button(
          { class: "btn btn--small", testid: "pick-more-open", disabled: s.listsLoading, onclick: loadMoreOpen },
          s.listsLoading ? t("loading") : t("pick_more_open"),
        ),
      );
    }
    return parts;
  }

  function renderHeader(stop) {
    const list = s.list;
    const total = (list.stops || []).length;
    const listName = t("pick_list_n", { n: list.pick_list });
    const wave = t("pick_wave_n", { n: list.wave });
    return h(
      "header",
      { class: "po pickhead", testid: "pick-header", "data-pick-list": list.pick_list },
      stop
        ? h(
            "div",
            { class: "pickhead__row" },
            h(
              "span",
              { class: "pickhead__progress", testid: "pick-progress", "data-stop": stop.seq, "data-stops": total },
              t("pick_stop_of", { k: stop.seq, n: total }),
            ),
            h("span", { class: "pickhead__wave" }, listName),
          )
        : h("div", { class: "pickhead__row" }, h("span", { class: "pickhead__list" }, listName)),
      h("div", { class: "pickhead__facts" }, `${wave} · ${listFacts(list)}`),
    );
  }

  function renderTotes() {
    const rows = slots().map((slot) => {
      const code = s.totes[slot] || s.toteSending[slot]?.code || "";
      const state = s.totes[slot] ? "bound" : s.toteSending[slot] ? "sending" : "missing";
      return h(
        "li",
        { class: `tote tote--${state}`, testid: "pick-bound-tote", "data-slot": slot, "data-tote": s.totes[slot] || "", "data-state": state },
        h("span", { class: "tote__slot" }, t("pick_slot_n", { n: slot })),
        h("span", { class: "tote__order" }, slotOrder(slot)),
        h("span", { class: "tote__code" }, code || "—", state === "bound" ? " ✔" : state === "sending" ? " …" : ""),
      );
    });
    return h("ul", { class: "totes", testid: "pick-totes" }, rows);
  }

  function renderBinding(slot) {
    return [
      h(
        "div",
        { class: "goto goto--tote", testid: "pick-tote-prompt", "data-slot": slot, "data-order": slotOrder(slot) },
        h("span", { class: "goto__label" }, t("pick_scan_tote", { order: slotOrder(slot), slot })),
        h("span", { class: "goto__bin" }, t("pick_slot_n", { n: slot })),
      ),
      h("h2", { class: "listhead__title listhead__title--gap" }, t("pick_totes_title")),
      renderTotes(),
    ];
  }

  function renderPut() {
    const put = s.put;
    return h(
      "div",
      { class: "put", testid: "pick-put", "data-slot": put.slot ?? "", "data-tote": put.tote || "" },
      h("span", { class: "put__what" }, `✔ ${put.qty} × ${put.sku}`),
      h("span", { class: "put__where" }, t("pick_put_into", { slot: put.slot ?? "?" })),
      put.tote ? h("span", { class: "put__tote" }, put.tote) : null,
    );
  }

  /** The last step of a picked stop: scan the tote the units went into. */
  function renderPutDue() {
    const due = s.putDue;
    // The tote code inside the sentence is kept on one line.
    const [before, after = ""] = due.tote
      ? t("pick_put_scan", { slot: due.slot, tote: "\u0000" }).split("\u0000")
      : [t("pick_put_scan_slot", { slot: due.slot })];
    return h(
      "div",
      {
        class: `goto goto--put ${due.sending ? "goto--sending" : ""}`,
        testid: "pick-put-prompt",
        "data-slot": due.slot ?? "",
        "data-tote": due.tote || "",
        "data-task": due.task,
        "data-state": due.sending ? "sending" : "due",
      },
      h("span", { class: "goto__label" }, before, due.tote ? h("span", { class: "nobreak" }, due.tote) : null, after),
      h("span", { class: "goto__bin" }, due.tote || t("pick_slot_n", { n: due.slot })),
      h("span", { class: "goto__zone" }, t("pick_put_slot", { slot: due.slot, sku: due.sku })),
    );
  }

  function renderPutDone() {
    const done = s.putDone;
    return h(
      "div",
      { class: "put put--done", testid: "pick-put-done", "data-slot": done.slot ?? "", "data-tote": done.tote || "" },
      h("span", { class: "put__where" }, "✔ ", t("pick_put_done", { slot: done.slot })),
      done.tote ? h("span", { class: "put__tote" }, done.tote) : null,
    );
  }

  function renderShortOutcome() {
    const o = s.shortOutcome;
    const lines = [t("pick_short_booked", { bin: o.bin, found: o.found })];
    if (o.reAllocated > 0) lines.push(tn("pick_short_reallocated", o.reAllocated));
    if (o.stillShort > 0) lines.push(tn("pick_short_still", o.stillShort));
    if (!o.reAllocated && !o.stillShort) lines.push(t("pick_short_nothing_missing"));
    return h(
      "div",
      {
        class: `shortout ${o.stillShort > 0 ? "shortout--missing" : ""}`,
        testid: "pick-short-outcome",
        "data-re-allocated": o.reAllocated ?? 0,
        "data-still-short": o.stillShort ?? 0,
      },
      h("div", { class: "shortout__title" }, t("pick_short_title", { sku: o.sku })),
      lines.map((line) => h("p", { class: "shortout__line" }, line)),
    );
  }

  function renderStop() {
    const stop = s.stop;
    const confirmed = Boolean(stop.bin_confirmed);
    const held = s.holds.has(stop.order);
    const toteCode = stop.tote || s.totes[stop.tote_slot] || "";
    return h(
      "section",
      {
        class: `stop ${held ? "stop--held" : ""}`,
        testid: "pick-stop",
        "data-task": stop.task,
        "data-seq": stop.seq,
        "data-order": stop.order,
        "data-bin-confirmed": String(confirmed),
      },
      h(
        "div",
        { class: `stop__bin ${confirmed ? "stop__bin--ok" : ""}`, testid: "pick-bin", "data-bin": stop.bin },
        h("span", { class: "stop__bin-label" }, confirmed ? t("pick_at_bin") : t("pick_go_to")),
        h("span", { class: "stop__bin-code" }, stop.bin),
      ),
      // What to scan next, right under the bin: above the fold on a 360 × 640 screen (details below).
      held
        ? h("p", { class: "prompt prompt--defect", testid: "pick-prompt", "data-next": "on_hold" }, t("pick_held_prompt", { order: stop.order }))
        : s.putDue
        ? h("p", { class: "prompt", testid: "pick-prompt", "data-next": "scan_tote" }, t("pick_put_first", { slot: s.putDue.slot }))
        : h(
            "p",
            { class: "prompt", testid: "pick-prompt", "data-next": confirmed ? "scan_item" : "scan_bin" },
            confirmed ? t("pick_scan_item", { n: stop.qty - stop.picked }) : t("pick_scan_bin", { bin: stop.bin }),
          ),
      h(
        "div",
        { class: "stop__item", testid: "pick-item", "data-sku": stop.sku, "data-lot": stop.lot },
        h("div", { class: "stop__sku" }, stop.sku),
        nameAndVariant("stop", stop.name, stop.variant),
        h("div", { class: "stop__lot" }, `${t("lot")} `, h("strong", {}, stop.lot)),
        h("div", { class: "stop__order" }, t("pick_order", { order: stop.order })),
      ),
      h(
        "div",
        { class: "stop__nums" },
        h(
          "div",
          { class: "stop__num", testid: "pick-qty", "data-qty": stop.qty, "data-picked": stop.picked },
          h("span", { class: "stop__num-label" }, t("pick_to_pick")),
          h("span", { class: "stop__num-value" }, String(stop.qty)),
          h("span", { class: "stop__num-sub" }, t("pick_picked_n", { n: stop.picked })),
        ),
        h(
          "div",
          { class: "stop__num stop__num--tote", testid: "pick-tote", "data-slot": stop.tote_slot, "data-tote": toteCode },
          h("span", { class: "stop__num-label" }, t("pick_tote")),
          h("span", { class: "stop__num-value" }, String(stop.tote_slot)),
          h("span", { class: "stop__num-sub" }, toteCode || "—"),
        ),
      ),
    );
  }

  function renderHolds() {
    return heldOrders().map(([order, hold]) =>
      h(
        "div",
        {
          class: `holdbanner ${s.stop?.order === order ? "holdbanner--current" : ""}`,
          testid: "pick-hold-banner",
          role: "alert",
          "data-order": order,
          "data-current": String(s.stop?.order === order),
        },
        h("div", { class: "holdbanner__title" }, "⚠ ", t("pick_hold_title", { order })),
        h(
          "p",
          { class: "holdbanner__text" },
          hold.fromRefusal ? pickText(hold.message) : t("pick_hold_text", { order, reason: hold.reason || "—" }),
        ),
      ),
    );
  }

  function renderTop(root) {
    const parts = [];
    parts.push(...renderCancelled());
    parts.push(...renderHolds());
    if (s.error) parts.push(errorPanel(s.error));
    if (!s.list) {
      parts.push(...renderStart());
      root.replaceChildren(...parts.filter(Boolean));
      return;
    }
    if (s.shortOutcome) parts.push(renderShortOutcome());
    if (s.put) parts.push(renderPut());
    if (s.putDone) parts.push(renderPutDone());
    const slot = nextSlot();
    if (slot == null && s.putDue) parts.push(renderPutDue());
    parts.push(renderHeader(slot == null ? s.stop : null));
    if (slot != null) {
      parts.push(...renderBinding(slot));
    } else if (s.stop) {
      parts.push(renderStop());
    } else if (!s.putDue) {
      parts.push(h("p", { class: "prompt", testid: "pick-prompt", "data-next": "wait" }, t(s.localDone ? "pick_offline_all_scanned" : "pick_waiting")));
    }
    root.replaceChildren(...parts.filter(Boolean));
  }

  function renderBottom(root) {
    if (!s.list || nextSlot() != null || !s.stop) {
      root.replaceChildren();
      return;
    }
    root.replaceChildren(
      button(
        { class: "btn btn--secondary btn--short", testid: "pick-short", disabled: s.shortOpen || s.shortPending != null, onclick: openShort },
        t("pick_short"),
      ),
      h("h2", { class: "listhead__title listhead__title--gap" }, t("pick_totes_title")),
      renderTotes(),
    );
  }

  function render() {
    renderTop(document.getElementById("pick-top"));
    const atStop = Boolean(s.list && s.stop && nextSlot() == null);
    const qtyForm = document.getElementById("pick-qty-form");
    const showQty =
      atStop && !s.shortOpen && !s.holds.has(s.stop.order) && s.lastItem?.task === s.stop.task && s.stop.picked < s.stop.qty;
    qtyForm.hidden = !showQty;
    if (showQty) document.getElementById("pick-qty-label").textContent = t("qty_more_label", { sku: s.lastItem.sku });
    const shortForm = document.getElementById("pick-short-form");
    shortForm.hidden = !(atStop && s.shortOpen);
    if (atStop && s.shortOpen) {
      document.getElementById("pick-short-title").textContent = t("pick_short_form_title", { bin: s.stop.bin });
      document.getElementById("pick-short-label").textContent = t("pick_short_found_label", {
        missing: missingHere(),
        sku: s.stop.sku,
      });
    }
    renderBottom(document.getElementById("pick-bottom"));
  }

  // The static forms (kept across renders, so an answer arriving while the picker types keeps the field).
  onQuantityForm("pick-qty-form", "pick-qty-input", addQuantity, app);
  document.getElementById("pick-short-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = document.getElementById("pick-short-found");
    const value = input.value.trim();
    if (value && !QTY_ONLY.test(value)) {
      // The scanner fired into the field: it is a scan, not a count.
      input.value = "0";
      input.blur();
      onScan(value);
      return;
    }
    input.blur(); // Enter only leaves the field; reporting needs the button
  });
  document.getElementById("pick-short-minus").addEventListener("click", () => stepFound(-1));
  document.getElementById("pick-short-plus").addEventListener("click", () => stepFound(1));
  document.getElementById("pick-short-send").addEventListener("click", reportShort);
  document.getElementById("pick-short-cancel").addEventListener("click", closeShort);

  return {
    name: "pick",
    modes: ["pick", "pick.tote", "pick.put", "pick.short"],
    title: "journey_pick",
    state: s,
    render,
    onScan,
    onAck,
    enter() {
      loadLists();
    },
    back() {
      if (!s.list) return false;
      leaveList(); // the list stays claimed: it waits under "My pick lists"
      app.render();
      return true;
    },
    reset() {
      s.open = null;
      s.openMore = false;
      s.mine = null;
      s.listsError = null;
      s.claiming = null;
      s.nothingToPick = false;
      clearList();
      s.put = null;
      s.putDone = null;
      s.shortOutcome = null;
      s.done = null;
      s.holds.clear();
      s.cancelled.clear();
      s.error = null;
      s.optimistic = [];
      s.replayRefused = false;
      s.localDone = false;
    },
    /** What a reload while offline needs to go on picking: the list in hand and the steps made offline. */
    snapshot() {
      if (!s.list) return null;
      return { list: s.list, stop: s.stop, totes: s.totes, putDue: s.putDue, optimistic: s.optimistic, localDone: s.localDone, holds: [...s.holds] };
    },
    restore(saved) {
      if (!saved?.list) return;
      s.list = saved.list;
      s.stop = saved.stop ?? null;
      s.totes = { ...loadTotes(saved.list.pick_list), ...(saved.totes || {}) };
      s.putDue = saved.putDue ?? null;
      s.optimistic = Array.isArray(saved.optimistic) ? saved.optimistic : [];
      s.localDone = Boolean(saved.localDone);
      s.holds = new Map(Array.isArray(saved.holds) ? saved.holds : []);
    },
  };
}
