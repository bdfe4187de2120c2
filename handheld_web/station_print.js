// A4 paper from the station: the packing list of a closed parcel (for stations with an office
// printer) and the handover manifest the driver and the packer sign. Each fills #print-area, which
// only print CSS shows, and opens the browser's print dialog.

import { pick, t, tn, when } from "./i18n.js";
import { h, termOr } from "./ui.js";

function table(testid, heads, rows) {
  return h(
    "table",
    { class: "doc__table", testid },
    h("thead", {}, h("tr", {}, heads.map((key) => h("th", {}, t(key))))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((cell) => h("td", {}, cell ?? ""))))),
  );
}

function facts(pairs) {
  return h(
    "dl",
    { class: "doc__facts" },
    pairs.filter(([, value]) => value != null && value !== "").flatMap(([key, value]) => [h("dt", {}, t(key)), h("dd", {}, String(value))]),
  );
}

function show(kind, ...children) {
  const area = document.getElementById("print-area");
  area.dataset.doc = kind;
  area.replaceChildren(h("article", { class: "doc", testid: `doc-${kind}` }, ...children));
  window.print();
}

/** closed: {parcel, order, lines: [{sku, name, variant, qty}], packer, at}. */
export function printPackingList(closed, station) {
  const { parcel, order } = closed;
  show(
    "packing-list",
    h("h1", { class: "doc__title" }, t("st_doc_packing_list")),
    facts([
      ["st_order", order?.number],
      ["st_channel", order?.channel ? termOr("channel", order.channel) : ""],
      ["st_customer", order?.customer],
      ["st_parcel", `${parcel.seq}/${parcel.of}`],
      ["st_tracking", parcel.tracking],
      ["st_weight", parcel.weight_g],
      ["st_packer", closed.packer],
      ["st_packed_at", when(closed.at)],
      ["st_station", station?.name],
    ]),
    table(
      "doc-lines",
      ["sku", "st_item", "qty"],
      closed.lines.map((line) => [line.sku, [pick(line.name), pick(line.variant)].filter(Boolean).join(" "), String(line.qty)]),
    ),
    h("p", { class: "doc__total" }, tn("st_units", closed.lines.reduce((sum, line) => sum + line.qty, 0))),
  );
}

function signature(titleKey, who, testid) {
  return h(
    "div",
    { class: "doc__sign", testid },
    h("h2", {}, t(titleKey)),
    facts(who),
    h("div", { class: "doc__sign-line" }, t("st_signature")),
  );
}

export function printManifest(manifest) {
  const parcels = manifest.parcels || [];
  const units = parcels.reduce((sum, p) => sum + (p.units || 0), 0);
  const grams = parcels.reduce((sum, p) => sum + (p.weight_g || 0), 0);
  show(
    "manifest",
    h("h1", { class: "doc__title" }, t("st_doc_manifest", { id: manifest.id })),
    facts([
      ["st_carrier", pick(manifest.carrier_name) || manifest.carrier],
      ["st_manifest_status", t(`st_manifest_${manifest.status}`)],
      ["st_created_at", when(manifest.created_at)],
      ["st_closed_at", when(manifest.closed_at)],
    ]),
    table(
      "doc-parcels",
      ["st_row", "st_tracking", "st_order", "st_parcel", "st_customer", "st_units_head", "st_weight"],
      parcels.map((p, i) => [String(i + 1), p.tracking, p.order, `${p.seq}/${p.of}`, p.customer, String(p.units ?? ""), p.weight_g ? String(p.weight_g) : ""]),
    ),
    h("p", { class: "doc__total" }, tn("st_manifest_total", parcels.length, { units, kg: (grams / 1000).toFixed(2) })),
    h(
      "div",
      { class: "doc__signs" },
      signature("st_driver", [
        ["st_driver_name_short", manifest.driver?.name],
        ["st_driver_phone", manifest.driver?.phone],
        ["st_vehicle", manifest.driver?.vehicle],
        ["st_confirmed_at", when(manifest.driver?.confirmed_at)],
      ], "doc-sign-driver"),
      signature("st_packer", [
        ["st_name", manifest.packer?.name],
        ["st_confirmed_at", when(manifest.packer?.confirmed_at)],
      ], "doc-sign-packer"),
    ),
  );
}
