// Keyboard-wedge scanner input: the PDA's scanner "types" the barcode into the focused field and
// ends it with Enter (or Tab). One input field receives it; this module turns keystrokes into scans.
//
// Two modes (localStorage "hh.wedge", JSON):
// - "field" (default): a visible field; any value submitted with Enter/Tab is a scan, whatever the
//   typing speed, so a person can also key in a damaged barcode by hand.
// - "hidden": the field is invisible and stray keys must not become scans, so a submission counts
//   only if it starts with the scanner's configured prefix, or arrives as a fast burst
//   (>= minLength characters, average gap <= avgTimeByChar ms), as onscan.js does.

const STORAGE_KEY = "hh.wedge";

export const DEFAULTS = Object.freeze({
  mode: "field",
  prefix: "", // a prefix character programmed on the scanner; stripped when present
  minLength: 6,
  avgTimeByChar: 30,
  resetAfterMs: 500, // in hidden mode, a longer pause starts a new burst
  suffixKeys: ["Enter", "Tab"],
});

export function loadConfig() {
  try {
    return { ...DEFAULTS, ...JSON.parse(localStorage.getItem(STORAGE_KEY) || "{}") };
  } catch {
    return { ...DEFAULTS };
  }
}

/** The scanned text without line breaks and surrounding spaces. */
export function cleanCode(raw) {
  return String(raw).replace(/[\r\n]+/g, "").trim();
}

/** Average gap between consecutive key times (ms); 0 for fewer than two keys. */
export function averageGap(keyTimes) {
  if (keyTimes.length < 2) return 0;
  return (keyTimes[keyTimes.length - 1] - keyTimes[0]) / (keyTimes.length - 1);
}

/**
 * Decide what a submitted value means: the code to handle, or null to ignore it.
 * keyTimes are the keydown times of the characters typed into the field for this value.
 */
export function acceptSubmission(value, keyTimes, config) {
  let code = cleanCode(value);
  const hasPrefix = config.prefix && code.startsWith(config.prefix);
  if (hasPrefix) code = code.slice(config.prefix.length).trim();
  if (!code) return null;
  if (config.mode !== "hidden" || hasPrefix) return code;
  const fast = keyTimes.length >= config.minLength && averageGap(keyTimes) <= config.avgTimeByChar;
  return fast ? code : null;
}

/** Whether el takes typed text (so keys and focus must be left to it). */
export function isTextEntry(el) {
  if (!el) return false;
  if (el.isContentEditable || el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
  return el.tagName === "INPUT" && !["button", "checkbox", "radio", "submit"].includes(el.type);
}

/**
 * Wire the scan field: calls onScan(code) for each accepted scan. Keys typed while nothing
 * editable has focus (after a tap on a button) are routed into the field, so no scan is lost.
 * isActive() says whether the field currently takes scans.
 */
export function attachWedge(input, { onScan, isActive, config = loadConfig() }) {
  let keyTimes = [];

  input.setAttribute("inputmode", "none");
  input.setAttribute("autocomplete", "off");
  input.setAttribute("autocorrect", "off");
  input.setAttribute("autocapitalize", "off");
  input.setAttribute("spellcheck", "false");

  function submit() {
    const code = acceptSubmission(input.value, keyTimes, config);
    input.value = "";
    keyTimes = [];
    if (code) onScan(code);
  }

  function noteKey(now) {
    if (config.mode === "hidden" && keyTimes.length) {
      if (now - keyTimes[keyTimes.length - 1] > config.resetAfterMs) {
        input.value = "";
        keyTimes = [];
      }
    }
    keyTimes.push(now);
  }

  input.addEventListener("keydown", (event) => {
    if (event.isComposing) return;
    if (config.suffixKeys.includes(event.key)) {
      event.preventDefault();
      submit();
    } else if (event.key.length === 1) {
      noteKey(event.timeStamp || performance.now());
    }
  });

  // Keys arriving while focus is on no text field (e.g. a button just tapped) go to the field.
  document.addEventListener(
    "keydown",
    (event) => {
      if (event.target === input || isTextEntry(document.activeElement) || !isActive()) return;
      if (event.ctrlKey || event.altKey || event.metaKey) return;
      if (config.suffixKeys.includes(event.key)) {
        if (!input.value) return;
        event.preventDefault();
        submit();
      } else if (event.key.length === 1) {
        event.preventDefault();
        noteKey(event.timeStamp || performance.now());
        input.value += event.key;
        input.focus({ preventScroll: true });
      }
    },
    true,
  );

  return { config, submit };
}
