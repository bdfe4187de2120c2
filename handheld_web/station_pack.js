// The Pack tab's picture of the station view: the order, its lines (green when all packed), its
// parcels, what to scan next, and what the last close (or a parcel put on a manifest) produced.

import { pick, t, tn } from "./i18n.js";
import { button, h, termOr } from "./ui.js";

/** What the packer does next, read from the view (so an echo or a reload shows it too). */
export function nextStep(view) {
  if (!view?.order) return "scan_tote_or_order";
  if (view.order.on_hold) return "on_hold";
  return view.complete ? "close_parcel" : "scan_unit";
}

function orderHeader(order) {
  return h(
    "div",
    { class: "st-order", testid: "pack-order", "data-order": order.number, "data-kind": order.kind },
    h("div", { class: "st-order__number" }, `${t("st_order")} `, h("strong", {}, order.number)),
    order.kind === "exchange" ? h("span", { class: "st-badge st-badge--exchange", testid: "order-exchange" }, t("st_exchange")) : null,
    h("div", { class: "st-order__meta" }, `${t("st_customer")}${t("colon")}${order.customer || ""}`),
    h("div", { class: "st-order__meta", testid: "order-carrier" }, `${t("st_carrier")}${t("colon")}${termOr("carrier", order.carrier)}`),
    order.channel ? h("div", { class: "st-order__meta" }, `${t("st_channel")}${t("colon")}${termOr("channel", order.channel)}`) : null,
  );
}

function lineRow(line) {
  const done = line.remaining === 0 && line.packed > 0;
  const cell = (testid, value, cls = "") => h("td", { class: `st-num ${cls}`, testid }, String(value ?? 0));
  return h(
    "tr",
    { class: `st-line${done ? " st-line--done" : ""}`, testid: "pack-line", "data-sku": line.sku, "data-complete": String(done) },
    h("td", { class: "st-line__sku" }, line.sku, done ? h("span", { class: "st-line__tick" }, " ✔") : null),
    h("td", {}, h("div", { class: "st-line__name" }, pick(line.name)), h("div", { class: "st-line__variant" }, pick(line.variant))),
    cell("pack-line-ordered", line.ordered),
    cell("pack-line-picked", line.picked),
    cell("pack-line-packed", line.packed),
    cell("pack-line-remaining", line.remaining, line.remaining > 0 ? "st-num--due" : ""),
    cell("pack-line-in-parcel", line.in_parcel, "st-num--parcel"),
  );
}

/** A kit (组合装) as sold: whole kits packed of ordered, its parts (ready-made kits or components) indented
 *  beneath with their units packed of needed. Scanning stays per item: the lines table counts them too. */
function kitRow(kit) {
  const done = kit.complete >= kit.ordered;
  return [
    h(
      "tr",
      { class: `st-kit${done ? " st-line--done" : ""}`, testid: "pack-kit", "data-sku": kit.sku, "data-text": kit.text,
        "data-complete": String(done) },
      h("td", { class: "st-line__sku" }, kit.sku, done ? h("span", { class: "st-line__tick" }, " ✔") : null),
      h("td", {}, h("div", { class: "st-line__name" }, pick(kit.name)), h("div", { class: "st-line__variant" }, t("st_kit"))),
      h("td", { class: "st-num", testid: "pack-kit-count" }, `${kit.complete}/${kit.ordered}`),
    ),
    ...kit.parts.map((part) =>
      h(
        "tr",
        { class: `st-kit-part${part.packed >= part.needed ? " st-line--done" : ""}`, testid: "pack-kit-part", "data-sku": part.sku },
        h("td", { class: "st-line__sku st-kit-part__sku" }, `↳ ${part.sku}`),
        h("td", {}, h("div", { class: "st-line__name" }, pick(part.name), part.ready_made ? ` (${t("st_kit_ready_made")})` : ""),
          h("div", { class: "st-line__variant" }, pick(part.variant))),
        h("td", { class: "st-num", testid: "pack-kit-part-count" }, `${part.packed}/${part.needed}`),
      ),
    ),
  ];
}

function kitsTable(kits) {
  if (!kits?.length) return null;
  return h(
    "table",
    { class: "st-lines st-kits", testid: "pack-kits" },
    h("thead", {}, h("tr", {}, ["st_kits", "st_item", "st_packed"].map((key) => h("th", {}, t(key))))),
    h("tbody", {}, kits.flatMap(kitRow)),
  );
}

function linesTable(lines) {
  const heads = ["sku", "st_item", "st_ordered", "st_picked", "st_packed", "st_remaining", "st_in_parcel"];
  return h(
    "table",
    { class: "st-lines", testid: "pack-lines" },
    h("thead", {}, h("tr", {}, heads.map((key) => h("th", {}, t(key))))),
    h("tbody", {}, lines.map(lineRow)),
  );
}

