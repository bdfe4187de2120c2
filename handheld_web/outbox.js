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
