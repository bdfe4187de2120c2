"""The warehouse map, drawn on the server as SVG: aisles left to right as the floor plan orders them, each
bay a box coloured by how full its bins are (or red where a bin is blocked, or plain grey under pick
routes), cross aisles and the depot; every box links to its zone's bins. Pick routes (the waves desk) are
drawn over it, each a coloured polyline from the depot through its stops and back."""
from __future__ import annotations

from markupsafe import Markup, escape

from server.services.catalogue.bin_master import BAY_WIDTH_M
from server.services.catalogue.floor_plan import Cell, FloorPlan
from server.web.language import t

BAY_PX = 14
AISLE_PX = 34
TOP = 36
LEFT = 10


def _colour(cell: Cell, by: str) -> str:
    if by == "plain":
        return "#e3e8ee"
    if by == "blocked":
        return "#d1242f" if cell.blocked else "#dde3ea"
    if cell.blocked:
        return "#d1242f"
    if cell.units == 0:
        return "#eef1f4"
    fill = min(cell.fill, 1.2)
    if fill > 1:
        return "#bc4c00"  # over capacity
    shades = ("#cfe2ff", "#9ec5fe", "#6ea8fe", "#3d8bfd", "#0a58ca")
    return shades[min(int(fill * len(shades)), len(shades) - 1)]


def svg(cells: list[Cell], plan: FloorPlan | None, by: str = "fill", routes: list[dict] | None = None) -> Markup:
    """`routes`: [{"colour", "label", "key", "path": [(x, y) metres as the bins are placed, depot first and
    last], "stop_points": [(x, y) of each stop]}] drawn over the bays."""
    if not cells:
        return Markup("")
    aisles = sorted({(c.x, c.aisle) for c in cells})
    column = {name: n for n, (_, name) in enumerate(aisles)}
    bays = max(c.bay for c in cells)
    width = LEFT * 2 + len(aisles) * AISLE_PX
    height = TOP + bays * BAY_PX + 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="floor-map" data-testid="floor-map" '
             f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
             f'aria-label="{escape(t("Warehouse map", "仓库平面图"))}">']
    for name, n in column.items():
        x = LEFT + n * AISLE_PX
        parts.append(f'<text x="{x + AISLE_PX / 2 - 2}" y="{TOP - 8}" font-size="9" text-anchor="middle" '
                     f'transform="rotate(-45 {x + AISLE_PX / 2 - 2} {TOP - 8})">{escape(name)}</text>')
    if plan is not None and plan.bays_per_block:
        for k in range(plan.bays_per_block, bays, plan.bays_per_block):
            y = TOP + (bays - k) * BAY_PX
            parts.append(f'<line class="cross-aisle" x1="{LEFT}" x2="{width - LEFT}" y1="{y}" y2="{y}" '
                         f'stroke="#9a6700" stroke-width="3" stroke-dasharray="6 3"/>')
    for cell in cells:
        x = LEFT + column[cell.aisle] * AISLE_PX + 4
        y = TOP + (bays - cell.bay) * BAY_PX + 1  # the front (bay 1) at the bottom, by the depot
        title = (t("{a} bay {b}: {u} / {c} units", "{a} 巷道 {b} 列：{u} / {c} 件", a=cell.aisle, b=cell.bay,
                   u=cell.units, c=cell.capacity)
                 + (t(", {n} blocked", "，{n} 个冻结", n=cell.blocked) if cell.blocked else "")
                 + f" — {', '.join(cell.codes)}")
        parts.append(f'<a href="/sup/bins?zone={escape(cell.zone)}#{escape(cell.codes[0])}">'
                     f'<rect class="bay" data-aisle="{escape(cell.aisle)}" data-bay="{cell.bay}" '
                     f'data-units="{cell.units}" data-blocked="{cell.blocked}" x="{x}" y="{y}" '
                     f'width="{AISLE_PX - 8}" height="{BAY_PX - 2}" rx="2" fill="{_colour(cell, by)}">'
                     f'<title>{escape(title)}</title></rect></a>')
    front = TOP + bays * BAY_PX + 6
    parts.append(f'<line x1="{LEFT}" x2="{width - LEFT}" y1="{front}" y2="{front}" stroke="#57606a"/>')
    depot = plan.depot_aisle if plan else 0
    depot_x = LEFT + min(depot, len(aisles) - 1) * AISLE_PX + AISLE_PX / 2
    px = _x_to_px(cells, column)
    drawn_routes = [r for r in routes or [] if r.get("path")]
    if drawn_routes:  # where the routes start: routing counts only the aisles with sellable bins
        depot_x = px(drawn_routes[0]["path"][0][0])
    parts.append(f'<g class="depot"><rect x="{depot_x - 14}" y="{front + 6}" width="28" height="14" '
                 f'fill="#1a7f37"/><text x="{depot_x}" y="{front + 17}" font-size="9" fill="#fff" '
                 f'text-anchor="middle">{escape(t("depot", "出发点"))}</text></g>')
    for n, drawn in enumerate(drawn_routes):
        parts.append(_route(drawn, n, px, bays, plan, front + 6))
    parts.append("</svg>")
    return Markup("".join(parts))


def _x_to_px(cells: list[Cell], column: dict[str, int]):
    """x in metres (as the bins are placed) to the map's x: an aisle's column centre; between two aisles
    (a depot at 4.5) in between."""
    at_x: dict[float, float] = {}
    for cell in cells:
        at_x.setdefault(cell.x, LEFT + column[cell.aisle] * AISLE_PX + AISLE_PX / 2)
    known = sorted(at_x)

    def px(x: float) -> float:
        if x in at_x or len(known) == 1:
            return at_x.get(x, at_x[known[0]])
        right = next((k for k in known if k > x), known[-1])
        left = max((k for k in known if k < x), default=known[0])
        return at_x[left] + (at_x[right] - at_x[left]) * ((x - left) / (right - left) if right != left else 0)
    return px


def _route(drawn: dict, n: int, px, bays: int, plan: FloorPlan | None, depot_top: float) -> str:
    """One cart's walk as a polyline from the depot and back: y metres to bays (the front at the bottom),
    each route shifted a little so that shared aisles show every colour."""
    bay_m = plan.bay_width_m if plan else BAY_WIDTH_M
    shift = ((n % 5) - 2) * 2.5

    def py(y: float) -> float:
        return min(max(TOP + (bays - y / bay_m) * BAY_PX, TOP - 4), TOP + bays * BAY_PX + 3)

    points = [(px(x) + shift, py(y)) for x, y in drawn["path"]]
    points = [(points[0][0], depot_top), *points, (points[-1][0], depot_top)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    stops = "".join(f'<circle class="stop" cx="{px(x) + shift:.1f}" cy="{py(y):.1f}" r="2.6" '
                    f'fill="{drawn["colour"]}"/>' for x, y in drawn.get("stop_points", ()))
    return (f'<g class="route" data-cart="{escape(drawn.get("key", n + 1))}">'
            f'<title>{escape(drawn.get("label", ""))}</title>'
            f'<polyline points="{line}" fill="none" stroke="{drawn["colour"]}" stroke-width="2.5" '
            f'stroke-linejoin="round" stroke-opacity=".85"/>{stops}</g>')
