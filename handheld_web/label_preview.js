// Label previews drawn in the browser: ZPL → PNG with zpl-renderer-js (Zebrash compiled to WASM).
// The renderer is ~9 MB with its WASM inlined, so it is imported on first use only, never by the
// handheld app's pages.

const RENDERER_URL = "/hh/vendor/zpl-renderer-js/index.esm.js";

let renderer = null;

/** The renderer's API, loading it on the first call (later calls share the same promise). */
export function loadRenderer(url = RENDERER_URL) {
  renderer ??= import(url).then((module) => module.ready).then(({ api }) => api);
  return renderer;
}

/**
 * PNGs (base64) of every label in `zpl`, one per ^XA…^XZ format.
 * size: { widthMm, heightMm, dpmm } — dpmm 8 for a 203 dpi printer, 12 for 300 dpi.
 */
export async function renderLabels(zpl, { widthMm, heightMm, dpmm }) {
  const api = await loadRenderer();
  return api.zplToBase64MultipleAsync(zpl, widthMm, heightMm, dpmm);
}

/** Replace the children of `container` with one <img> per label; resolves once all are decoded. */
export async function showLabels(container, zpl, size) {
  const pngs = await renderLabels(zpl, size);
  const images = pngs.map((png, index) => {
    const image = new Image();
    image.alt = `label ${index + 1} of ${pngs.length}`;
    image.src = `data:image/png;base64,${png}`;
    return image;
  });
  await Promise.all(images.map((image) => image.decode()));
  container.replaceChildren(...images);
  return images;
}
