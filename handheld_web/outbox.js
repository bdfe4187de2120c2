// The IndexedDB outbox: every scan is stored here before it is sent and removed only once the
// server has acknowledged it, so no scan is lost to a Wi-Fi drop or a page reload.

const DB_NAME = "hh-floor";
const STORE = "outbox";

let dbPromise = null;

function open() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => {
        // seq (auto-increment) keeps the scan order; scan_id is unique per scan.
        const store = req.result.createObjectStore(STORE, { keyPath: "seq", autoIncrement: true });
        store.createIndex("scan_id", "record.scan_id", { unique: true });
        store.createIndex("user_id", "user_id");
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return dbPromise;
}

function run(mode, work) {
  return open().then(
    (db) =>
      new Promise((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const result = work(tx.objectStore(STORE));
        tx.oncomplete = () => resolve(result.value);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      }),
  );
}

function request(req, holder) {
  req.onsuccess = () => {
    holder.value = req.result;
  };
  return holder;
}

/** Store a scan record for userId; resolves once it is durably written. */
export function add(userId, record) {
  return run("readwrite", (store) =>
    request(store.add({ user_id: userId, record, queued_at: Date.now() }), {}),
  );
}

/** The user's waiting entries, oldest first: [{seq, user_id, record}]. */
export function pending(userId) {
  return run("readonly", (store) => {
    const holder = { value: [] };
    const req = store.index("user_id").getAll(IDBKeyRange.only(userId));
    req.onsuccess = () => {
      holder.value = req.result.sort((a, b) => a.seq - b.seq);
    };
    return holder;
  });
}

/** The oldest waiting entry of the user, or undefined. */
export async function first(userId) {
  return (await pending(userId))[0];
}

export function remove(seq) {
  return run("readwrite", (store) => request(store.delete(seq), {}));
}

export function count(userId) {
  return run("readonly", (store) =>
    request(store.index("user_id").count(IDBKeyRange.only(userId)), { value: 0 }),
  );
}

// ---------- the queue as the user sees it ----------
// Scans that waited in the outbox (made offline, or still there after a reload) are listed:
// pending until their answer comes, then ok or error, in the order they were replayed. Refused
// ones stay until the user acknowledges each ("Got it"); the log is kept per user in localStorage.

const LOG_KEY = "hh.queue."; // + user key
const LOG_MAX = 100;

/** The list of queued scans and their answers; onChange() is called after every change. */
export function createQueueLog({ describe, onChange }) {
  let user = "";
  let entries = [];

  function save() {
    if (!user) return;
    try {
      if (entries.length) localStorage.setItem(LOG_KEY + user, JSON.stringify(entries));
      else localStorage.removeItem(LOG_KEY + user);
    } catch {
      // Storage full or refused: the outbox itself is in IndexedDB; only this list is lost on a reload.
    }
  }

  function changed() {
    save();
    onChange();
  }

  function entryOf(record) {
    return {
      scan_id: record.scan_id,
      mode: record.mode || "lookup",
      code: record.code || "",
      label: describe(record),
      at: record.at || new Date().toISOString(),
      state: "pending",
    };
  }

  return {
    /** Switch to a user's log (null: nobody signed in). */
    load(userKey) {
      user = userKey || "";
      entries = [];
      if (user) {
        try {
          const stored = JSON.parse(localStorage.getItem(LOG_KEY + user) || "[]");
          if (Array.isArray(stored)) entries = stored.filter((entry) => entry && entry.scan_id);
        } catch {
          entries = [];
        }
      }
      onChange();
    },
    /** A scan that waits for the connection (added once). */
    track(record) {
      if (!user || entries.some((entry) => entry.scan_id === record.scan_id)) return;
      entries.push(entryOf(record));
      if (entries.length > LOG_MAX) entries = entries.slice(-LOG_MAX);
      changed();
    },
    /** Line the log up with the outbox: every waiting record listed. With settle (at sign-in, nothing
     * in flight), listed "pending" ones no longer waiting were answered before a reload could show it. */
    sync(waiting, settle = false) {
      if (!user) return;
      const ids = new Set(waiting.map((entry) => entry.record.scan_id));
      if (settle) {
        for (const entry of entries) if (entry.state === "pending" && !ids.has(entry.scan_id)) entry.state = "sent";
      }
      for (const { record } of waiting) {
        if (!entries.some((entry) => entry.scan_id === record.scan_id)) entries.push(entryOf(record));
      }
      changed();
    },
    /** The server's answer to a listed scan (from its store when it is a replay). */
    answered(record, ack) {
      const entry = entries.find((row) => row.scan_id === record.scan_id);
      if (!entry) return;
      entry.state = ack?.ok === true ? "ok" : "error";
      entry.answered_at = new Date().toISOString();
      if (entry.state === "error") {
        entry.error = { code: ack?.error?.code || "", message: ack?.error?.message || null };
      }
      changed();
    },
    /** The user has seen a refused scan and dealt with it. */
    acknowledge(scanId) {
      entries = entries.filter((entry) => !(entry.scan_id === scanId && entry.state === "error"));
      changed();
    },
    /** Drop the answered ones that need nothing more (ok, sent); refusals stay until acknowledged. */
    clearDone() {
      const before = entries.length;
      entries = entries.filter((entry) => entry.state === "pending" || entry.state === "error");
      if (entries.length !== before) changed();
    },
    entries: () => entries.map((entry) => ({ ...entry })),
    counts() {
      const count = (state) => entries.filter((entry) => entry.state === state).length;
      return { pending: count("pending"), errors: count("error"), done: count("ok") + count("sent"), all: entries.length };
    },
  };
}
