"""Charts as inline SVG, drawn on the server (no chart library): OC curves for sampling plans, and
the reports' bar charts and time series."""
from __future__ import annotations

import math
from dataclasses import dataclass

from server.web.language import pick  # titles, axes and legends in the reader's language

WIDTH, HEIGHT, PAD = 640, 340, 48
COLOURS = ("#d1242f", "#1f6feb", "#1a7f37", "#8250df")


@dataclass(frozen=True)
class Series:
    label: str
    points: list[tuple[float, float]]  # (p, Pa)
    colour: str


def oc_chart(curves: list[tuple[str, dict]], p_max: float = 0.5) -> dict:
    """Polylines and axes for OC curves given as (label, OcCurve.as_dict()) pairs, p up to p_max."""
    def x(p: float) -> float:
        return PAD + (WIDTH - 2 * PAD) * p / p_max

    def y(pa: float) -> float:
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * pa

    series = []
    for n, (label, curve) in enumerate(curves):
        points = [(pt["p"], pt["pa"]) for pt in curve["points"] if pt["p"] <= p_max + 1e-9]
        series.append({"label": label, "colour": COLOURS[n % len(COLOURS)],
                       "path": " ".join(f"{x(p):.1f},{y(pa):.1f}" for p, pa in points)})
    x_ticks = [{"x": x(p), "label": f"{p:.0%}"} for p in [i * p_max / 5 for i in range(6)]]
    y_ticks = [{"y": y(pa), "label": f"{pa:.0%}"} for pa in (0, 0.25, 0.5, 0.75, 1.0)]
    return {"width": WIDTH, "height": HEIGHT, "pad": PAD, "series": series, "x_ticks": x_ticks,
            "y_ticks": y_ticks, "x_axis_y": y(0), "y_axis_x": x(0), "right": x(p_max), "top": y(1)}


# --- report charts: bars (grouped or stacked) and time series, with axes, values, legend --------------

PALETTE = ("#1f6feb", "#d1242f", "#1a7f37", "#bf8700", "#8250df", "#0a7ea4", "#cf222e", "#57606a")
CHART_W, CHART_H = 760, 400
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 70, 95  # room for the title + legend above, rotated labels below
MAX_CATEGORIES = 24  # more than this is unreadable as bars: the table below has every row


@dataclass(frozen=True)
class Frame:
    """The plot area and its value scale, shared by every chart kind."""

    top_value: float
    left: float = LEFT
    top: float = TOP
    right: float = CHART_W - RIGHT
    bottom: float = CHART_H - BOTTOM

    def y(self, value: float) -> float:
        return self.bottom - (self.bottom - self.top) * (value / self.top_value)

    def band(self, n: int) -> float:
        return (self.right - self.left) / max(n, 1)


def nice_step(rough: float, integer: bool) -> float:
    """The smallest 1/2/5 × 10^k at least `rough`: ticks people can read at a glance."""
    if rough <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough)
    return max(step, 1.0) if integer else step


def _scale(max_value: float, integer: bool, fmt) -> tuple[Frame, list[dict]]:
    step = nice_step(max_value / 5, integer)
    top = step * max(math.ceil(max_value / step), 1)
    frame = Frame(top_value=top)
    ticks = [{"y": round(frame.y(step * i), 1), "label": fmt(step * i)} for i in range(round(top / step) + 1)]
    return frame, ticks


def _short(label: str, limit: int = 16) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _x_labels(frame: Frame, categories: list[str]) -> list[dict]:
    band, rotate = frame.band(len(categories)), len(categories) > 8
    return [{"x": round(frame.left + band * (i + 0.5), 1), "label": _short(c), "full": c, "rotate": rotate}
            for i, c in enumerate(categories)]


def _legend(series: list[tuple[str, list]]) -> list[dict]:
    """One swatch per series in a row under the title; long names wrap to a second row."""
    out, x, row = [], LEFT, 0
    for n, (label, _) in enumerate(series):
        width = 28 + 7.5 * len(label) + sum(6 for ch in label if ord(ch) > 0x2E80)  # CJK glyphs are wider
        if x + width > CHART_W - RIGHT and x > LEFT:
            x, row = LEFT, row + 1
        out.append({"label": label, "colour": PALETTE[n % len(PALETTE)], "x": round(x, 1), "y": 44 + 16 * row})
        x += width
    return out


