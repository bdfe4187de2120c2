// The Returns journey (退货): choose why the parcel came back, scan its label (our tracking number or the
// order number) to open the case — or open it as an unknown parcel — then scan and judge every unit
// (100 %). A unit the order never shipped, or one too many, sounds the error tone and escalates the
// case. Dispositions and the sign-off chain are on the returns desk page (/sup/returns).

import { t } from "./i18n.js";
import { button, errorPanel, h, nameAndVariant, termOr } from "./ui.js";

const REASONS = ["damaged_in_transit", "wrong_item_sent", "not_as_described", "size_or_fit", "changed_mind",
  "defective", "other"];
const JUDGEMENTS = ["good", "damaged", "wrong_item", "missing_parts"];

export function createReturns(app) {
  const s = {
    reason: null, // why the parcel came back (chosen before its label is scanned)
    unknown: false, // open the next scan as an unknown parcel
    judgement: "good", // how the next unit is judged
    opening: null, // the open scan on its way
    current: null, // the case view
    lastUnit: null, // {sku, judgement, warning}
    error: null,
  };

  const refuse = (code, key, vars) => app.refuse(s, code, key, vars);

  function onScan(code) {
    s.error = null;
    if (!s.current) {
      if (s.opening) return refuse(code, "returns_wait_open", { code: s.opening.code });
      if (!s.reason) return refuse(code, "returns_reason_first");
      s.opening = app.send({ mode: "return.open", code, reason: s.reason, unknown_parcel: s.unknown });
      app.render();
      return;
    }
    app.send({ mode: "return.unit", code, return: s.current.number, judgement: s.judgement });
    // Each unit is judged on its own: the choice went with this unit, the next one is good again. Reset
    // here, not when an answer comes back: an answer to an earlier unit would undo a choice just made.
    s.judgement = "good";
    app.render();
  }

  function onAck(record, ack) {
    const ok = ack?.ok === true;
    if (record.mode === "return.open") {
      if (s.opening?.scan_id === record.scan_id) s.opening = null;
      if (ok) {
        s.current = ack.result;
        s.lastUnit = null;
        s.judgement = "good";
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
    s.current = ack.result;
    const unit = ack.result.unit || {};
    s.lastUnit = { sku: unit.sku, judgement: unit.judgement, warning: (ack.warnings || [])[0] || null };
  }

  function choose(kind, value) {
    if (kind === "reason") s.reason = value;
    else s.judgement = value;
    s.error = null;
    app.render();
    app.focusScan();
  }

  function chips(kind, values, chosen) {
    return h(
      "div",
      { class: "chips chips--wrap", testid: `returns-${kind}s`, role: "radiogroup" },
      ...values.map((value) =>
        button(
          {
            class: `chip${value === chosen ? " chip--on" : ""}`,
            testid: `returns-${kind}-${value}`,
            "aria-pressed": String(value === chosen),
            onclick: () => choose(kind, value),
          },
          termOr(kind === "reason" ? "return_reason" : "judgement", value),
        ),
      ),
    );
  }

  function renderStart() {
    // The prompt first: on a 360×640 screen it stays in sight above the reasons.
    const next = s.opening ? "wait_open" : s.reason ? "scan_parcel" : "choose_reason";
    const text = s.opening
      ? t("returns_opening", { code: s.opening.code })
      : s.reason
        ? t(s.unknown ? "returns_scan_unknown" : "returns_scan_parcel")
        : t("returns_reason_first");
    return [
      h("p", { class: "prompt", testid: "returns-prompt", "data-next": next }, text),
      h("h2", { class: "listhead__title" }, t("returns_reason_title")),
      chips("reason", REASONS, s.reason),
      h(
        "div",
        { class: "chips chips--wrap" },
        button(
          {
            class: `chip${s.unknown ? " chip--on" : ""}`,
            testid: "returns-unknown",
            "aria-pressed": String(s.unknown),
            onclick: () => {
              s.unknown = !s.unknown;
              app.render();
              app.focusScan();
            },
          },
          t("returns_unknown_parcel"),
        ),
      ),
    ];
  }

  function renderCase() {
    const view = s.current;
    const remaining = view.plan?.remaining ?? 0;
    const parts = [
      h(
        "header",
        { class: "po", testid: "returns-case", "data-case": view.number, "data-status": view.status },
        h("div", { class: "po__number" }, view.number),
        h("div", { class: "po__supplier" }, view.order ? `${t("returns_order")} ${view.order}` : t("returns_unknown_parcel")),
        view.escalated ? h("div", { class: "badge badge--warn", testid: "returns-escalated" }, t("returns_escalated")) : null,
      ),
    ];
    if (s.lastUnit) {
      parts.push(
        h(
          "div",
          { class: `card ${s.lastUnit.warning ? "card--warn" : "card--done"}`, testid: "returns-last-unit" },
          h("div", { class: "card__kind" }, s.lastUnit.sku || ""),
          h("div", { class: "hint" }, termOr("judgement", s.lastUnit.judgement)),
          s.lastUnit.warning ? h("div", { class: "hint hint--warn" }, t(`returns_${s.lastUnit.warning}`)) : null,
        ),
      );
    }
    const done = remaining === 0 && view.units.length > 0;
    parts.push(
      h(
        "p",
        { class: "prompt", testid: "returns-prompt", "data-next": done ? "desk" : "scan_unit" },
        done ? t("returns_all_inspected") : t("returns_scan_unit", { n: remaining }),
      ),
    );
    parts.push(h("h2", { class: "listhead__title" }, t("returns_judgement_title")));
    parts.push(chips("judgement", JUDGEMENTS, s.judgement));
    const list = h("ul", { class: "lines", testid: "returns-lines" });
    for (const line of view.lines) {
      list.append(
        h(
          "li",
          { class: "line", testid: "returns-line", "data-sku": line.sku },
          h(
            "div",
            { class: "line__main" },
            h("div", { class: "line__sku" }, line.sku),
            nameAndVariant("line", line.name),
            // a component of a kit (组合装): the kit it came in, so the inspector judges each component
            line.kit ? h("div", { class: "line__kit", testid: "returns-line-kit" }, t("returns_from_kit", { kit: line.kit.sku })) : null,
          ),
          h(
            "div",
            { class: "line__qty" },
            h("span", { class: "line__qty-label" }, t("returns_received_of")),
            `${line.received} / ${line.expected}`,
          ),
        ),
      );
    }
    parts.push(list);
    parts.push(button({ class: "btn btn--small", testid: "returns-next-parcel", onclick: leaveCase }, t("returns_next_parcel")));
    return parts;
  }

  function leaveCase() {
    s.current = null;
    s.lastUnit = null;
    s.error = null;
    app.render();
    app.focusScan();
  }

  function render() {
    const root = document.getElementById("returns-body");
    const parts = [];
    if (s.error) parts.push(errorPanel(s.error));
    parts.push(...(s.current ? renderCase() : renderStart()));
    root.replaceChildren(...parts.filter(Boolean));
  }

  return {
    name: "returns",
    modes: ["return.open", "return.unit"],
    title: "journey_returns",
    state: s,
    render,
    onScan,
    onAck,
    enter() {},
    back() {
      if (!s.current) return false;
      leaveCase();
      return true;
    },
    reset() {
      s.reason = null;
      s.unknown = false;
      s.judgement = "good";
      s.opening = null;
      s.current = null;
      s.lastUnit = null;
      s.error = null;
    },
  };
}
