// The handheld's service worker: keeps the app shell (index.html, the JS modules, CSS, the
// Socket.IO client) in a versioned cache so the app opens and runs through a Wi-Fi drop.
// Cache-first for the shell; /api, the socket and anything outside /hh/ go to the network untouched.
//
// The server prepends `self.HH_SHELL = {version, files}` (a hash of the shell files and their
// names) when it serves /hh/sw.js, so any change to the shell makes a new worker whose cache
// replaces the old one. Served as a plain file, the fallback below still works.

const SHELL = self.HH_SHELL || {
  version: "dev",
  files: ["./", "app.css", "app.js", "i18n.js", "feedback.js", "wedge.js", "outbox.js", "ids.js", "ui.js",
    "pick.js", "receive.js", "inspect.js", "putaway.js", "returns.js", "vendor/socket.io.min.js"],
};
const PREFIX = "hh-shell-";
const CACHE = PREFIX + SHELL.version;
const SCOPE = new URL("./", self.location).pathname; // "/hh/"

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // One by one and fresh from the server: a file missing from the list must not stop the install.
      await Promise.all(
        SHELL.files.map(async (file) => {
          try {
            const response = await fetch(new Request(file, { cache: "reload" }));
            if (response.ok) await cache.put(file, response);
          } catch {
            // Offline during install: this worker tries again at the next update.
          }
        }),
      );
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name); // the old version
      }
      await self.clients.claim();
    })(),
  );
});

function isShell(url) {
  return (
    url.origin === self.location.origin &&
    url.pathname.startsWith(SCOPE) &&
    url.pathname !== `${SCOPE}sw.js` &&
    !url.pathname.startsWith(`${SCOPE}api/`) &&
    !url.pathname.startsWith(`${SCOPE}vendor/zpl-renderer-js/`) // ~9 MB, label previews only
  );
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (!isShell(url)) return; // /api, /socket.io, /sup …: the network, as without a worker
  const navigation = request.mode === "navigate";
  if (navigation && url.pathname !== SCOPE && url.pathname !== `${SCOPE}index.html`) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      const key = navigation ? SCOPE : request;
      const cached = await cache.match(key, { ignoreSearch: navigation });
      if (cached) return cached;
      const response = await fetch(request);
      // A shell file not in the list (a module added since): kept for the next offline start.
      if (response.ok && !navigation && response.type === "basic") await cache.put(request, response.clone());
      return response;
    })(),
  );
});
