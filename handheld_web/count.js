// The Count journey (盘点), blind: the list of bins to count (or recount), then at a bin: scan the bin,
// scan each item (1 unit per scan, or scan once and key in the rest), and close the bin ("Bin done"), or
// say "Bin empty" when nothing is there. The screen shows only what this counter counted: the server
// never tells the device what the books expect.

import { t, tn } from "./i18n.js";
import { button, errorPanel, h, nameAndVariant, onQuantityForm, taskListHead } from "./ui.js";

// zone-aisle-bay-level, as config/default.toml [scan] bin_pattern (an AIM prefix like ]C0 may lead).
const BIN_CODE = /^(\][A-Za-z]\d)?[A-Z]{1,2}-\d{2}-\d{2}-\d$/i;
const QTY_ONLY = /^\d{1,5}$/;

export function isBinCode(code) {
  return BIN_CODE.test(String(code || "").trim());
}

export function createCount(app) {
  const s = {
    list: null, // bins to count, GET /api/v1/counts/tasks
    listError: null,
    loading: false,
    bin: null, // the bin being counted, as the server last showed it: {count, bin, round, items, counted}
    binPending: null, // the bin scan waiting for its answer
    lastItem: null, // {code, sku}: the item scanned last in this bin (for "+ quantity")
    closing: null, // the count.close record waiting for its answer
    done: null, // {bin, counted, empty} of the bin just closed
    error: null,
  };

  function loadList() {
    return app.loadList(s, "/api/v1/counts/tasks");
  }

  const refuse = (code, key, vars) => app.refuse(s, code, key, vars);

  const countedUnits = () => (s.bin?.counted || []).reduce((sum, line) => sum + line.qty, 0);

  // ---------- input ----------

  function onScan(code) {
    s.error = null;
    if (s.closing) return refuse(code, "count_wait_close", { bin: s.closing.bin });
    if (isBinCode(code)) {
      const other = s.bin && !code.toUpperCase().endsWith(s.bin.bin);
      if (other && countedUnits() > 0) return refuse(code, "count_finish_bin_first", { bin: s.bin.bin });
      s.done = null;
      s.lastItem = null;
      s.binPending = app.send({ mode: "count", code });
      app.render();
      return;
    }
    if (s.binPending) return refuse(code, "count_wait_bin", { bin: s.binPending.code });
    if (!s.bin) return refuse(code, "count_scan_bin_first");
    countItem(code, 1);
  }

  function countItem(code, qty) {
    app.send({ mode: "count", code, bin: s.bin.bin, qty });
  }

  /** "+ quantity": more units of the item scanned last in this bin. */
  function addQuantity(raw) {
    const value = String(raw || "").trim();
    if (!value) return;
    if (!QTY_ONLY.test(value)) {
      onScan(value); // the scanner fired into the quantity field: it is a scan
      return;
    }
    s.error = null;
    const qty = Number(value);
    if (!s.bin || !s.lastItem) return refuse(value, "count_qty_needs_scan");
    if (qty < 1) return refuse(value, "count_qty_bad");
    countItem(s.lastItem.code, qty);
  }

  async function closeBin(empty) {
    if (!s.bin || s.closing) return;
    s.error = null;
    const question = empty ? t("count_confirm_empty", { bin: s.bin.bin }) : t("count_confirm_done", { bin: s.bin.bin });
    if (!(await app.askConfirm(question))) return;
    const fields = { mode: "count.close", bin: s.bin.bin };
    if (empty) fields.empty = true;
    s.closing = app.send(fields);
    app.render();
  }

  function restartBin() {
    if (!s.bin || s.closing) return;
    s.error = null;
    s.lastItem = null;
    app.send({ mode: "count.restart", bin: s.bin.bin });
  }

  // ---------- answers ----------

  function onAck(record, ack) {
    const ok = ack?.ok === true;
    if (record.mode === "count.close") {
      if (s.closing?.scan_id === record.scan_id) s.closing = null;
      if (!ok) {
        s.error = { record, ack };
        return;
      }
      s.done = { ...ack.result, empty: record.empty === true };
      if (s.bin?.bin === ack.result.bin) s.bin = null;
      s.lastItem = null;
      app.scrollTop();
      loadList();
      return;
    }
    if (record.mode === "count" && record.bin == null) {
      if (s.binPending?.scan_id === record.scan_id) s.binPending = null;
      if (ok) {
        s.bin = ack.result;
        app.scrollTop();
      } else {
        s.error = { record, ack };
      }
      return;
    }
    if (!ok) {
      s.error = { record, ack };
      return;
    }
    if (s.bin?.bin !== ack.result?.bin) return; // an answer for a bin already left
    s.bin = ack.result;
    if (record.mode === "count") s.lastItem = { code: record.code, sku: ack.result.scanned || record.code };
  }

  // ---------- screen ----------

  function renderDone() {
    const done = s.done;
    return h(
      "section",
      { class: "card card--done", testid: "count-done", "data-bin": done.bin },
      h("div", { class: "card__kind" }, t("count_done_title", { bin: done.bin })),
      done.empty || !(done.counted || []).length
        ? h("p", { class: "hint" }, t("count_done_empty"))
        : renderCounted(done.counted, "count-done-line"),
    );
  }

  function renderCounted(counted, testid) {
    return h(
      "ul",
      { class: "lines" },
      counted.map((line) =>
        h(
          "li",
          { class: "line", testid, "data-sku": line.sku, "data-qty": line.qty },
          h("div", { class: "line__main" }, h("div", { class: "line__sku" }, line.sku), nameAndVariant("line", line.name, line.variant)),
          h("div", { class: "line__qty" }, h("span", { class: "line__qty-label" }, t("count_counted")), String(line.qty)),
        ),
      ),
    );
  }

  function renderBin() {
    const bin = s.bin;
    const counted = bin.counted || [];
    return [
      h(
        "header",
        { class: "po", testid: "count-bin", "data-bin": bin.bin, "data-round": bin.round, "data-count": bin.count },
        h("div", { class: "po__number" }, bin.bin),
        h("div", { class: "po__supplier" }, bin.round === "recount" ? t("count_round_recount") : t("count_round_count")),
        bin.items?.length ? h("div", { class: "po__supplier", testid: "count-items" }, t("count_only_items", { items: bin.items.join(", ") })) : null,
      ),
      h(
        "p",
        { class: "prompt", testid: "count-prompt", "data-next": "scan_item" },
        counted.length ? t("count_scan_more") : t("count_scan_items"),
      ),
      counted.length
        ? renderCounted(counted, "count-line")
        : h("p", { class: "hint", testid: "count-nothing" }, t("count_nothing_yet")),
      counted.length ? h("p", { class: "hint", testid: "count-units", "data-units": countedUnits() }, tn("count_units", countedUnits())) : null,
    ];
  }

  function renderList() {
    const parts = [];
    if (s.done) parts.push(renderDone());
    parts.push(
      s.binPending
        ? h("p", { class: "prompt", testid: "count-prompt", "data-next": "wait_bin" }, t("count_opening", { bin: s.binPending.code }))
        : h("p", { class: "prompt", testid: "count-prompt", "data-next": "scan_bin" }, t("count_scan_bin")),
    );
    parts.push(...taskListHead({ titleKey: "count_list_title", testid: "count-refresh", onRefresh: loadList, state: s }));
    parts.push(
      h(
        "ul",
        { class: "lines", testid: "count-list" },
        (s.list || []).map((task) =>
          h(
            "li",
            { class: "line", testid: "count-task", "data-bin": task.bin, "data-round": task.round },
            h(
              "div",
              { class: "line__main" },
              h("div", { class: "line__sku" }, task.bin),
              h(
                "div",
                { class: "line__sub" },
                `${t("zone")} ${task.zone} · `,
                task.round === "recount" ? t("count_round_recount") : t("count_round_count"),
                task.items?.length ? ` · ${task.items.join(", ")}` : "",
              ),
              task.begun_by && !task.mine ? h("div", { class: "line__sub" }, t("count_begun_by", { name: task.begun_by })) : null,
            ),
          ),
        ),
      ),
    );
    if (s.list && !s.list.length) parts.push(h("p", { class: "hint", testid: "count-none" }, t("count_none_open")));
    return parts;
  }

  function renderTop(root) {
    const parts = [];
    if (s.error) parts.push(errorPanel(s.error));
    if (s.closing) parts.push(h("p", { class: "prompt", testid: "count-prompt", "data-next": "wait_close" }, t("count_closing", { bin: s.closing.bin })));
    else parts.push(...(s.bin ? renderBin() : renderList()));
    root.replaceChildren(...parts.filter(Boolean));
  }

  function renderBottom(root) {
    if (!s.bin || s.closing) {
      root.replaceChildren();
      return;
    }
    const anything = countedUnits() > 0;
    root.replaceChildren(
      h(
        "div",
        { class: "actions" },
        anything
          ? button({ class: "btn btn--secondary", testid: "count-restart", onclick: restartBin }, t("count_restart"))
          : button({ class: "btn btn--secondary", testid: "count-empty", onclick: () => closeBin(true) }, t("count_bin_empty")),
        button({ class: "btn btn--primary", testid: "count-close", disabled: !anything, onclick: () => closeBin(false) }, t("count_bin_done")),
      ),
    );
  }

  function render() {
    renderTop(document.getElementById("count-top"));
    const form = document.getElementById("count-qty-form");
    const showQty = Boolean(s.bin && !s.closing && s.lastItem);
    form.hidden = !showQty;
    if (showQty) document.getElementById("count-qty-label").textContent = t("qty_more_label", { sku: s.lastItem.sku });
    renderBottom(document.getElementById("count-bottom"));
  }

  onQuantityForm("count-qty-form", "count-qty-input", addQuantity, app);

  return {
    name: "count",
    modes: ["count", "count.close", "count.restart"],
    title: "journey_count",
    state: s,
    render,
    onScan,
    onAck,
    enter() {
      loadList();
    },
    back() {
      if (!s.bin || s.closing) return false;
      s.bin = null; // what was counted stays on the server: scanning the bin again goes on
      s.lastItem = null;
      s.error = null;
      loadList();
      app.render();
      return true;
    },
    reset() {
      s.list = null;
      s.listError = null;
      s.bin = null;
      s.binPending = null;
      s.lastItem = null;
      s.closing = null;
      s.done = null;
      s.error = null;
    },
  };
}
