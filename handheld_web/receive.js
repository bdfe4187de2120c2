// The Receive journey: scan the PO (or pick it from the open POs), check each carton's outer
// packaging, count the items into the carton, confirm (sign) the count. Every step is a scan record
// through the outbox; the server's answers (the whole receipt each time) drive the screen.

import { t, tn, when as whenAt } from "./i18n.js";
import { button, errorPanel, h, nameAndVariant, onQuantityForm, planSummary, termOr } from "./ui.js";

export const CONDITIONS = ["intact", "deformed", "damaged", "wet", "mouldy"];
const PO_CODE = /^(\][A-Za-z]\d)?PO-/i;
const QTY_ONLY = /^\d{1,5}$/;

export function isPoCode(code) {
  return PO_CODE.test(String(code || "").trim());
}

export function createReceive(app) {
  const s = {
    receipt: null, // the receipt as the server last showed it
    carton: null, // the carton being counted: {seq, condition, flagged, replacement_requested, sent}
    nextSeq: 1, // the seq the server will give the next checked carton
    checking: false, // the packaging-check buttons are up (no carton yet, or "next carton")
    returnedGoods: false,
    poPending: null, // the PO scan waiting for its answer
    confirming: null, // the confirm action waiting for its answer
    lastCount: null, // {code, sku, qty, open} of the last accepted count (for "+ quantity")
    highlight: null, // sku of the line just counted
    confirmed: null, // {result, at} of the last confirmed receipt
    error: null,
    pos: null, // open POs, from GET /api/v1/purchase-orders?status=open
    posError: null,
    posLoading: false,
    poSupplier: null, // the supplier the PO list is narrowed to (null: all)
  };

  const receiptId = () => s.receipt?.receipt ?? null;

  function adoptReceipt(view) {
    const { counted, carton, ...receipt } = view;
    const changed = receiptId() !== receipt.receipt;
    s.receipt = receipt;
    const cartons = receipt.cartons || [];
    const lastSeq = cartons.reduce((max, c) => Math.max(max, c.seq), 0);
    if (changed) {
      const last = cartons[cartons.length - 1];
      s.carton = last ? { ...last, sent: true } : null;
      s.nextSeq = lastSeq + 1;
      s.checking = !last;
      s.lastCount = null;
      s.highlight = null;
    } else {
      s.nextSeq = Math.max(s.nextSeq, lastSeq + 1);
    }
  }

  function clearReceipt() {
    s.receipt = null;
    s.carton = null;
    s.checking = false;
    s.nextSeq = 1;
    s.lastCount = null;
    s.highlight = null;
  }

  function refuse(record, key, vars) {
    s.error = { record, key, vars };
    app.signal("error");
    app.render();
  }

  function loadPos() {
    return app.loadList(s, "/api/v1/purchase-orders?status=open", {
      list: "pos",
      loading: "posLoading",
      error: "posError",
    });
  }

  // ---------- input ----------

  /** Open a PO: the one step for a scanned PO number and for a PO tapped in the list. */
  function openPo(code) {
    s.error = null;
    const fields = { mode: "receive", code };
    if (s.returnedGoods) fields.returned_goods = true;
    s.confirmed = null;
    s.poPending = app.send(fields);
    app.render();
  }

  function onScan(code) {
    s.error = null;
    if (isPoCode(code)) return openPo(code);
    const local = { code, scan_id: "" };
    if (s.poPending) return refuse(local, "receive_wait_po", { po: s.poPending.code });
    if (!s.receipt) return refuse(local, "receive_scan_po_first");
    if (s.confirming) return refuse(local, "receive_confirming");
    if (s.checking || !s.carton) return refuse(local, "receive_check_carton_first", { n: s.nextSeq });
    count(code, 1);
  }

  function count(code, qty) {
    const fields = { mode: "receive", code, receipt: receiptId(), carton: s.carton.seq, qty };
    const expiry = document.getElementById("expiry-input").value;
    if (expiry) fields.expiry = expiry; // the server reads it only for items with a shelf life
    app.send(fields);
  }

  function checkCarton(condition) {
    if (!s.receipt || s.confirming) return;
    s.error = null;
    s.carton = { seq: s.nextSeq, condition, flagged: condition !== "intact", sent: false };
    s.nextSeq += 1;
    s.checking = false;
    s.lastCount = null;
    app.send({ mode: "receive.carton", receipt: receiptId(), condition });
  }

  /** The "+ quantity" field: more units of the item counted last (scan once, key in the rest). */
  function addQuantity(raw) {
    const value = String(raw || "").trim();
    if (!value) return;
    if (!QTY_ONLY.test(value)) {
      // A scanner fired into the quantity field: it is a scan, not a quantity.
      onScan(value);
      return;
    }
    s.error = null;
    const qty = Number(value);
    if (!s.lastCount || !s.receipt || s.checking || !s.carton || s.confirming) {
      return refuse({ code: value, scan_id: "" }, "receive_qty_needs_scan");
    }
    if (qty < 1) return refuse({ code: value, scan_id: "" }, "receive_qty_bad");
    count(s.lastCount.code, qty);
  }

  async function confirmCount() {
    if (!s.receipt || s.confirming) return;
    s.error = null;
    const lines = s.receipt.po?.lines || [];
    const units = lines.reduce((sum, line) => sum + (line.counted_here || 0), 0);
    const countedLines = lines.filter((line) => line.counted_here > 0).length;
    let text = t("receive_confirm_question", {
      po: s.receipt.po?.number || "",
      units: tn("receive_confirm_units", units),
      lines: countedLines,
      cartons: (s.receipt.cartons || []).length,
      name: app.userName(),
    });
    if (app.waiting() > 0) text += ` ${t("receive_confirm_waiting", { n: app.waiting() })}`;
    if (!(await app.askConfirm(text))) return;
    s.confirming = app.send({ mode: "receive.confirm", receipt: receiptId() });
    app.render();
  }

  // ---------- answers ----------

  function onAck(record, ack) {
    const ok = ack?.ok === true;
    if (record.mode === "receive" && isPoCode(record.code)) {
      if (s.poPending?.scan_id === record.scan_id) s.poPending = null;
      if (ok) {
        s.returnedGoods = false;
        adoptReceipt(ack.result);
        s.confirmed = null;
        app.scrollTop();
      } else {
        s.error = { record, ack };
        loadPos(); // e.g. closed meanwhile: the list should not offer it again
      }
      return;
    }
    const mine = record.receipt == null || record.receipt === receiptId() || !s.receipt;
    if (record.mode === "receive.confirm") {
      if (s.confirming?.scan_id === record.scan_id) s.confirming = null;
      if (ok) {
        s.confirmed = { result: ack.result, at: record.at };
        if (mine) clearReceipt();
        app.scrollTop();
        loadPos(); // what is still open has changed
      } else {
        s.error = { record, ack };
      }
      return;
    }
    if (!ok) {
      s.error = { record, ack };
      if (record.mode === "receive.carton" && mine && s.receipt) {
        // The carton was not recorded: back to the server's last carton and the check buttons.
        const cartons = s.receipt.cartons || [];
        const last = cartons[cartons.length - 1];
        s.carton = last ? { ...last, sent: true } : null;
        s.nextSeq = (last?.seq || 0) + 1;
        s.checking = true;
      }
      return;
    }
    if (!mine || !ack.result) return;
    adoptReceipt(ack.result);
    if (record.mode === "receive.carton" && ack.result.carton) {
      const carton = ack.result.carton;
      if (!s.carton || s.carton.seq === carton.seq) s.carton = { ...carton, sent: true };
    } else if (record.mode === "receive" && ack.result.counted) {
      const counted = ack.result.counted;
      s.lastCount = { code: record.code, sku: counted.sku, qty: counted.qty, open: counted.open };
      s.highlight = counted.sku;
    }
  }

  // ---------- screen ----------

  function renderLots(confirmed) {
    const { result, at } = confirmed;
    const list = h("ul", { class: "lots" });
    for (const lot of result.lots || []) {
      const progress = lot.progress || {};
      const flaggedLeft = (progress.flagged_target || 0) - (progress.flagged_done || 0);
      list.append(
        h(
          "li",
          { class: "lot", testid: "receive-lot", "data-lot": lot.lot, "data-inspection": lot.inspection },
          h("div", { class: "lot__head" }, h("span", { class: "lot__code" }, lot.lot), h("span", { class: "lot__qty" }, `${t("qty")} ${lot.lot_qty}`)),
          h("div", { class: "line__sku" }, lot.sku),
          nameAndVariant("line", lot.name, lot.variant),
          h(
            "p",
            { class: "lot__plan", testid: "lot-plan", "data-remaining": progress.remaining ?? "" },
            tn("inspect_n_units", progress.remaining ?? "?"),
          ),
          flaggedLeft > 0 ? h("p", { class: "lot__flagged" }, tn("inspect_flagged_first", flaggedLeft)) : null,
          h("p", { class: "lot__sub" }, planSummary(lot.plan)),
        ),
      );
    }
    const when = at ? whenAt(at, { timeOnly: true }) : "";
    return h(
      "section",
      { class: "card card--done", testid: "receive-lots", "data-receipt": result.receipt },
      h("div", { class: "card__kind" }, t("receive_confirmed")),
      h("p", { class: "card__meta", testid: "receive-signed", "data-user": result.signed_by || "" }, t("receive_signed_by", { name: app.displayName(result.signed_by), time: when })),
      list,
    );
  }

  function renderPrompt(key, vars, next) {
    return h("p", { class: "prompt", testid: "receive-prompt", "data-next": next }, t(key, vars));
  }

  function renderCartonState() {
    const carton = s.carton;
    if (!carton) return null;
    const flagged = Boolean(carton.flagged);
    return h(
      "div",
      {
        class: `carton ${flagged ? "carton--flagged" : ""}`,
        testid: "carton-current",
        "data-seq": carton.seq,
        "data-condition": carton.condition,
        "data-flagged": String(flagged),
      },
      h(
        "div",
        { class: "carton__title" },
        t("carton_n", { n: carton.seq }),
        " · ",
        termOr("condition", carton.condition),
      ),
      flagged ? h("p", { class: "carton__flag" }, t("carton_flagged")) : null,
      h("p", { class: "carton__prompt", testid: "receive-prompt", "data-next": "scan_item" }, t("receive_scan_items", { n: carton.seq })),
    );
  }

  function renderCheck() {
    const grid = h("div", { class: "conditions" });
    for (const condition of CONDITIONS) {
      grid.append(
        button(
          {
            class: `btn btn--condition btn--condition-${condition}`,
            testid: `condition-${condition}`,
            "data-condition": condition,
            onclick: () => checkCarton(condition),
          },
          termOr("condition", condition),
        ),
      );
    }
    return h(
      "section",
      { class: "check", testid: "carton-check", "data-seq": s.nextSeq },
      h("h2", { class: "check__title" }, t("carton_check_title", { n: s.nextSeq })),
      h("p", { class: "hint" }, t("carton_check_hint")),
      grid,
      s.carton
        ? button(
            { class: "btn btn--small check__cancel", testid: "carton-check-cancel", onclick: () => { s.checking = false; app.render(); } },
            t("carton_back_to", { n: s.carton.seq }),
          )
        : null,
    );
  }

  function renderLines() {
    const list = h("ul", { class: "lines rlines", testid: "receive-lines" });
    for (const line of s.receipt.po?.lines || []) {
      const earlier = (line.received || 0) - (line.counted_here || 0);
      const number = (labelKey, value, testid, cls = "") =>
        h("div", { class: `num ${cls}` }, h("span", { class: "num__label" }, t(labelKey)), h("span", { class: "num__value", testid }, String(value)));
      list.append(
        h(
          "li",
          {
            class: `rline ${s.highlight === line.sku ? "rline--hit" : ""} ${line.open === 0 ? "rline--full" : ""}`,
            testid: "receive-line",
            "data-sku": line.sku,
            "data-open": line.open,
            "data-counted": line.counted_here,
          },
          h("div", { class: "rline__main" }, h("div", { class: "line__sku" }, line.sku), nameAndVariant("line", line.name, line.variant)),
          h(
            "div",
            { class: "rline__nums" },
            number("ordered", line.ordered, "line-ordered"),
            number("received_earlier", earlier, "line-earlier"),
            number("counted_here", line.counted_here ?? 0, "line-counted", "num--here"),
            number("open_qty", line.open, "line-open", "num--open"),
          ),
        ),
      );
    }
    return list;
  }

  function renderTop(root) {
    const parts = [];
    if (s.error) parts.push(errorPanel(s.error));
    if (!s.receipt || s.poPending) {
      if (s.confirmed && !s.poPending) parts.push(renderLots(s.confirmed));
      if (s.poPending) {
        parts.push(renderPrompt("receive_opening_po", { po: s.poPending.code }, "wait_po"));
      } else {
        parts.push(renderPrompt(s.confirmed ? "receive_scan_next_po" : "receive_scan_po", {}, "scan_po"));
      }
      if (!s.poPending) {
        parts.push(
          button(
            {
              class: `toggle ${s.returnedGoods ? "toggle--on" : ""}`,
              testid: "returned-goods",
              role: "switch",
              "aria-checked": String(s.returnedGoods),
              onclick: () => {
                s.returnedGoods = !s.returnedGoods;
                app.render();
              },
            },
            h("span", { class: "toggle__box", "aria-hidden": "true" }, s.returnedGoods ? "✔" : ""),
            h("span", { class: "toggle__text" }, h("strong", {}, t("returned_goods")), h("span", { class: "toggle__hint" }, t("returned_goods_hint"))),
          ),
        );
      }
      root.replaceChildren(...parts);
      return;
    }
    const po = s.receipt.po || {};
    parts.unshift(
      h(
        "header",
        { class: "po", testid: "receive-po", "data-po": po.number, "data-receipt": s.receipt.receipt },
        h("div", { class: "po__number" }, po.number),
        h("div", { class: "po__supplier" }, [po.supplier, po.supplier_name].filter(Boolean).join(" · ")),
        s.receipt.returned_goods ? h("div", { class: "badge badge--warn", testid: "receive-returned" }, t("returned_goods_badge")) : null,
      ),
    );
    if (s.confirming) {
      parts.push(renderPrompt("receive_confirming", {}, "wait_confirm"));
    } else if (s.checking || !s.carton) {
      parts.push(renderCheck());
    } else {
      parts.push(renderCartonState());
      if (s.lastCount) {
        parts.push(
          h(
            "p",
            { class: "counted", testid: "receive-counted", "data-sku": s.lastCount.sku },
            t("receive_counted", { qty: s.lastCount.qty, sku: s.lastCount.sku, open: s.lastCount.open }),
          ),
        );
      }
    }
    root.replaceChildren(...parts);
  }

  // ---------- the open POs: tap one instead of scanning its number ----------

  /** The POs worth offering: open, with units still to receive; earliest expected first. */
  function openPos() {
    const entries = [];
    for (const po of s.pos || []) {
      if (po.status && po.status !== "open") continue;
      const open = (po.lines || []).filter((line) => (line.open || 0) > 0);
      const units = open.reduce((sum, line) => sum + line.open, 0);
      if (units > 0) entries.push({ po, units, lines: open.length });
    }
    const undated = "9999-99-99";
    return entries.sort(
      (a, b) =>
        (a.po.expected_on || undated).localeCompare(b.po.expected_on || undated) ||
        String(a.po.number).localeCompare(String(b.po.number)),
    );
  }

  function localToday() {
    const now = new Date();
    const pad = (n) => String(n).padStart(2, "0");
    return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  }

  function renderExpected(expected, today) {
    if (!expected) return h("span", { class: "pick__date pick__date--none", testid: "po-expected", "data-date": "" }, t("po_no_date"));
    const cls = expected < today ? "pick__date--late" : expected === today ? "pick__date--today" : "";
    const text = expected === today ? t("po_expected_today") : t("po_expected", { date: expected });
    return h("span", { class: `pick__date ${cls}`, testid: "po-expected", "data-date": expected }, text);
  }

  function renderPoItem({ po, units, lines }, today) {
    return h(
      "li",
      {},
      button(
        {
          class: "pick pick--po",
          testid: "po-item",
          "data-po": po.number,
          "data-supplier": po.supplier,
          "data-open": units,
          onclick: () => openPo(po.number),
        },
        h("div", { class: "pick__head" }, h("span", { class: "pick__code" }, po.number), renderExpected(po.expected_on, today)),
        h("div", { class: "pick__supplier" }, [po.supplier, po.supplier_name].filter(Boolean).join(" · ")),
        h(
          "div",
          { class: "pick__todo", testid: "po-open-units", "data-units": units },
          tn("po_units_open", units),
          " · ",
          tn("po_lines_open", lines),
        ),
      ),
    );
  }

  function renderPoList() {
    const parts = [
      h(
        "div",
        { class: "listhead" },
        h("h2", { class: "listhead__title" }, t("po_open_title")),
        button({ class: "btn btn--small", testid: "po-refresh", onclick: loadPos }, t("refresh")),
      ),
    ];
    if (s.posError) parts.push(errorPanel({ ...s.posError, titleKey: "list_error_title" }));
    if (s.posLoading && !s.pos) parts.push(h("p", { class: "hint" }, t("loading")));
    const entries = openPos();
    const groups = new Map(); // supplier code -> {code, name, entries}
    for (const entry of entries) {
      const code = entry.po.supplier || "";
      if (!groups.has(code)) groups.set(code, { code, name: entry.po.supplier_name || "", entries: [] });
      groups.get(code).entries.push(entry);
    }
    const suppliers = [...groups.values()].sort((a, b) => a.code.localeCompare(b.code));
    const chosen = s.poSupplier != null && groups.has(s.poSupplier) ? s.poSupplier : null;
    if (suppliers.length > 1) {
      const chip = (code, label, count) =>
        button(
          {
            class: `chip ${chosen === code ? "chip--on" : ""}`,
            "data-supplier": code ?? "",
            "aria-pressed": String(chosen === code),
            onclick: () => {
              s.poSupplier = code;
              app.render();
            },
          },
          h("span", { class: "chip__label" }, label),
          h("span", { class: "chip__count" }, String(count)),
        );
      parts.push(
        h(
          "div",
          { class: "chips", testid: "po-supplier-filter", role: "group", "aria-label": t("po_supplier") },
          chip(null, t("po_all_suppliers"), entries.length),
          suppliers.map((group) => chip(group.code, group.code, group.entries.length)),
        ),
      );
    }
    const today = localToday();
    const list = h("div", { class: "polist", testid: "po-list", "data-supplier": chosen ?? "" });
    for (const group of suppliers) {
      if (chosen != null && group.code !== chosen) continue;
      list.append(
        h(
          "section",
          { class: "pogroup", testid: "po-group", "data-supplier": group.code },
          h("h3", { class: "pogroup__title" }, h("span", { class: "pogroup__code" }, group.code), group.name ? ` ${group.name}` : ""),
          h("ul", { class: "picklist" }, group.entries.map((entry) => renderPoItem(entry, today))),
        ),
      );
    }
    parts.push(list);
    if (s.pos && !entries.length) parts.push(h("p", { class: "hint hint--big", testid: "po-empty" }, t("po_none_open")));
    return parts;
  }

  /** The supplier chips scroll sideways: keep the row where it was, with the chosen chip in view. */
  function keepChipsScrolled(root, scrollLeft) {
    const row = root.querySelector(".chips");
    if (!row) return;
    row.scrollLeft = scrollLeft;
    const on = row.querySelector(".chip--on");
    if (!on) return;
    if (on.offsetLeft < row.scrollLeft || on.offsetLeft + on.offsetWidth > row.scrollLeft + row.clientWidth) {
      row.scrollLeft = Math.max(0, on.offsetLeft - 10);
    }
  }

  function renderBottom(root) {
    if (!s.receipt && !s.poPending) {
      const scrollLeft = root.querySelector(".chips")?.scrollLeft || 0;
      root.replaceChildren(...renderPoList());
      keepChipsScrolled(root, scrollLeft);
      return;
    }
    if (!s.receipt || s.poPending) {
      root.replaceChildren();
      return;
    }
    const counting = !s.confirming && !s.checking && s.carton;
    const actions = counting
      ? h(
          "div",
          { class: "actions" },
          button({ class: "btn btn--secondary", testid: "next-carton", onclick: () => { s.error = null; s.checking = true; app.render(); } }, t("next_carton")),
          button({ class: "btn btn--primary", testid: "confirm-count", onclick: confirmCount }, t("confirm_count")),
        )
      : null;
    root.replaceChildren(...[actions, renderLines()].filter(Boolean));
  }

  function render() {
    renderTop(document.getElementById("receive-top"));
    const form = document.getElementById("qty-form");
    const showQty = Boolean(s.receipt && !s.poPending && !s.confirming && !s.checking && s.carton && s.lastCount);
    form.hidden = !showQty;
    const counting = Boolean(s.receipt && !s.poPending && !s.confirming && !s.checking && s.carton);
    const expiryField = document.getElementById("expiry-field");
    expiryField.hidden = !counting;
    // Refused for its expiry: the field is where the answer is typed (then the item is scanned again).
    expiryField.classList.toggle("expiry--asked", /^expiry_/.test(s.error?.ack?.error?.code || ""));
    if (showQty) {
      document.getElementById("qty-label").textContent = t("qty_more_label", { sku: s.lastCount.sku });
    }
    renderBottom(document.getElementById("receive-bottom"));
  }

  onQuantityForm("qty-form", "qty-input", addQuantity, app);

  return {
    name: "receive",
    modes: ["receive", "receive.carton", "receive.confirm"],
    title: "journey_receive",
    state: s,
    render,
    onScan,
    onAck,
    enter() {
      loadPos();
    },
    back: () => false,
    reset() {
      clearReceipt();
      s.poPending = null;
      s.confirming = null;
      s.confirmed = null;
      s.error = null;
      s.returnedGoods = false;
      s.pos = null;
      s.posError = null;
      s.poSupplier = null;
    },
  };
}