export function parcelText(parcel) {
  const parts = [t("st_parcel_of", { seq: parcel.seq, of: parcel.of }), termOr("st_parcel_status", parcel.status)];
  if (parcel.tracking) parts.push(parcel.tracking);
  parts.push(tn("st_units", parcel.units ?? 0));
  if (parcel.weight_g) parts.push(`${parcel.weight_g} g`);
  return parts.join(" · ");
}

function parcelList(view) {
  return h(
    "ul",
    { class: "st-parcels", testid: "pack-parcels" },
    view.parcels.map((parcel) =>
      h(
        "li",
        {
          class: `st-parcel st-parcel--${parcel.status}`,
          testid: "pack-parcel",
          "data-seq": parcel.seq,
          "data-status": parcel.status,
          "data-tracking": parcel.tracking || "",
        },
        parcelText(parcel),
      ),
    ),
  );
}

function prompt(view) {
  const next = nextStep(view);
  const text =
    next === "scan_unit"
      ? t("st_prompt_unit", { seq: view.open_parcel ?? "?" })
      : next === "close_parcel"
        ? t("st_prompt_close")
        : next === "on_hold"
          ? t("st_prompt_hold")
          : t("st_prompt_start");
  return h("p", { class: `prompt st-prompt st-prompt--${next}`, testid: "pack-prompt", "data-next": next }, text);
}

/** The order on the station, or the idle prompt. */
export function renderOrder(view) {
  if (!view?.order) return [prompt(view)];
  const open = view.parcels.find((parcel) => parcel.seq === view.open_parcel);
  return [
    orderHeader(view.order),
    prompt(view),
    open
      ? h(
          "p",
          { class: "st-current", testid: "current-parcel", "data-seq": open.seq, "data-of": open.of },
          t("st_current_parcel", { seq: open.seq, of: open.of }),
        )
      : null,
    kitsTable(view.kits),
    linesTable(view.lines),
    h("h3", { class: "st-sub" }, t("st_parcels")),
    parcelList(view),
  ];
}

/** After a close: the tracking number, what prints where, and the A4 packing list. */
export function renderClosed(closed, { printer, onPrint }) {
  const parcel = closed.parcel;
  const jobs = `/sup/print-jobs?printer=${encodeURIComponent(printer || "")}`;
  return h(
    "section",
    { class: "st-closed", testid: "closed-parcel", "data-tracking": parcel.tracking, "data-order": closed.order?.number || "" },
    h("div", { class: "st-closed__title" }, t("st_closed_title", { seq: parcel.seq, of: parcel.of, order: closed.order?.number || "" })),
    h("div", { class: "st-closed__label" }, t("st_tracking")),
    h("div", { class: "st-closed__tracking", testid: "closed-tracking" }, parcel.tracking),
    h("p", { class: "st-closed__printing", testid: "closed-printing" }, t("st_printing", { printer: printer || "?" })),
    parcel.weight_unknown?.length
      ? h("p", { class: "st-notice", testid: "weight-unknown", "data-skus": parcel.weight_unknown.join(",") },
        t("st_weight_unknown", { skus: parcel.weight_unknown.join(", ") }))
      : null,
    parcel.weight_override
      ? h("p", { class: "st-notice", testid: "weight-override" }, t("st_weight_override", { reason: parcel.weight_override }))
      : null,
    closed.orderDone ? h("p", { class: "st-closed__done", testid: "order-done" }, t("st_order_done", { order: closed.order?.number || "" })) : null,
    h(
      "div",
      { class: "st-closed__actions" },
      h("a", { class: "btn btn--small", href: jobs, target: "_blank", rel: "noopener", testid: "print-jobs-link" }, t("st_print_jobs")),
      button({ class: "btn btn--small", testid: "print-packing-list", onclick: onPrint }, t("st_print_packing_list")),
    ),
  );
}

/** A closed parcel scanned with no order open went onto its carrier's manifest. */
export function renderOnManifest(notice) {
  const manifest = notice.manifest;
  return h(
    "p",
    { class: "st-notice", testid: "parcel-on-manifest", "data-tracking": notice.tracking, "data-manifest": manifest.id },
    t("st_on_manifest", {
      tracking: notice.tracking,
      manifest: manifest.id,
      carrier: pick(manifest.carrier_name) || manifest.carrier,
      n: manifest.count,
    }),
  );
}

export function renderSetAside(order) {
  return h("p", { class: "st-notice", testid: "set-aside-notice", "data-order": order }, t("st_set_aside_done", { order }));
}
