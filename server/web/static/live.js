// A supervisor page's changing part, kept up to date: fetched again (an HTML fragment) whenever the floor
// reports something on Socket.IO /floor (the supervisors' room), and every `every` ms for the clocks.
// <script src="/hh/vendor/socket.io.min.js"> first. Used by the picking dashboard and the wave board.
function liveFragment(options) {
  const target = document.getElementById(options.target);
  const state = document.querySelector(options.state);
  const socket = io("/floor", { transports: ["websocket"], auth: { device: "DASHBOARD" } });
  let pending = null;
  async function refresh() {
    const answer = await fetch(options.url, { credentials: "same-origin" });
    if (answer.ok) target.innerHTML = await answer.text();
  }
  function soon() { clearTimeout(pending); pending = setTimeout(refresh, 150); }
  socket.on("connect", () => { state.textContent = options.words.live; state.dataset.state = "live"; refresh(); });
  socket.on("disconnect", () => { state.textContent = options.words.reconnecting; state.dataset.state = "reconnecting"; });
  (options.events || ["progress", "hold", "stock_alert"]).forEach((name) => socket.on(name, soon));
  if (options.every) setInterval(refresh, options.every);
  return { refresh };
}
