// The station page's line to the server: the /floor socket in the station's room, and the outbox
// that keeps every scan until the server has answered it (the handheld's rules, README "No scan
// is lost"), plus the scan ids this page sent, so their echoes to the room are not shown twice.

import * as outbox from "./outbox.js";
import { uuid4 } from "./ids.js";

const ACK_TIMEOUT_MS = 5000;
const RETRY_MS = 3000;

/**
 * station: its code; owner(): the outbox key of the signed-in user ("" when nobody is);
 * on: {ack(record, ack), echo(payload), hold(payload), cancelled(payload), printJob(job), status(), connected(),
 *      sessionEnded()}.
 */
export function createLink({ station, owner, on }) {
  const sent = new Set();
  const link = { connected: false, connecting: false, waiting: 0 };
  let socket = null;
  let flushing = false;
  let flushAgain = false;

  async function refreshWaiting() {
    link.waiting = owner() ? await outbox.count(owner()) : 0;
    on.status();
  }

  /** Queue one step {mode, code?, ...}: stored before it is sent; its answer comes to on.ack. */
  function send(fields) {
    const record = { scan_id: uuid4(), station, ...fields, at: new Date().toISOString() };
    sent.add(record.scan_id);
    outbox
      .add(owner(), record)
      .then(async () => {
        await refreshWaiting();
        flush();
      })
      .catch(() => on.ack(record, { ok: false, sound: "error", error: { code: "outbox_failed" } }));
    return record;
  }

  /** Waiting scans one at a time, oldest first; the first one not answered stops the round. */
  async function flush() {
    if (flushing) {
      flushAgain = true;
      return;
    }
    const key = owner();
    if (!key || !socket?.connected) return;
    flushing = true;
    try {
      for (;;) {
        flushAgain = false;
        const entry = await outbox.first(key);
        if (!entry || !socket?.connected || owner() !== key) break;
        sent.add(entry.record.scan_id); // a scan queued before a reload is ours too
        let ack;
        try {
          ack = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck("scan", entry.record);
        } catch {
          break; // no answer: it stays queued and goes again, same scan id, in order
        }
        if (ack?.error?.code === "not_authenticated") {
          on.sessionEnded();
          break;
        }
        await outbox.remove(entry.seq);
        on.ack(entry.record, ack);
      }
    } finally {
      flushing = false;
      await refreshWaiting();
      if (flushAgain) flush();
    }
  }

  function setState(connected, connecting = false) {
    link.connected = connected;
    link.connecting = connecting;
    on.status();
  }

  function connect() {
    disconnect();
    const mine = window.io("/floor", {
      transports: ["websocket"],
      auth: { station, device: station },
      reconnectionDelay: 500,
      reconnectionDelayMax: 3000,
    });
    mine.on("connect", async () => {
      setState(true);
      await on.connected(); // catch up on what happened while away, then send what waits
      flush();
    });
    mine.on("disconnect", () => setState(false));
    mine.on("connect_error", (error) => {
      setState(false);
      if (mine.active) return; // a network failure: the client retries by itself
      if (error?.data?.code === "not_authenticated") on.sessionEnded();
      else setTimeout(() => socket === mine && mine.connect(), RETRY_MS);
    });
    mine.on("station_scan", (payload) => {
      if (socket === mine && !sent.has(payload?.ack?.scan_id)) on.echo(payload);
    });
    mine.on("hold", (payload) => socket === mine && on.hold(payload));
    mine.on("print_job", (job) => socket === mine && on.printJob(job));
    mine.on("scale_weight", (payload) => socket === mine && on.scale?.(payload));
    mine.on("order_cancelled", (payload) => socket === mine && on.cancelled?.(payload));
    socket = mine;
    setState(false, true);
  }

  function disconnect() {
    if (socket) {
      socket.removeAllListeners();
      socket.disconnect();
      socket = null;
    }
    setState(false);
  }

  setInterval(() => {
    if (socket?.connected && link.waiting > 0) flush();
  }, RETRY_MS);
  window.addEventListener("online", () => socket && !socket.connected && socket.connect());

  return Object.assign(link, { send, connect, disconnect, flush, refreshWaiting });
}
