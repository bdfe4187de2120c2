// Small DOM helpers shared by the screens: element builder, labelled details, the red error panel.

import { lang, pick, t, tn } from "./i18n.js";

/** h("div", {class, testid, "data-x": …}, ...children): an element; null/false attrs are left out. */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "testid") node.dataset.testid = value;
    else if (name === "onclick") node.addEventListener("click", value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child == null || child === "" || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** A big button; onclick runs on tap. */
export function button(attrs, ...children) {
  return h("button", { type: "button", ...attrs }, ...children);
}

/** The table's word for a server-side name (kind, role, reason), or the name itself if unknown. */
export function termOr(prefix, name) {
  const key = `${prefix}_${name}`;
  const text = t(key);
  return text === key ? String(name ?? "") : text;
}

export function detail(labelKey, value) {
  if (value == null || value === "") return null;
  const label = h("span", { class: "detail__label" }, `${t(labelKey)} `);
  return h("span", { class: "detail" }, label, String(value));
}

/** "Lot L-1 · Expiry 2027-01-31" from the named fields of source that have a value. */
export function details(source, keys) {
  const out = [];
  for (const part of keys.map((key) => detail(key, source[key])).filter(Boolean)) {
    if (out.length) out.push(" · ");
    out.push(part);
  }
  return out;
}

export function nameAndVariant(cls, name, variant) {
  const variantText = variant && pick(variant) ? h("span", { class: `${cls}__variant` }, ` ${pick(variant)}`) : null;
  return h("div", { class: `${cls}__name` }, pick(name), variantText);
}

/**
 * The red panel of a refusal. error: {record, ack} for a server answer, or {record, key, vars}
 * for a refusal made on the device (e.g. "scan the PO first"), shown in the current language.
 */
export function errorPanel(error) {
  const { record, ack } = error;
  const message = error.key
    ? t(error.key, error.vars)
    : pick(ack?.error?.message) || ack?.error?.code || "?";
  const code = error.key ? `local:${error.key}` : ack?.error?.code || "";
  const scanned = record?.code
    ? h(
        "p",
        { class: "error-panel__code" },
        `${t("scanned")}${t("colon")}`,
        h("strong", {}, record.qty > 1 ? `${record.code} × ${record.qty}` : record.code),
      )
    : null;
  return h(
    "div",
    {
      class: "error-panel",
      testid: "error-panel",
      role: "alert",
      "data-code": code,
      "data-scan-id": record?.scan_id || "",
    },
    h("div", { class: "error-panel__title" }, t(error.titleKey || "error_title")),
    h("p", { class: "error-panel__message", testid: "error-message" }, message),
    scanned,
  );
}

/** "10 %" from a rate 0.1. */
export function percent(rate) {
  if (typeof rate !== "number") return "";
  const value = Math.round(rate * 1000) / 10;
  return lang() === "zh" ? `${value}%` : `${value} %`;
}

/** One line saying how a lot is sampled, from the plan stored with its inspection. */
export function planSummary(plan) {
  if (!plan) return "";
  if (plan.policy === "none") return t("plan_none");
  if (plan.returned) return t("plan_returned");
  if (plan.policy === "seed") {
    return tn("plan_seed", plan.first_sample, {
      rate: percent(plan.rate),
      first: plan.first_sample ?? "?",
      widened: plan.widened_sample ?? "?",
    });
  }
  if (plan.policy === "iso2859") {
    const n = plan.sample_size ?? plan.n ?? "?";
    const ac = plan.ac ?? plan.accept ?? "?";
    const re = plan.re ?? plan.reject ?? "?";
    return t("plan_iso", { aql: plan.aql ?? "?", level: plan.level ?? "?", state: termOr("iso_state", plan.state), n, ac, re });
  }
  return String(plan.policy || "");
}

/** Text with one {n} placeholder, its number set big: "Inspect <big>6</big> more". */
export function withBigNumber(text, n, cls) {
  const marker = "\u0000";
  const [before, after = ""] = text.replace(String(n), marker).split(marker);
  return [before, h("strong", { class: cls }, String(n)), after];
}

/**
 * A static "scan once + enter quantity" form: on submit the typed value goes to `addQuantity`, the
 * field empties and the scan input takes focus back (the form is kept across renders).
 */
export function onQuantityForm(formId, inputId, addQuantity, app) {
  document.getElementById(formId).addEventListener("submit", (event) => {
    event.preventDefault();
    const input = document.getElementById(inputId);
    const value = input.value;
    input.value = "";
    input.blur();
    addQuantity(value);
    app.focusScan();
  });
}

/**
 * The head of a journey's list of open tasks (put-away, put-back, counts): its title with a refresh button,
 * then the list's error or "loading…" while nothing has arrived yet. Parts to push before the list itself.
 */
export function taskListHead({ titleKey, testid, onRefresh, state }) {
  const parts = [
    h(
      "div",
      { class: "listhead" },
      h("h2", { class: "listhead__title" }, t(titleKey)),
      button({ class: "btn btn--small", testid, onclick: onRefresh }, t("refresh")),
    ),
  ];
  if (state.listError) parts.push(errorPanel({ ...state.listError, titleKey: "list_error_title" }));
  if (state.loading && !state.list) parts.push(h("p", { class: "hint" }, t("loading")));
  return parts;
}
