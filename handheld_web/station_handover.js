// The Handover (交接) tab's picture: the open manifests to choose from, the chosen manifest's
// parcels (each removable while it is open), who confirmed, and what is left to do.

import { pick, t, tn, when as at } from "./i18n.js";
import { button, h } from "./ui.js";

function when(iso) {
  return at(iso, { timeOnly: true });
}

function manifestList(state, actions) {
  const list = state.manifests || [];
  return h(
    "section",
    { class: "st-manifests" },
    h(
      "div",
      { class: "st-manifests__head" },
      h("h3", { class: "st-sub" }, t("st_open_manifests")),
      button({ class: "btn btn--small", testid: "manifests-refresh", onclick: actions.refresh }, t("refresh")),
    ),
    state.manifestsLoading ? h("p", { class: "hint" }, t("loading")) : null,
    !state.manifestsLoading && !list.length ? h("p", { class: "hint", testid: "manifests-none" }, t("st_no_manifests")) : null,
    h(
      "div",
      { class: "st-manifests__list", testid: "manifest-list" },
      list.map((m) =>
        button(
          {
            class: `st-manifest-pick${state.manifest?.id === m.id ? " st-manifest-pick--on" : ""}`,
            testid: "manifest-item",
            "data-manifest": m.id,
            "aria-pressed": String(state.manifest?.id === m.id),
            onclick: () => actions.choose(m.id),
          },
          tn("st_manifest_entry", m.count, { id: m.id, carrier: pick(m.carrier_name) || m.carrier }),
        ),
      ),
    ),
  );
}

function parcelRows(manifest, actions) {
  const open = manifest.status === "open";
  return manifest.parcels.map((p) =>
    h(
      "tr",
      { testid: "manifest-parcel", "data-tracking": p.tracking, "data-order": p.order },
      h("td", { class: "st-mono" }, p.tracking),
      h("td", {}, p.order),
      h("td", { class: "st-num" }, `${p.seq}/${p.of}`),
      h("td", {}, p.customer),
      h("td", { class: "st-num" }, String(p.units ?? "")),
      h("td", { class: "st-num" }, p.weight_g ? String(p.weight_g) : ""),
      h(
        "td",
        {},
        open
          ? button({ class: "btn btn--small", testid: "manifest-remove", "data-tracking": p.tracking, onclick: () => actions.remove(p.tracking) }, t("st_remove"))
          : null,
      ),
    ),
  );
}

function manifestDetail(manifest, actions) {
  const heads = ["st_tracking", "st_order", "st_parcel", "st_customer", "st_units_head", "st_weight", ""];
  const driver = manifest.driver || {};
  const shipped = manifest.status === "shipped";
  return h(
    "section",
    { class: `st-manifest st-manifest--${manifest.status}`, testid: "manifest", "data-manifest": manifest.id, "data-status": manifest.status, "data-count": manifest.count },
    h(
      "h3",
      { class: "st-manifest__title" },
      t("st_manifest_title", { id: manifest.id, carrier: pick(manifest.carrier_name) || manifest.carrier }),
      h("span", { class: `st-badge st-badge--${manifest.status}`, testid: "manifest-status" }, t(`st_manifest_${manifest.status}`)),
    ),
    h(
      "table",
      { class: "st-lines st-manifest__table" },
      h("thead", {}, h("tr", {}, heads.map((key) => h("th", {}, key ? t(key) : "")))),
      h("tbody", {}, parcelRows(manifest, actions)),
    ),
    manifest.parcels.length ? null : h("p", { class: "hint" }, t("st_manifest_empty")),
    driver.confirmed_at
      ? h(
          "p",
          { class: "st-confirmed", testid: "driver-confirmed" },
          t("st_driver_confirmed", { name: driver.name, at: when(driver.confirmed_at) }),
          [driver.phone, driver.vehicle].filter(Boolean).map((part) => ` · ${part}`),
        )
      : null,
    shipped
      ? h("p", { class: "st-confirmed st-confirmed--shipped", testid: "manifest-shipped" }, t("st_shipped", { name: manifest.packer?.name || "", at: when(manifest.packer?.confirmed_at) }))
      : null,
  );
}

/** What the handover tab shows above the driver's form. */
export function renderHandover(state, actions) {
  const manifest = state.manifest;
  const prompt = manifest?.status === "open"
    ? t("st_handover_prompt_manifest", { id: manifest.id })
    : t("st_handover_prompt");
  return [
    h("p", { class: "prompt st-prompt", testid: "handover-prompt", "data-manifest": manifest?.status === "open" ? manifest.id : "" }, prompt),
    manifestList(state, actions),
    manifest ? manifestDetail(manifest, actions) : null,
  ];
}

/** Below the driver's form: the packer's confirmation and the A4 manifest. */
export function renderHandoverActions(manifest, actions) {
  if (!manifest) return [];
  const ready = manifest.status === "open" && manifest.driver?.confirmed_at;
  return [
    ready ? button({ class: "btn btn--danger st-big", testid: "handover-confirm", onclick: actions.confirm }, t("st_packer_confirm")) : null,
    button({ class: "btn btn--secondary", testid: "print-manifest", onclick: actions.print }, t("st_print_manifest")),
  ];
}
