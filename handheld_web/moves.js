// The Moves journey (移库任务): tasks the server makes — refill a pick face from reserve, or take an expired
// lot to quarantine on the day it expires. Scan the bin the units are in (it chooses the task), then the bin
// they go to: that scan carries the task and the from-bin, so it is one idempotent `replenish` step.

import { t } from "./i18n.js";
import { button, errorPanel, h, nameAndVariant, taskListHead } from "./ui.js";
import { isBinCode } from "./count.js";

export function createMoves(app) {
  const s = {
    list: null, // open move tasks, GET /api/v1/replenishments
    listError: null,
    loading: false,
    task: null, // the task chosen by its from-bin scan (or a tap)
    pending: null, // the replenish record waiting for its answer
    done: null, // the task just finished
    error: null,
  };

  const loadList = () => app.loadList(s, "/api/v1/replenishments?status=open");
  const refuse = (code, key, vars) => app.refuse(s, code, key, vars);

  function choose(task) {
    s.task = task;
    s.done = null;
    s.error = null;
    app.render();
    app.focusScan();
  }

  function onScan(code) {
    s.error = null;
    if (s.pending) return refuse(code, "moves_wait", { bin: s.pending.code });
    if (!isBinCode(code)) return refuse(code, s.task ? "moves_need_to" : "moves_need_from");
    if (!s.task) {
      const task = (s.list || []).find((entry) => entry.from_bin === code.toUpperCase());
      if (!task) return refuse(code, "moves_no_task_here", { bin: code });
      app.signal("ok");
      return choose(task);
    }
    s.pending = app.send({ mode: "replenish", code, task: s.task.task, from_bin: s.task.from_bin });
    app.render();
  }

  function onAck(record, ack) {
    if (s.pending?.scan_id === record.scan_id) s.pending = null;
    if (ack?.ok !== true) {
      s.error = { record, ack };
      return;
    }
    s.done = ack.result;
    s.task = null;
    loadList();
  }

  // ---------- screen ----------

  function why(task) {
    return task.why === "expired" ? t("moves_why_expired", { expiry: task.expiry || "" }) : t("moves_why_refill");
  }

  function renderTask() {
    const task = s.task;
    return [
      h(
        "header",
        { class: "po", testid: "moves-task", "data-task": task.task, "data-why": task.why },
        h("div", { class: "po__number" }, why(task)),
        h("div", { class: "po__supplier" }, `${task.qty} × `, h("span", { translate: "no" }, task.sku), ` · ${t("lot")} `,
          h("span", { translate: "no" }, task.lot)),
      ),
      nameAndVariant("line", task.name, task.variant),
      h(
        "div",
        { class: "goto", testid: "moves-goto", "data-bin": task.to_bin },
        h("span", { class: "goto__label" }, t("moves_take_to")),
        h("span", { class: "goto__bin", translate: "no" }, task.to_bin),
      ),
      s.pending
        ? h("p", { class: "prompt", testid: "moves-prompt", "data-next": "wait" }, t("moves_wait", { bin: s.pending.code }))
        : h("p", { class: "prompt", testid: "moves-prompt", "data-next": "scan_to" },
          t("moves_scan_to_bin", { qty: task.qty, sku: task.sku, from: task.from_bin, to: task.to_bin })),
      button({ class: "btn btn--small", testid: "moves-leave", onclick: leave }, t("moves_other")),
    ];
  }

  function renderList() {
    const parts = [];
    if (s.done) {
      parts.push(h("div", { class: "card card--done", testid: "moves-done", "data-task": s.done.task },
        t("moves_done", { qty: s.done.qty, sku: s.done.sku, bin: s.done.to_bin })));
    }
    parts.push(h("p", { class: "prompt", testid: "moves-prompt", "data-next": "scan_from" }, t("moves_scan_from")));
    parts.push(...taskListHead({ titleKey: "moves_open_title", testid: "moves-refresh", onRefresh: loadList, state: s }));
    const list = h("ul", { class: "lines", testid: "moves-list" });
    for (const task of s.list || []) {
      list.append(
        h(
          "li",
          { class: `line${task.why === "expired" ? " line--warn" : ""}`, testid: "moves-entry", "data-task": task.task,
            "data-from": task.from_bin, "data-why": task.why, onclick: () => choose(task) },
          h(
            "div",
            { class: "line__main" },
            h("div", { class: "line__sku", translate: "no" }, `${task.from_bin} → ${task.to_bin}`),
            h("div", { class: "line__sub" }, why(task), " · ", h("span", { translate: "no" }, task.sku)),
          ),
          h("div", { class: "line__qty" }, h("span", { class: "line__qty-label" }, t("qty")), String(task.qty)),
        ),
      );
    }
    parts.push(list);
    if (s.list && !s.list.length) parts.push(h("p", { class: "hint", testid: "moves-empty" }, t("moves_none_open")));
    return parts;
  }

  function leave() {
    s.task = null;
    s.error = null;
    loadList();
    app.render();
    app.focusScan();
  }

  function render() {
    const root = document.getElementById("moves-body");
    const parts = [];
    if (s.error) parts.push(errorPanel(s.error));
    parts.push(...(s.task ? renderTask() : renderList()));
    root.replaceChildren(...parts.filter(Boolean));
  }

  return {
    name: "moves",
    modes: ["replenish"],
    title: "journey_moves",
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
      s.task = null;
      s.pending = null;
      s.done = null;
      s.error = null;
    },
  };
}
