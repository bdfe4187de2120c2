// Scan feedback a picker notices without looking: Web Audio tones and vibration.
// Browsers only start audio after a user gesture, so unlock() is called from the login tap/scan.

const TONES = {
  // One short high beep.
  ok: { wave: "square", notes: [{ freq: 2400, start: 0, dur: 0.08 }], vibrate: [60] },
  // A low double buzz, clearly different even through a glove and warehouse noise.
  error: {
    wave: "sawtooth",
    notes: [
      { freq: 220, start: 0, dur: 0.18 },
      { freq: 180, start: 0.26, dur: 0.26 },
    ],
    vibrate: [300, 120, 300, 120, 500],
  },
  // Something changed without a scan (a hold notice): three rising beeps, long vibration.
  alert: {
    wave: "square",
    notes: [
      { freq: 880, start: 0, dur: 0.14 },
      { freq: 1320, start: 0.2, dur: 0.14 },
      { freq: 1760, start: 0.4, dur: 0.3 },
    ],
    vibrate: [500, 150, 500, 150, 800],
  },
};

let audio = null;

function context() {
  if (!audio) {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return null;
    audio = new Ctx();
  }
  return audio;
}

/** Create/resume the AudioContext; call it inside a user gesture (tap, keypress). */
export function unlock() {
  const ctx = context();
  if (ctx && ctx.state === "suspended") ctx.resume().catch(() => {});
}

function playTone(tone) {
  const ctx = context();
  if (!ctx || ctx.state !== "running") return;
  const now = ctx.currentTime;
  for (const note of tone.notes) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = tone.wave;
    osc.frequency.value = note.freq;
    // Short ramps avoid clicks at the start and end of each note.
    gain.gain.setValueAtTime(0.0001, now + note.start);
    gain.gain.exponentialRampToValueAtTime(0.5, now + note.start + 0.01);
    gain.gain.setValueAtTime(0.5, now + note.start + note.dur - 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + note.start + note.dur);
    osc.connect(gain).connect(ctx.destination);
    osc.start(now + note.start);
    osc.stop(now + note.start + note.dur + 0.01);
  }
}

/** Sound and vibrate for "ok", "error" or "alert"; body[data-last-sound] records it (read by tests). */
export function signal(kind) {
  const name = kind === "ok" || kind === "alert" ? kind : "error";
  const tone = TONES[name];
  document.body.dataset.lastSound = name;
  try {
    playTone(tone);
  } catch {
    // Audio is a courtesy: a broken audio device must never block a scan.
  }
  if (typeof navigator.vibrate === "function") {
    try {
      navigator.vibrate(tone.vibrate);
    } catch {
      // Vibration needs a prior user gesture in Chrome; ignore when refused.
    }
  }
}
