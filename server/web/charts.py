"""Operating-characteristic charts as inline SVG: drawn on the server, no chart library needed."""
from __future__ import annotations

from dataclasses import dataclass

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
