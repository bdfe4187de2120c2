// The Assembly journey (组装/拆卸): work orders that assemble kits from their components or take kits apart.
// Take a work order from the list (or scan its number); then, one step at a time: pick (scan the bin, then
// each unit), make (scan the kit's code, or confirm one kit made / taken apart), put away (scan a unit, then
// the bin it goes into). Every step is a scan stored under its scan id (queued while offline); a unit scan
// carries its bin's code and a bin scan its unit's code, so each stands alone when it is replayed.

import { t } from "./i18n.js";
import { button, errorPanel, h, nameAndVariant, taskListHead } from "./ui.js";

export function createAssembly(app) {
  const s = {
    list: null, // work orders on the floor, from GET /api/v1/work-orders?on_floor=1
    listError: null,
    loading: false,
    opening: null, // the assembly scan on its way
    order: null, // the work order's view
    atBin: null, // the bin scanned for the pick (its units are next)
    unit: null, // {code, sku, suggested_bin} the unit in hand to put away (its bin is next)
    last: null, // a words line about the step just done
    done: null, // the work order just finished
    error: null,
  };

  const loadList = () => app.loadList(s, "/api/v1/work-orders?on_floor=1");
  const refuse = (code, key, vars) => app.refuse(s, code, key, vars);

  function take(number) {
    s.error = null;
    s.done = null;
    s.opening = app.send({ mode: "assembly", code: number, work_order: number });
    app.render();
  }

  function onScan(code) {
    s.error = null;
    const order = s.order;
    if (!order) {
      if (s.opening) return refuse(code, "assembly_wait_open", { code: s.opening.code });
      return take(code);
    }
    const wo = order.number;
    if (order.next === "scan_bin") {
      // A bin of the pick list is a bin scan (the units there are next); anything else, a unit of this bin.
      const bin = code.trim().toUpperCase();
      const bins = new Set(order.steps.filter((step) => step.kind === "pick" && step.remaining > 0).map((step) => step.bin));
      if (!s.atBin || bins.has(bin)) {
        s.atBin = bin;
        app.send({ mode: "assembly.bin", code, work_order: wo });
      } else {
        app.send({ mode: "assembly.pick", code, work_order: wo, bin: s.atBin });
      }
    } else if (order.next === "make") {
      app.send({ mode: "assembly.make", code, work_order: wo });
    } else if (order.next === "scan_unit") {
      if (!s.unit) {
        s.unit = { code, sku: null, suggested_bin: null };
        app.send({ mode: "assembly.unit", code, work_order: wo });
      } else {
        app.send({ mode: "assembly.put", code, work_order: wo, unit: s.unit.code });
        s.unit = null; // the next scan is the next unit (the answer says where this one went)
      }
    } else {
      return refuse(code, "assembly_nothing_left", { number: wo });
    }
    app.render();
  }

  function makeOne() {
    if (!s.order) return;
    s.error = null;
    app.send({ mode: "assembly.make", work_order: s.order.number });
    app.render();
  }

  function onAck(record, ack) {
    const ok = ack?.ok === true;
    if (record.mode === "assembly") {
      if (s.opening?.scan_id === record.scan_id) s.opening = null;
      if (ok) {
        s.order = ack.result;
        s.atBin = null;
        s.unit = null;
        s.last = null;
        app.scrollTop();
      } else {
        s.error = { record, ack };
      }
      return;
    }
    if (!ok) {
      s.error = { record, ack };
      if (record.mode === "assembly.bin" && s.atBin === String(record.code).toUpperCase()) s.atBin = null;
      if (record.mode === "assembly.unit" && s.unit?.code === record.code) s.unit = null;
      return;
    }
    const { picked, made, unit, put, at_bin: atBin, ...order } = ack.result;
    if (record.mode === "assembly.bin") s.atBin = atBin;
    if (record.mode === "assembly.pick") {
      s.last = t("assembly_picked", { qty: picked.qty, sku: picked.sku, bin: picked.bin });
      s.atBin = ack.next === "scan_unit" ? atBin : null;
    }
    if (record.mode === "assembly.make") {
      s.last = t(order.kind === "assemble" ? "assembly_made" : "assembly_taken_apart", { n: made.made, of: order.qty, sku: made.sku });
    }
    if (record.mode === "assembly.unit" && s.unit && s.unit.code === record.code) s.unit = { code: record.code, ...unit };
    if (record.mode === "assembly.put") s.last = t("assembly_put", { qty: put.qty, sku: put.sku, bin: put.bin });
    if (order.next === "done") {
      s.done = order;
      s.order = null;
      s.atBin = null;
      s.unit = null;
      loadList();
    } else {
      s.order = order;
    }
  }

  // ---------- screen ----------

  function prompt() {
    const order = s.order;
    if (order.next === "make") {
      return h("p", { class: "prompt", testid: "assembly-prompt", "data-next": "make" },
        t(order.kind === "assemble" ? "assembly_make" : "assembly_take_apart", { n: order.done_qty + 1, of: order.qty, sku: order.sku }));
    }
    if (order.next === "scan_unit") {
      if (s.unit) {
        return [
          h("div", { class: "goto", testid: "assembly-goto", "data-bin": s.unit.suggested_bin || "" },
            h("span", { class: "goto__label" }, t("putback_go_to")), h("span", { class: "goto__bin" }, s.unit.suggested_bin || "—")),
          h("p", { class: "prompt", testid: "assembly-prompt", "data-next": "scan_target" }, t("assembly_scan_target", { sku: s.unit.sku || s.unit.code })),
        ];
      }
      return h("p", { class: "prompt", testid: "assembly-prompt", "data-next": "scan_put_unit" }, t("assembly_scan_put_unit", { n: order.to_put_away }));
    }
    const current = order.current;
    if (s.atBin) {
      return h("p", { class: "prompt", testid: "assembly-prompt", "data-next": "scan_unit", "data-bin": s.atBin }, t("assembly_scan_unit", { bin: s.atBin }));
    }
    return [
      h("div", { class: "goto", testid: "assembly-goto", "data-bin": current?.bin || "" },
        h("span", { class: "goto__label" }, t("assembly_go_to")), h("span", { class: "goto__bin" }, current?.bin || "—")),
      h("p", { class: "prompt", testid: "assembly-prompt", "data-next": "scan_bin" }, t("assembly_scan_bin", { n: current?.remaining || 0, sku: current?.sku || "" })),
    ];
  }

  function renderOrder() {
    const order = s.order;
    const parts = [
      h("header", { class: "po", testid: "assembly-order", "data-number": order.number, "data-status": order.status },
        h("div", { class: "po__number" }, `${order.number} · ${t(order.kind === "assemble" ? "assembly_assemble" : "assembly_disassemble")}`),
        h("div", { class: "po__supplier" }, `${order.sku} ×${order.qty}`, order.status === "cancelled" ? ` · ${t("assembly_cancelled")}` : "")),
    ];
    parts.push(...[prompt()].flat());
    if (order.next === "make") {
      parts.push(button({ class: "btn", testid: "assembly-make", onclick: makeOne },
        t(order.kind === "assemble" ? "assembly_make_button" : "assembly_take_apart_button")));
    }
    if (s.last) parts.push(h("div", { class: "card card--done", testid: "assembly-last" }, s.last));
    const list = h("ul", { class: "lines", testid: "assembly-steps" });
    for (const step of order.steps) {
      if (order.status === "cancelled" && step.kind === "pick") continue;
      list.append(
        h("li", { class: "line", testid: "assembly-step", "data-kind": step.kind, "data-sku": step.sku, "data-remaining": step.remaining },
          h("div", { class: "line__main" },
            h("div", { class: "line__sku" }, step.sku),
            nameAndVariant("line", step.name, step.variant),
            h("div", { class: "line__sub" }, `${t(step.kind === "pick" ? "assembly_step_pick" : "assembly_step_put")} · ${t("lot")} ${step.lot}`, step.bin ? ` · ${step.bin}` : "")),
          h("div", { class: "line__qty" }, `${step.done} / ${step.qty}`)),
      );
    }
    parts.push(list);
    parts.push(button({ class: "btn btn--small", testid: "assembly-leave", onclick: leave }, t("assembly_other")));
    return parts;
  }

  function renderList() {
    const parts = [];
    if (s.done) parts.push(h("div", { class: "card card--done", testid: "assembly-done", "data-number": s.done.number }, t("assembly_done", { number: s.done.number })));
    parts.push(
      s.opening
        ? h("p", { class: "prompt", testid: "assembly-prompt", "data-next": "wait_open" }, t("putback_opening", { code: s.opening.code }))
        : h("p", { class: "prompt", testid: "assembly-prompt", "data-next": "take" }, t("assembly_take")),
    );
    parts.push(...taskListHead({ titleKey: "assembly_open_title", testid: "assembly-refresh", onRefresh: loadList, state: s }));
    const list = h("ul", { class: "lines", testid: "assembly-list" });
    for (const order of s.list || []) {
      list.append(
        h("li", { class: "line", testid: "assembly-entry", "data-number": order.number },
          h("div", { class: "line__main" },
            h("div", { class: "line__sku" }, order.number),
            h("div", { class: "line__sub" }, `${t(order.kind === "assemble" ? "assembly_assemble" : "assembly_disassemble")} · ${order.sku} ×${order.qty}`)),
          h("div", { class: "line__qty" }, h("span", { class: "line__qty-label" }, t("qty")), String(order.to_pick + order.to_put_away)),
          button({ class: "btn btn--small", testid: "assembly-take", onclick: () => take(order.number) }, t("assembly_take_button"))),
      );
    }
    parts.push(list);
    if (s.list && !s.list.length) parts.push(h("p", { class: "hint", testid: "assembly-empty" }, t("assembly_none_open")));
    return parts;
  }

  function leave() {
    s.order = null;
    s.atBin = null;
    s.unit = null;
    s.last = null;
    s.error = null;
    loadList();
    app.render();
    app.focusScan();
  }

  function render() {
    const root = document.getElementById("assembly-body");
    const parts = [];
    if (s.error) parts.push(errorPanel(s.error));
    parts.push(...(s.order ? renderOrder() : renderList()));
    root.replaceChildren(...parts.filter(Boolean));
  }

  return {
    name: "assembly",
    modes: ["assembly", "assembly.bin", "assembly.pick", "assembly.make", "assembly.unit", "assembly.put"],
    title: "journey_assembly",
    state: s,
    render,
    onScan,
    onAck,
    enter() {
      loadList();
    },
    back() {
      if (!s.order) return false;
      leave();
      return true;
    },
    reset() {
      s.list = null;
      s.opening = null;
      s.order = null;
      s.atBin = null;
      s.unit = null;
      s.last = null;
      s.done = null;
      s.error = null;
    },
  };
}
