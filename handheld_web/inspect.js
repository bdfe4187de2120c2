// The Inspect journey: pick a lot waiting for inspection, mark each sampled unit PASS (the default)
// or DEFECT with a reason, scanning the unit's barcode; the server widens the sample or decides.

import { t, tn } from "./i18n.js";
import { button, errorPanel, h, nameAndVariant, planSummary, termOr, withBigNumber } from "./ui.js";

export function createInspect(app) {
  const s = {
    list: null, // lots waiting, from GET /api/v1/inspections
    listError: null,
    loading: false,
    current: null, // the inspection being worked, as the server last showed it
    mark: "pass", // what the next scanned unit is marked
    reason: null, // the defect reason of the next unit (with mark "defect")
    decision: null, // {decision, putaway} once the lot is decided
    last: null, // {result, reason, code} of the last unit the server took
    error: null,
  };

  function loadList() {
    return app.loadList(s, "/api/v1/inspections");
  }

  function open(inspection) {
    s.current = inspection;
    s.decision = null;
    s.mark = "pass";
    s.reason = null;
    s.last = null;
    s.error = null;
    app.render();
    app.scrollTop();
  }

  function leave() {
    s.current = null;
    s.decision = null;
    s.error = null;
    s.last = null;
    loadList();
  }

  const refuse = (code, key, vars) => app.refuse(s, code, key, vars);

  function onScan(code) {
    s.error = null;
    if (!s.current) return refuse(code, "inspect_choose_lot");
    if (s.decision) return refuse(code, "inspect_lot_decided", { lot: s.current.lot });
    if (s.mark === "defect" && !s.reason) return refuse(code, "inspect_choose_reason");
    const fields = { mode: "inspect", code, inspection: s.current.inspection, result: s.mark };
    if (s.mark === "defect") fields.reason = s.reason;
    // A DEFECT mark is for this one unit; the next one is PASS again unless chosen.
    s.mark = "pass";
    s.reason = null;
    app.send(fields);
  }

  function onAck(record, ack) {
    const mine = s.current && record.inspection === s.current.inspection;
    if (ack?.ok !== true) {
      s.error = { record, ack };
      return;
    }
    if (!mine || !ack.result) return;
    const { decision, putaway, ...view } = ack.result;
    s.current = view;
    s.last = { result: record.result, reason: record.reason, code: record.code };
    if (decision) {
      s.decision = { decision, putaway: putaway || [] };
      app.scrollTop();
    }
  }

  // ---------- screen ----------

  function renderList() {
    const parts = [
      h(
        "div",
        { class: "listhead" },
        h("h2", { class: "listhead__title" }, t("inspect_waiting_title")),
        button({ class: "btn btn--small", testid: "inspect-refresh", onclick: loadList }, t("refresh")),
      ),
    ];
    if (s.error) parts.push(errorPanel(s.error));
    if (s.listError) parts.push(errorPanel({ ...s.listError, titleKey: "list_error_title" }));
    if (s.loading && !s.list) parts.push(h("p", { class: "hint" }, t("loading")));
    const list = h("ul", { class: "picklist", testid: "inspection-list" });
    for (const item of s.list || []) {
      const progress = item.progress || {};
      list.append(
        h(
          "li",
          {},
          button(
            {
              class: "pick",
              testid: "inspection-item",
              "data-inspection": item.inspection,
              "data-lot": item.lot,
              onclick: () => open(item),
            },
            h("div", { class: "pick__head" }, h("span", { class: "pick__code" }, item.lot), h("span", { class: "pick__qty" }, `${t("qty")} ${item.lot_qty}`)),
            h("div", { class: "pick__sku" }, item.sku, " · ", item.supplier),
            nameAndVariant("pick", item.name, item.variant),
            h(
              "div",
              { class: "pick__todo" },
              tn("inspect_n_units", progress.remaining ?? "?"),
              " · ",
              termOr("policy", item.plan?.policy),
            ),
          ),
        ),
      );
    }
    parts.push(list);
    if (s.list && !s.list.length) parts.push(h("p", { class: "hint hint--big", testid: "inspection-empty" }, t("inspect_none_waiting")));
    return parts;
  }

  function renderDecision() {
    const accepted = s.decision.decision === "accept";
    const word = accepted ? "accepted" : "rejected";
    const tasks = h("ul", { class: "labels", testid: "inspect-putaway" });
    for (const task of s.decision.putaway) {
      tasks.append(
        h(
          "li",
          { class: "label-line", testid: "inspect-lpn", "data-lpn": task.lpn },
          h("span", { class: "label-line__lpn" }, task.lpn),
          h(
            "span",
            { class: "label-line__sub" },
            t("putaway_task_line", { qty: task.qty, zone: task.zone, bin: task.suggested_bin || "—" }),
            task.quarantine ? ` · ${t("quarantine")}` : "",
          ),
        ),
      );
    }
    const current = s.current;
    const defects = (current.defects || 0) + (current.flagged_defects || 0);
    const inspected = (current.inspected || 0) + (current.flagged_inspected || 0);
    return [
      h(
        "div",
        { class: `decision decision--${word}`, testid: "inspect-decision", "data-decision": word, role: "status" },
        h("div", { class: "decision__word" }, t(`decision_${word}`)),
        h("div", { class: "decision__sub" }, t("inspect_result_line", { inspected, defects })),
        accepted ? null : h("div", { class: "decision__sub" }, t("decision_rejected_hint")),
      ),
      s.decision.putaway.length ? h("h3", { class: "section-title" }, t("lpn_labels_printed")) : null,
      s.decision.putaway.length ? tasks : null,
      button({ class: "btn btn--primary", testid: "inspect-next-lot", onclick: leave }, t("inspect_next_lot")),
    ];
  }

  function renderMarking() {
    const current = s.current;
    const progress = current.progress || {};
    const flaggedLeft = (progress.flagged_target || 0) - (progress.flagged_done || 0);
    const inspected = (current.inspected || 0) + (current.flagged_inspected || 0);
    const defects = (current.defects || 0) + (current.flagged_defects || 0);
    const parts = [
      h(
        "div",
        { class: "remaining", testid: "inspect-remaining", "data-remaining": progress.remaining ?? "" },
        withBigNumber(t("inspect_more", { n: progress.remaining ?? "?" }), progress.remaining ?? "?", "remaining__n"),
      ),
    ];
    if (flaggedLeft > 0) {
      parts.push(h("p", { class: "flagged-first", testid: "inspect-flagged", "data-n": flaggedLeft }, tn("inspect_flagged_first", flaggedLeft)));
    }
    if (progress.widened) {
      parts.push(
        h(
          "div",
          { class: "widened", testid: "inspect-widened", role: "status", "data-target": progress.sample_target ?? "" },
          h("strong", {}, t("inspect_widened_title")),
          t("inspect_widened", { target: progress.sample_target ?? "?", n: progress.remaining ?? "?" }),
        ),
      );
    }
    parts.push(
      h(
        "p",
        { class: "counts", testid: "inspect-counts", "data-inspected": inspected, "data-defects": defects },
        `${t("inspected")}${t("colon")}`,
        h("strong", {}, String(inspected)),
        " · ",
        `${t("defects")}${t("colon")}`,
        h("strong", { class: defects ? "counts__bad" : "" }, String(defects)),
      ),
    );
    parts.push(
      h(
        "div",
        { class: "marks" },
        button(
          {
            class: `mark mark--pass ${s.mark === "pass" ? "mark--on" : ""}`,
            testid: "mark-pass",
            "aria-pressed": String(s.mark === "pass"),
            onclick: () => {
              s.mark = "pass";
              s.reason = null;
              s.error = null;
              app.render();
            },
          },
          t("mark_pass"),
        ),
        button(
          {
            class: `mark mark--defect ${s.mark === "defect" ? "mark--on" : ""}`,
            testid: "mark-defect",
            "aria-pressed": String(s.mark === "defect"),
            onclick: () => {
              s.mark = s.mark === "defect" ? "pass" : "defect";
              s.reason = null;
              s.error = null;
              app.render();
            },
          },
          t("mark_defect"),
        ),
      ),
    );
    if (s.mark === "defect") {
      const grid = h("div", { class: "reasons", testid: "defect-reasons" });
      for (const reason of current.defect_reasons || []) {
        grid.append(
          button(
            {
              class: `btn reason ${s.reason === reason ? "reason--on" : ""}`,
              testid: `defect-reason-${reason}`,
              "aria-pressed": String(s.reason === reason),
              onclick: () => {
                s.reason = reason;
                s.error = null;
                app.render();
              },
            },
            termOr("reason", reason),
          ),
        );
      }
      parts.push(grid);
    }
    const prompt =
      s.mark === "defect"
        ? s.reason
          ? t("inspect_scan_defect", { reason: termOr("reason", s.reason) })
          : t("inspect_pick_reason")
        : t("inspect_scan_pass");
    parts.push(h("p", { class: `prompt ${s.mark === "defect" ? "prompt--defect" : ""}`, testid: "inspect-prompt", "data-mark": s.mark }, prompt));
    if (s.last) {
      const text = s.last.result === "defect"
        ? t("inspect_last_defect", { reason: termOr("reason", s.last.reason) })
        : t("inspect_last_pass");
      parts.push(h("p", { class: "hint", testid: "inspect-last" }, text));
    }
    return parts;
  }

  function renderCurrent() {
    const current = s.current;
    const header = h(
      "header",
      { class: "po", testid: "inspect-lot", "data-inspection": current.inspection, "data-lot": current.lot },
      h("div", { class: "po__number" }, current.lot),
      h("div", { class: "line__sku" }, current.sku),
      nameAndVariant("line", current.name, current.variant),
      h("div", { class: "po__supplier" }, `${current.supplier} · ${t("lot_qty")}${t("colon")}${current.lot_qty}`),
      h("div", { class: "po__plan", testid: "inspect-plan" }, planSummary(current.plan)),
    );
    const parts = [header];
    if (s.error) parts.push(errorPanel(s.error));
    parts.push(...(s.decision ? renderDecision() : renderMarking()));
    return parts;
  }

  function render() {
    const root = document.getElementById("inspect-body");
    root.replaceChildren(...(s.current ? renderCurrent() : renderList()).filter(Boolean));
  }

  return {
    name: "inspect",
    modes: ["inspect"],
    title: "journey_inspect",
    state: s,
    render,
    onScan,
    onAck,
    enter() {
      if (!s.current) loadList();
    },
    back() {
      if (!s.current) return false;
      leave();
      return true;
    },
    reset() {
      s.list = null;
      s.current = null;
      s.decision = null;
      s.error = null;
      s.last = null;
      s.mark = "pass";
      s.reason = null;
    },
  };
}