def _chart(kind: str, title: tuple[str, str], categories: list[str], series: list[tuple[str, list]],
           x_label: str, y_label: str, integer: bool, fmt, max_value: float) -> tuple[dict, Frame]:
    frame, ticks = _scale(max_value, integer, fmt)
    chart = {"kind": kind, "title": pick(title), "width": CHART_W, "height": CHART_H,
             "left": frame.left, "right": frame.right, "top": frame.top, "bottom": frame.bottom,
             "y_ticks": ticks, "x_labels": _x_labels(frame, categories), "legend": _legend(series),
             "x_label": pick(x_label), "y_label": pick(y_label), "bars": [], "lines": [], "empty": not categories,
             "truncated": 0}
    return chart, frame


def bar_chart(title: tuple[str, str], categories: list[str], series: list[tuple[str, list[float]]], *,
              x_label: str, y_label: str, stacked: bool = False, integer: bool = True,
              fmt=lambda v: f"{v:,.0f}") -> dict:
    """Bars per category: one per series side by side, or stacked into one bar (parts of a whole).
    `title` is (English, 中文); `series` is [(legend label, one value per category)]."""
    shown = categories[:MAX_CATEGORIES]
    series = [(pick(label), [v or 0 for v in values[: len(shown)]]) for label, values in series]
    totals = [sum(values[i] for _, values in series) for i in range(len(shown))]
    peak = max((totals if stacked else [v for _, values in series for v in values]), default=0)
    chart, frame = _chart("bars", title, shown, series, x_label, y_label, integer, fmt, peak)
    chart["truncated"] = len(categories) - len(shown)
    band = frame.band(len(shown))
    width = band * 0.7 / (1 if stacked else max(len(series), 1))
    label_values = len(shown) * (1 if stacked else len(series)) <= 40
    for i in range(len(shown)):
        base = 0.0
        for n, (label, values) in enumerate(series):
            x = frame.left + band * i + band * 0.15 + (0 if stacked else n * width)
            low, high = (base, base + values[i]) if stacked else (0.0, values[i])
            chart["bars"].append({"x": round(x, 1), "y": round(frame.y(high), 1), "w": round(width, 1),
                                  "h": round(frame.y(low) - frame.y(high), 1), "colour": PALETTE[n % len(PALETTE)],
                                  "title": f"{shown[i]} — {label}: {fmt(values[i])}",
                                  "value": fmt(values[i]) if label_values and not stacked and values[i] else "",
                                  "cx": round(x + width / 2, 1)})
            base = high
        if stacked and label_values and totals[i]:
            chart["bars"][-1]["value"] = fmt(totals[i])  # the stack's total sits above its top part
    return chart


def line_chart(title: tuple[str, str], x_values: list[str], series: list[tuple[str, list[float | None]]], *,
               x_label: str, y_label: str, integer: bool = False, fmt=lambda v: f"{v:,.2f}") -> dict:
    """A time series: one polyline per series over the x values (days, months). A None has no point:
    the line joins its neighbours, and the table says the value is unknown."""
    series = [(pick(label), values) for label, values in series]
    peak = max((v for _, values in series for v in values if v is not None), default=0)
    chart, frame = _chart("lines", title, x_values, series, x_label, y_label, integer, fmt, peak)
    band = frame.band(len(x_values))
    label_values = len(x_values) <= 16
    for n, (label, values) in enumerate(series):
        points = [{"x": round(frame.left + band * (i + 0.5), 1), "y": round(frame.y(v), 1),
                   "value": fmt(v) if label_values else "", "title": f"{x_values[i]} — {label}: {fmt(v)}"}
                  for i, v in enumerate(values) if v is not None]
        chart["lines"].append({"label": label, "colour": PALETTE[n % len(PALETTE)], "points": points,
                               "path": " ".join(f"{p['x']},{p['y']}" for p in points)})
    return chart
