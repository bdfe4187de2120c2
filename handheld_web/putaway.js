// The Put-away journey: scan a licence plate (LPN label) to take its task, go to the suggested
// bin, scan the bin; the server moves the units into stock there (or refuses: wrong zone, blocked).

import { t } from "./i18n.js";
import { button, errorPanel, h, nameAndVariant, taskListHead } from "./ui.js";

const LPN_CODE = /^(\][A-Za-z]\d)?LPN-/i;

export function isLpnCode(code) {
  return LPN_CODE.test(String(code || "").trim());
}

export function createPutaway(app) {
  const s = {
    list: null, // open tasks, from GET /api/v1/putaway-tasks
    listError: null,
    loading: false,
    task: null, // the task taken by its LPN scan
    lpnPending: null,
    done: null, // the task just completed
    error: null,
  };

  function loadList() {
    return app.loadList(s, "/api/v1/putaway-tasks");
  }

  const refuse = (code, key, vars) => app.refuse(s, code, key, vars);

  function onScan(code) {
    s.error = null;
    if (isLpnCode(code)) {
      s.done = null;
      s.lpnPending = app.send({ mode: "putaway", code });
      app.render();
      return;
    }
    if (s.lpnPending) return refuse(code, "putaway_wait_lpn", { lpn: s.lpnPending.code });
    if (!s.task) return refuse(code, "putaway_scan_lpn_first");
    app.send({ mode: "putaway", code, task: s.task.task });
  }

  function onAck(record, ack) {
    const ok = ack?.ok === true;
    if (record.task == null) {
      // The LPN scan.
      if (s.lpnPending?.scan_id === record.scan_id) s.lpnPending = null;
      if (ok) {
        s.task = ack.result;
        s.done = null;
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
    s.done = ack.result;
    if (s.task?.task === record.task) s.task = null;
    app.scrollTop();
    loadList();
  }

  // ---------- screen ----------

  function renderTask() {
    const task = s.task;
    return [
      h(
        "header",
        { class: "po", testid: "putaway-current", "data-lpn": task.lpn, "data-task": task.task },
        h("div", { class: "po__number" }, task.lpn),
        h("div", { class: "line__sku" }, task.sku),
        nameAndVariant("line", task.name, task.variant),
        h("div", { class: "po__supplier" }, `${t("lot")} ${task.lot} · ${t("qty")} ${task.qty}`),
        task.quarantine ? h("div", { class: "badge badge--warn" }, t("quarantine")) : null,
      ),
      task.suggested_bin
        ? h(
            "div",
            { class: "goto", testid: "putaway-suggested", "data-bin": task.suggested_bin },
            h("span", { class: "goto__label" }, t("putaway_go_to")),
            h("span", { class: "goto__bin" }, task.suggested_bin),
            h("span", { class: "goto__zone" }, `${t("zone")} ${task.zone}`),
          )
        : h(
            "div",
            { class: "goto goto--none", testid: "putaway-suggested", "data-bin": "" },
            h("span", { class: "goto__label" }, t("putaway_no_suggestion", { zone: task.zone })),
          ),
      h("p", { class: "prompt", testid: "putaway-prompt", "data-next": "scan_bin" }, t("putaway_scan_bin")),
      button(
        { class: "btn btn--small", testid: "putaway-cancel", onclick: () => { s.task = null; s.error = null; app.render(); } },
        t("putaway_other_lpn"),
      ),
    ];
  }

  function renderDone() {
    const done = s.done;
    return h(
      "div",
      { class: "card card--done", testid: "putaway-done", "data-lpn": done.lpn, "data-bin": done.bin || "" },
      h("div", { class: "card__kind" }, t("putaway_done_title")),
      h("div", { class: "done__lpn" }, done.lpn),
      h("div", { class: "done__bin" }, "→ ", done.bin || ""),
      h("div", { class: "hint" }, t("putaway_done_line", { qty: done.qty, sku: done.sku, lot: done.lot })),
    );
  }

  function renderList() {
    const parts = [];
    if (s.done) parts.push(renderDone());
    if (s.lpnPending) {
      parts.push(h("p", { class: "prompt", testid: "putaway-prompt", "data-next": "wait_lpn" }, t("putaway_opening", { lpn: s.lpnPending.code })));
    } else {
      parts.push(h("p", { class: "prompt", testid: "putaway-prompt", "data-next": "scan_lpn" }, t("putaway_scan_lpn")));
    }
    parts.push(...taskListHead({ titleKey: "putaway_open_title", testid: "putaway-refresh", onRefresh: loadList, state: s }));
    const list = h("ul", { class: "lines", testid: "putaway-list" });
    for (const task of s.list || []) {
      list.append(
        h(
          "li",
          { class: "line", testid: "putaway-task", "data-lpn": task.lpn, "data-task": task.task },
          h(
            "div",
            { class: "line__main" },
            h("div", { class: "line__sku" }, task.lpn),
            h("div", { class: "line__sub" }, task.sku, " · ", `${t("lot")} ${task.lot}`),
            nameAndVariant("line", task.name, task.variant),
            h(
              "div",
              { class: "line__sub" },
              `${t("zone")} ${task.zone}`,
              task.quarantine ? ` · ${t("quarantine")}` : "",
              task.suggested_bin ? ` · ${t("putaway_suggested")} ${task.suggested_bin}` : "",
            ),
          ),
          h("div", { class: "line__qty" }, h("span", { class: "line__qty-label" }, t("qty")), String(task.qty)),
        ),
      );
    }
    parts.push(list);
    if (s.list && !s.list.length) parts.push(h("p", { class: "hint", testid: "putaway-empty" }, t("putaway_none_open")));
    return parts;
  }

  function render() {
    const root = document.getElementById("putaway-body");
    const parts = [];
    if (s.error) parts.push(errorPanel(s.error));
    parts.push(...(s.task ? renderTask() : renderList()));
    root.replaceChildren(...parts.filter(Boolean));
  }

  return {
    name: "putaway",
    modes: ["putaway"],
    title: "journey_putaway",
    state: s,
    render,
    onScan,
    onAck,
    enter() {
      loadList();
    },
    back() {
      if (!s.task) return false;
      s.task = null;
      s.error = null;
      app.render();
      return true;
    },
    reset() {
      s.list = null;
      s.task = null;
      s.lpnPending = null;
      s.done = null;
      s.error = null;
    },
  };
}
