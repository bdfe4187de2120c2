// The Put-back journey (归位): a cancelled order's units go back to the shelves. Scan where they wait (the
// tote, a hold bin, the parcel's label or the order number) to take its task, then each unit and the bin
// it goes into. Every step is a scan (stored under its scan id, queued while offline); the bin scan carries
// the unit's code, so it stands alone when it is replayed.

import { t } from "./i18n.js";
import { button, errorPanel, h, nameAndVariant, taskListHead } from "./ui.js";

export function createPutback(app) {
  const s = {
    list: null, // open put-back tasks, from GET /api/v1/put-back-tasks
    listError: null,
    loading: false,
    opening: null, // the putback scan on its way
    task: null, // the task view taken by its scan
    unit: null, // {code, sku, suggested_bin} the unit in hand (its bin scan is next)
    last: null, // {sku, bin, qty} the unit just put back
    done: null, // the task just finished
    error: null,
  };

  const loadList = () => app.loadList(s, "/api/v1/put-back-tasks");
  const refuse = (code, key, vars) => app.refuse(s, code, key, vars);

  function onScan(code) {
    s.error = null;
    if (!s.task) {
      if (s.opening) return refuse(code, "putback_wait_open", { code: s.opening.code });
      s.done = null;
      s.opening = app.send({ mode: "putback", code });
      app.render();
      return;
    }
    if (!s.unit) {
      s.unit = { code, sku: null, suggested_bin: null };
      app.send({ mode: "putback.unit", code, task: s.task.task });
      app.render();
      return;
    }
    app.send({ mode: "putback.bin", code, task: s.task.task, unit: s.unit.code });
    s.unit = null; // the next scan is the next unit (the answer says where this one went)
    app.render();
  }

  function onAck(record, ack) {
    const ok = ack?.ok === true;
    if (record.mode === "putback") {
      if (s.opening?.scan_id === record.scan_id) s.opening = null;
      if (ok) {
        s.task = ack.result;
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
      if (record.mode === "putback.unit" && s.unit?.code === record.code) s.unit = null;
      return;
    }
    const { unit, put, ...task } = ack.result;
    if (record.mode === "putback.unit") {
      if (s.unit && s.unit.code === record.code) s.unit = { code: record.code, ...unit };
      s.task = task;
      return;
    }
    s.last = put;
    if (task.status === "done") {
      s.done = task;
      s.task = null;
      s.unit = null;
      loadList();
    } else {
      s.task = task;
    }
  }

  // ---------- screen ----------

  function renderTask() {
    const task = s.task;
    const parts = [
      h(
        "header",
        { class: "po", testid: "putback-task", "data-task": task.task, "data-source": task.source },
        h("div", { class: "po__number" }, t("putback_order", { order: task.order })),
        h("div", { class: "po__supplier" }, t("putback_from", { source: task.parcel || task.source })),
      ),
    ];
    if (s.unit) {
      parts.push(
        h(
          "div",
          { class: "goto", testid: "putback-goto", "data-bin": s.unit.suggested_bin || "" },
          h("span", { class: "goto__label" }, t("putback_go_to")),
          h("span", { class: "goto__bin" }, s.unit.suggested_bin || "—"),
        ),
        h("p", { class: "prompt", testid: "putback-prompt", "data-next": "scan_bin" }, t("putback_scan_bin", { sku: s.unit.sku || s.unit.code })),
      );
    } else {
      parts.push(h("p", { class: "prompt", testid: "putback-prompt", "data-next": "scan_unit" }, t("putback_scan_unit", { n: task.remaining })));
    }
    if (s.last) {
      parts.push(h("div", { class: "card card--done", testid: "putback-last" }, t("putback_put", { qty: s.last.qty, sku: s.last.sku, bin: s.last.bin })));
    }
    const list = h("ul", { class: "lines", testid: "putback-lines" });
    for (const line of task.lines) {
      list.append(
        h(
          "li",
          { class: "line", testid: "putback-line", "data-sku": line.sku, "data-remaining": line.remaining },
          h(
            "div",
            { class: "line__main" },
            h("div", { class: "line__sku" }, line.sku),
            nameAndVariant("line", line.name, line.variant),
            h("div", { class: "line__sub" }, `${t("lot")} ${line.lot}`, line.suggested_bin ? ` · ${line.suggested_bin}` : ""),
          ),
          h("div", { class: "line__qty" }, h("span", { class: "line__qty-label" }, t("putback_back_of")), `${line.put} / ${line.qty}`),
        ),
      );
    }
    parts.push(list);
    parts.push(button({ class: "btn btn--small", testid: "putback-leave", onclick: leave }, t("putback_other")));
    return parts;
  }

  function renderList() {
    const parts = [];
    if (s.done) {
      parts.push(h("div", { class: "card card--done", testid: "putback-done", "data-task": s.done.task }, t("putback_done", { order: s.done.order })));
    }
    parts.push(
      s.opening
        ? h("p", { class: "prompt", testid: "putback-prompt", "data-next": "wait_open" }, t("putback_opening", { code: s.opening.code }))
        : h("p", { class: "prompt", testid: "putback-prompt", "data-next": "scan_source" }, t("putback_scan_source")),
    );
    parts.push(...taskListHead({ titleKey: "putback_open_title", testid: "putback-refresh", onRefresh: loadList, state: s }));
    const list = h("ul", { class: "lines", testid: "putback-list" });
    for (const task of s.list || []) {
      list.append(
        h(
          "li",
          { class: "line", testid: "putback-entry", "data-task": task.task, "data-scan": task.scan },
          h(
            "div",
            { class: "line__main" },
            h("div", { class: "line__sku" }, task.scan),
            h("div", { class: "line__sub" }, t("putback_order", { order: task.order })),
          ),
          h("div", { class: "line__qty" }, h("span", { class: "line__qty-label" }, t("qty")), String(task.remaining)),
        ),
      );
    }
    parts.push(list);
    if (s.list && !s.list.length) parts.push(h("p", { class: "hint", testid: "putback-empty" }, t("putback_none_open")));
    return parts;
  }

  function leave() {
    s.task = null;
    s.unit = null;
    s.last = null;
    s.error = null;
    loadList();
    app.render();
    app.focusScan();
  }

  function render() {
    const root = document.getElementById("putback-body");
    const parts = [];
    if (s.error) parts.push(errorPanel(s.error));
    parts.push(...(s.task ? renderTask() : renderList()));
    root.replaceChildren(...parts.filter(Boolean));
  }

  return {
    name: "putback",
    modes: ["putback", "putback.unit", "putback.bin"],
    title: "journey_putback",
    state: s,
    render,
    onScan,
    onAck,
    enter() {
      loadList();
    },
    back() {
      if (!s.task) return false;
      leave();
      return true;
    },
    reset() {
      s.list = null;
      s.opening = null;
      s.task = null;
      s.unit = null;
      s.last = null;
      s.done = null;
      s.error = null;
    },
  };
}
