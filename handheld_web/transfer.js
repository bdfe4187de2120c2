// The Transfer journey (调拨): scan the bin the units come from, the item, key in how many, scan the bin
// they go to. The device keeps the first three; the to-bin scan carries them all in one `transfer` step,
// so the move is one atomic, idempotent record. A to-bin in another warehouse sends the units on the
// road (in transit); units arriving here are received by tapping their transfer and scanning the bin.

import { t } from "./i18n.js";
import { button, errorPanel, h, nameAndVariant } from "./ui.js";
import { isBinCode } from "./count.js";

const QTY_ONLY = /^\d{1,5}$/;
const STEPS = ["from", "item", "qty", "to"];

export function createTransfer(app) {
  const s = {
    step: "from",
    from: null, // the from-bin code as scanned
    item: null, // the item code as scanned (a GS1 code keeps its lot)
    qty: 1,
    pending: null, // the transfer record waiting for its answer
    done: null, // the last answer's result: {transfers, in_transit}
    arriving: null, // transfers in transit, GET /api/v1/transfers?status=in_transit
    arrivingError: null,
    arrivingLoading: false,
    receiving: null, // the in-transit transfer chosen to receive
    received: null, // the transfer just received
    error: null,
  };

  function loadArriving() {
    return app.loadList(s, "/api/v1/transfers?status=in_transit", {
      list: "arriving",
      loading: "arrivingLoading",
      error: "arrivingError",
    });
  }

  const refuse = (code, key, vars) => app.refuse(s, code, key, vars);

  function startOver() {
    s.step = "from";
    s.from = null;
    s.item = null;
    s.qty = 1;
  }

  // ---------- input ----------

  function onScan(code) {
    s.error = null;
    if (s.pending) return refuse(code, "transfer_wait", { bin: s.pending.code });
    if (s.receiving) {
      if (!isBinCode(code)) return refuse(code, "transfer_scan_to_bin");
      s.pending = app.send({ mode: "transfer.receive", code, transfer: s.receiving.transfer });
      app.render();
      return;
    }
    s.received = null;
    if (s.step === "from") {
      if (!isBinCode(code)) return refuse(code, "transfer_scan_from_bin");
      s.done = null;
      s.from = code;
      s.step = "item";
    } else if (s.step === "item") {
      if (isBinCode(code)) return refuse(code, "transfer_scan_item", { bin: s.from });
      s.item = code;
      s.qty = 1;
      s.step = "qty";
    } else if (s.step === "qty" && !isBinCode(code)) {
      if (code !== s.item) return refuse(code, "transfer_one_item", { item: s.item });
      s.qty += 1; // the same item scanned again: one more unit
    } else {
      if (!isBinCode(code)) return refuse(code, "transfer_scan_to_bin");
      s.pending = app.send({ mode: "transfer", code, from_bin: s.from, item: s.item, qty: s.qty });
      app.render();
      return;
    }
    app.signal("ok"); // a step kept on the device: the answer comes with the to-bin scan
    app.render();
  }

  function setQuantity(raw) {
    const value = String(raw || "").trim();
    if (!value) return;
    if (!QTY_ONLY.test(value)) {
      onScan(value); // the scanner fired into the quantity field: it is a scan
      return;
    }
    if (Number(value) < 1) return refuse(value, "transfer_qty_bad");
    s.error = null;
    s.qty = Number(value);
    s.step = "to";
    app.render();
  }

  // ---------- answers ----------

  function onAck(record, ack) {
    if (s.pending?.scan_id === record.scan_id) s.pending = null;
    if (ack?.ok !== true) {
      s.error = { record, ack }; // the steps are kept: scan another to-bin, or go back
      return;
    }
    if (record.mode === "transfer.receive") {
      s.received = ack.result.transfer;
      s.receiving = null;
      loadArriving();
    } else {
      s.done = ack.result;
      startOver();
      if (ack.result.in_transit) loadArriving();
    }
    app.scrollTop();
  }

  // ---------- screen ----------

  function renderSteps() {
    const value = { from: s.from, item: s.item, qty: s.step === "qty" || s.step === "to" ? s.qty : null, to: null };
    return h(
      "ol",
      { class: "lines", testid: "transfer-steps", "data-step": s.step },
      STEPS.map((step) =>
        h(
          "li",
          { class: `line ${s.step === step ? "rline--hit" : ""}`, testid: `transfer-step-${step}`, "data-value": value[step] ?? "" },
          h("div", { class: "line__main" }, h("div", { class: "line__sub" }, t(`transfer_step_${step}`))),
          h("div", { class: "line__qty" }, value[step] != null ? String(value[step]) : "—"),
        ),
      ),
    );
  }

  function renderDone() {
    const moved = s.done.transfers || [];
    return h(
      "section",
      { class: "card card--done", testid: "transfer-done", "data-in-transit": String(Boolean(s.done.in_transit)) },
      h("div", { class: "card__kind" }, s.done.in_transit ? t("transfer_in_transit") : t("transfer_done_title")),
      moved.map((row) =>
        h(
          "div",
          { class: "line", testid: "transfer-moved", "data-transfer": row.transfer, "data-lot": row.lot, "data-qty": row.qty },
          h("div", { class: "line__main" }, h("div", { class: "line__sku" }, row.sku), nameAndVariant("line", row.name, row.variant),
            h("div", { class: "line__sub" }, `${t("lot")} ${row.lot} · ${row.from_bin} → ${row.to_bin || row.to_warehouse}`)),
          h("div", { class: "line__qty" }, String(row.qty)),
        ),
      ),
    );
  }

  function renderArriving() {
    const parts = [
      h(
        "div",
        { class: "listhead" },
        h("h2", { class: "listhead__title" }, t("transfer_arriving_title")),
        button({ class: "btn btn--small", testid: "transfer-refresh", onclick: loadArriving }, t("refresh")),
      ),
    ];
    if (s.arrivingError) parts.push(errorPanel({ ...s.arrivingError, titleKey: "list_error_title" }));
    parts.push(
      h(
        "ul",
        { class: "picklist", testid: "transfer-arriving" },
        (s.arriving || []).map((row) =>
          h(
            "li",
            {},
            button(
              { class: "pick", testid: "transfer-arriving-item", "data-transfer": row.transfer, onclick: () => { s.receiving = row; s.error = null; app.render(); } },
              h("div", { class: "pick__head" }, h("span", { class: "pick__code" }, `${row.qty} × ${row.sku}`), h("span", { class: "pick__wave" }, row.to_warehouse)),
              h("div", { class: "pick__todo" }, `${t("lot")} ${row.lot} · ${row.from_bin} → ${row.to_bin || row.to_warehouse}`),
            ),
          ),
        ),
      ),
    );
    if (s.arriving && !s.arriving.length) parts.push(h("p", { class: "hint" }, t("transfer_none_arriving")));
    return parts;
  }

  function prompt() {
    if (s.pending) return ["wait", t("transfer_sending")];
    if (s.receiving) return ["scan_to_bin", t("transfer_receive_prompt", { qty: s.receiving.qty, sku: s.receiving.sku, warehouse: s.receiving.to_warehouse })];
    return [`scan_${s.step}`, t(`transfer_prompt_${s.step}`, { bin: s.from || "", qty: s.qty })];
  }

  function render() {
    const root = document.getElementById("transfer-top");
    const parts = [];
    if (s.error) parts.push(errorPanel(s.error));
    if (s.received) {
      parts.push(h("p", { class: "card card--done", testid: "transfer-received", "data-transfer": s.received.transfer },
        t("transfer_received", { qty: s.received.qty, sku: s.received.sku, bin: s.received.to_bin })));
    }
    if (s.done && s.step === "from" && !s.receiving) parts.push(renderDone());
    const [next, text] = prompt();
    parts.push(h("p", { class: "prompt", testid: "transfer-prompt", "data-next": next }, text));
    if (!s.receiving) parts.push(renderSteps());
    root.replaceChildren(...parts.filter(Boolean));
    const form = document.getElementById("transfer-qty-form");
    form.hidden = !(s.step === "qty" && !s.receiving && !s.pending);
    if (!form.hidden) document.getElementById("transfer-qty-input").placeholder = String(s.qty);
    const bottom = document.getElementById("transfer-bottom");
    bottom.replaceChildren(...(s.step === "from" && !s.receiving ? renderArriving() : []));
  }

  document.getElementById("transfer-qty-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = document.getElementById("transfer-qty-input");
    const value = input.value.trim() || String(s.qty);
    input.value = "";
    input.blur();
    setQuantity(value);
    app.focusScan();
  });

  return {
    name: "transfer",
    modes: ["transfer", "transfer.receive"],
    title: "journey_transfer",
    state: s,
    render,
    onScan,
    onAck,
    enter() {
      loadArriving();
    },
    back() {
      if (s.pending) return false;
      s.error = null;
      if (s.receiving) {
        s.receiving = null;
      } else if (s.step !== "from") {
        s.step = STEPS[STEPS.indexOf(s.step) - 1]; // one step back; what was scanned there is scanned again
      } else {
        return false;
      }
      app.render();
      return true;
    },
    reset() {
      startOver();
      s.pending = null;
      s.done = null;
      s.arriving = null;
      s.arrivingError = null;
      s.receiving = null;
      s.received = null;
      s.error = null;
    },
  };
}
