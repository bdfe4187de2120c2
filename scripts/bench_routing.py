"""Pick routing and batching benchmark on generated warehouses and orders (seeded; pure computation).

1. Exactness: the optimal route against brute force (Held–Karp) on small random instances, one block
   and two to four blocks (exact sweep), five and six blocks (local search: its gap is measured).
2. Routing rules against the optimum per pick density, on 10 aisles × 30 bays × 2 sides (1 m bays,
   3 m aisle centres, depot at the front of aisle 0) and the same aisles split by a middle cross aisle.
3. Batching: one order per trip, FCFS, seed and savings + local search on small order pools (like the
   published instances) and on a wave of 10,000 order lines, whose planning (batching + routing every
   batch) is timed.

    .venv/bin/python scripts/bench_routing.py --quick     # < 1 min
    .venv/bin/python scripts/bench_routing.py --smoke     # seconds: a few instances each (the test's run)
    .venv/bin/python scripts/bench_routing.py             # a few minutes

Percentages "above optimal" are mean rule length / mean optimal length − 1, per density. The last
line is a JSON object: optimal_gap_pct (must be 0.0), sshape_excess_pct and largest_gap_excess_pct
(mean over 5–30 picks), batching_saving_vs_single_pct, batching_saving_vs_fcfs_pct (on the 10,000-line
wave), wave_10k_lines_s, and the details behind them.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import time

from server.domain.batching import BATCHERS, Cart, Order, plan_batches
from server.domain.routing import EXACT_MAX_BLOCKS, ROUTERS, Layout, PickPoint, route, tour_length
from server.domain.routing.brute import held_karp
from server.domain.routing.exact import columns, optimal_sequence, sweep
from server.domain.routing.heuristics import largest_gap, midpoint, return_rule, sshape
from server.domain.routing.search import improved_sequence

BAYS = 30  # per aisle, 1 m each, bins on both sides
ONE_BLOCK = Layout(aisle_count=10, aisle_length=30.0, aisle_spacing=3.0)
TWO_BLOCKS = Layout(aisle_count=10, aisle_length=15.0, aisle_spacing=3.0, blocks=2)
RULES = ("sshape", "largest_gap", "midpoint", "return", "bin_order")
LOW_DENSITIES = (5, 10, 20, 30)
CART = Cart(totes=8, tote_capacity=20)


def pick_point(rng: random.Random, layout: Layout, key: object = None) -> PickPoint:
    """A bin drawn uniformly: aisle, bay (its centre), side (which does not change the walk)."""
    bay = rng.randrange(BAYS)
    return PickPoint(rng.randrange(layout.aisle_count), (bay + 0.5) * layout.depth / BAYS, key)


def order(rng: random.Random, layout: Layout, number: int, most: int = 10) -> Order:
    """A web-shop order: 40 % single-line, a tail up to 10 lines; 1–3 units a line."""
    size = min(rng.choices([1, 2, 3, 4, 5, 6, 8, 10], [40, 22, 13, 8, 6, 5, 4, 2])[0], most)
    picks = tuple(pick_point(rng, layout, f"o{number}-{k}") for k in range(size))
    return Order(f"o{number}", picks, sum(rng.choice([1, 1, 1, 2, 3]) for _ in picks))


def dense_order(rng: random.Random, layout: Layout, number: int) -> Order:
    """An order of 5–25 lines, one unit each (like the published Henn instances)."""
    picks = tuple(pick_point(rng, layout, f"d{number}-{k}") for k in range(rng.randint(5, 25)))
    return Order(f"d{number}", picks, len(picks))


def orders(rng: random.Random, layout: Layout, lines: int) -> list[Order]:
    """Web-shop orders until there are exactly `lines` lines."""
    out: list[Order] = []
    total = 0
    while total < lines:
        out.append(order(rng, layout, len(out), lines - total))
        total += len(out[-1].lines)
    return out


def exactness(rng: random.Random, blocks: int, instances: int, most: int) -> dict:
    """Optimal route vs Held–Karp on random layouts of 1–10 aisles and up to `most` picks."""
    gaps = []
    for _ in range(instances):
        aisles = rng.randint(1, 10)
        layout = Layout(aisles, rng.choice([10.0, 15.0, 30.0]), rng.choice([2.0, 3.0, 5.0]), blocks=blocks,
                        depot_aisle=rng.choice([0, rng.randrange(aisles), (aisles - 1) / 2]))
        points = [pick_point(rng, layout) for _ in range(rng.randint(1, most))]
        places = list(dict.fromkeys((p.aisle, p.y) for p in points))
        best = held_karp(layout, places)[0]
        found = [route(layout, points).length]
        if blocks <= EXACT_MAX_BLOCKS:  # the sweep's own cost must match, not only the walk rebuilt from it
            found.append(sweep(layout, columns(layout, places))[0])
        gaps.append(max(100 * abs(f - best) / best for f in found) if best else 0.0)
    return {"blocks": blocks, "instances": instances, "mean_gap_pct": round(statistics.mean(gaps), 4),
            "max_gap_pct": round(max(gaps), 4), "worse": sum(g > 1e-7 for g in gaps)}


def local_search_vs_exact(rng: random.Random, blocks: int, picks: int, instances: int) -> dict:
    """The local search used from five blocks on, measured where the exact sweep still answers."""
    layout = Layout(10, 30.0 / blocks, 3.0, blocks=blocks)
    gaps = []
    for _ in range(instances):
        places = list(dict.fromkeys((p.aisle, p.y) for p in (pick_point(rng, layout) for _ in range(picks))))
        best = optimal_sequence(layout, places)[0]
        order = improved_sequence(layout, places, (sshape, largest_gap, midpoint, return_rule))
        gaps.append(100 * (tour_length(layout, [PickPoint(*places[i]) for i in order]) / best - 1))
    return {"blocks": blocks, "picks": picks, "instances": instances, "mean_gap_pct": round(statistics.mean(gaps), 2),
            "max_gap_pct": round(max(gaps), 2)}


def rules_vs_optimal(rng: random.Random, layout: Layout, densities: tuple[int, ...], instances: int) -> list[dict]:
    rows = []
    for n in densities:
        lengths: dict[str, list[float]] = {m: [] for m in ROUTERS}
        shortest_legs = []  # the S-shape order walked leg by leg the shortest way
        started = time.perf_counter()
        for _ in range(instances):
            points = [pick_point(rng, layout) for _ in range(n)]
            for method in ROUTERS:
                r = route(layout, points, method)
                lengths[method].append(r.length)
                if method == "sshape":
                    shortest_legs.append(tour_length(layout, r.order))
        best = statistics.mean(lengths["optimal"])
        row = {"picks": n, "optimal_m": round(best, 1),
               **{m: round(100 * (statistics.mean(lengths[m]) / best - 1), 1) for m in RULES},
               "sshape_shortest_legs": round(100 * (statistics.mean(shortest_legs) / best - 1), 1),
               "optimal_shorter_than_sshape_pct": round(100 * (1 - best / statistics.mean(lengths["sshape"])), 1),
               "ms_per_instance": round(1000 * (time.perf_counter() - started) / instances, 2)}
        rows.append(row)
    return rows


def optimal_route_ms(rng: random.Random, layout: Layout, n: int, repeats: int) -> float:
    sets = [[pick_point(rng, layout) for _ in range(n)] for _ in range(repeats)]
    started = time.perf_counter()
    for points in sets:
        route(layout, points)
    return round(1000 * (time.perf_counter() - started) / repeats, 3)


def batching(layout: Layout, cart: Cart, pools: list[list[Order]], timings: int = 1) -> dict:
    """Every method on each pool of orders, walking summed over the pools; the savings plan of the
    first pool timed `timings` times (median), batching and routing every batch included."""
    walked = {m: 0.0 for m in BATCHERS}
    carts = {m: 0 for m in BATCHERS}
    for pool in pools:
        for m in BATCHERS:
            batches = plan_batches(layout, pool, cart, m)
            walked[m] += sum(b.length for b in batches)
            carts[m] += len(batches)
    times = []
    for _ in range(timings):
        started = time.perf_counter()
        plan_batches(layout, pools[0], cart, "savings")
        times.append(time.perf_counter() - started)
    return {"orders": len(pools[0]), "lines": sum(len(o.lines) for o in pools[0]), "pools": len(pools),
            "blocks": layout.blocks, "totes": cart.totes, "carts": carts,
            "walked_m": {m: round(v) for m, v in walked.items()},
            **{f"{m}_vs_single_pct": round(100 * (1 - walked[m] / walked["single"]), 1) for m in BATCHERS},
            **{f"{m}_vs_fcfs_pct": round(100 * (1 - walked[m] / walked["fcfs"]), 1) for m in BATCHERS},
            "savings_seconds": round(statistics.median(times), 3)}


def table(title: str, header: list[str], rows: list[list[object]]) -> None:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    for line in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(str(c).rjust(w) for c, w in zip(line, widths, strict=True)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer instances: under a minute")
    parser.add_argument("--smoke", action="store_true",
                        help="a few instances of everything and a 1,000-line wave: seconds, figures only indicative")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    quick = args.quick or args.smoke

    def count(instances: int) -> int:
        return max(3, instances // 25) if args.smoke else instances
    rng = random.Random(args.seed)
    started = time.perf_counter()

    exact = [exactness(rng, 1, count(1000 if quick else 5000), 10),
             *(exactness(rng, b, count(150 if quick else 800), 10) for b in (2, 3, 4)),
             *(exactness(rng, b, count(100 if quick else 500), 11) for b in (5, 6))]
    table("Optimal route vs brute force (Held–Karp), random layouts of 1–10 aisles; ≤ 10 picks (≤ 11 from 5 blocks)",
          ["blocks", "method", "instances", "mean gap %", "max gap %", "instances worse"],
          [[e["blocks"], "exact sweep" if e["blocks"] <= 4 else "local search", e["instances"], e["mean_gap_pct"],
            e["max_gap_pct"], e["worse"]] for e in exact])

    searched = [local_search_vs_exact(rng, b, n, count(30 if quick else 150)) for b in (2, 3, 4) for n in (10, 20, 40)]
    table("Local search (the method from 5 blocks on) vs the exact sweep, 10 aisles × 30 m split into blocks",
          ["blocks", "picks", "instances", "mean gap %", "max gap %"],
          [[g["blocks"], g["picks"], g["instances"], g["mean_gap_pct"], g["max_gap_pct"]] for g in searched])

    densities = (5, 10, 20, 30, 50, 100)
    one = rules_vs_optimal(rng, ONE_BLOCK, densities, count(300 if quick else 2000))
    two = rules_vs_optimal(rng, TWO_BLOCKS, densities, count(100 if quick else 500))
    for name, rows in (("10 aisles × 30 bays × 2 sides, one block", one),
                       ("the same aisles split by a middle cross aisle (2 blocks × 15 m)", two)):
        table(f"Routing rules vs optimal — {name}; % above optimal",
              ["picks", "optimal m", "S-shape", "largest gap", "midpoint", "return", "bin order",
               "S-shape order, shortest legs", "optimal shorter than S-shape", "ms / instance (all methods)"],
              [[r["picks"], r["optimal_m"], *(f"{r[m]:+.1f}" for m in RULES), f"{r['sshape_shortest_legs']:+.1f}",
                f"{r['optimal_shorter_than_sshape_pct']:.1f}", r["ms_per_instance"]] for r in rows])

    speed = {n: optimal_route_ms(rng, ONE_BLOCK, n, count(50 if quick else 200)) for n in (10, 30, 100)}
    speed_two = {n: optimal_route_ms(rng, TWO_BLOCKS, n, count(20 if quick else 100)) for n in (10, 30, 100)}
    table("Optimal route time (ms)", ["picks", "one block", "two blocks"],
          [[n, speed[n], speed_two[n]] for n in speed])

    reps = 2 if args.smoke else 5 if quick else 20
    web = [batching(ONE_BLOCK, CART, [[order(rng, ONE_BLOCK, n) for n in range(size)] for _ in range(reps)])
           for size in (60, 200)]
    dense = batching(ONE_BLOCK, Cart(totes=4, tote_capacity=25),
                     [[dense_order(rng, ONE_BLOCK, n) for n in range(60)] for _ in range(reps)])
    big = batching(ONE_BLOCK, CART, [orders(rng, ONE_BLOCK, 1_000 if args.smoke else 10_000)],
                   timings=1 if args.smoke else 3)
    waves = [big] + ([] if quick else [batching(TWO_BLOCKS, CART, [orders(rng, TWO_BLOCKS, 10_000)])])
    rows = [("web-shop orders", w) for w in web] + [("orders of 5–25 lines", dense)] + [("10,000-line wave", w)
                                                                                         for w in waves]
    table("Batching, every batch routed optimally; % less walking (cart: 8 totes × 20 units unless said)",
          ["orders", "pool", "blocks", "totes", "FCFS vs single", "seed vs single", "savings vs single",
           "seed vs FCFS", "savings vs FCFS", "carts FCFS / savings", "savings plan s"],
          [[name, f"{b['orders']} × {b['pools']}", b["blocks"], b["totes"], b["fcfs_vs_single_pct"],
            b["seed_vs_single_pct"], b["savings_vs_single_pct"], b["seed_vs_fcfs_pct"], b["savings_vs_fcfs_pct"],
            f"{b['carts']['fcfs']} / {b['carts']['savings']}", b["savings_seconds"]] for name, b in rows])

    low = [r for r in one if r["picks"] in LOW_DENSITIES]
    result = {
        "quick": quick, "smoke": args.smoke,
        "optimal_gap_pct": exact[0]["mean_gap_pct"],
        "optimal_gap_max_pct": max(e["max_gap_pct"] for e in exact if e["blocks"] <= 4),
        "multiblock_local_search_gap_pct": {e["blocks"]: [e["mean_gap_pct"], e["max_gap_pct"]] for e in exact[4:]},
        "local_search_vs_exact_gap_pct": {f"{g['blocks']}x{g['picks']}": [g["mean_gap_pct"], g["max_gap_pct"]]
                                          for g in searched},
        "sshape_excess_pct": round(statistics.mean(r["sshape"] for r in low), 1),
        "largest_gap_excess_pct": round(statistics.mean(r["largest_gap"] for r in low), 1),
        "optimal_shorter_than_sshape_pct": round(statistics.mean(r["optimal_shorter_than_sshape_pct"] for r in low), 1),
        "optimal_shorter_than_sshape_by_picks": {r["picks"]: r["optimal_shorter_than_sshape_pct"] for r in one},
        "excess_by_picks": {r["picks"]: {m: r[m] for m in RULES} for r in one},
        "two_blocks_excess_by_picks": {r["picks"]: {m: r[m] for m in RULES} for r in two},
        "batching_saving_vs_single_pct": big["savings_vs_single_pct"],
        "batching_saving_vs_fcfs_pct": big["savings_vs_fcfs_pct"],
        "seed_saving_vs_fcfs_pct": big["seed_vs_fcfs_pct"],
        "small_pool_savings_vs_fcfs_pct": {f"web_{w['orders']}": w["savings_vs_fcfs_pct"] for w in web}
        | {"dense_60": dense["savings_vs_fcfs_pct"]},
        "small_pool_savings_vs_single_pct": {f"web_{w['orders']}": w["savings_vs_single_pct"] for w in web}
        | {"dense_60": dense["savings_vs_single_pct"]},
        "wave_10k_lines_s": big["savings_seconds"],
        "wave_10k_lines_orders": big["orders"],
        "wave_10k_lines_two_blocks_s": waves[1]["savings_seconds"] if len(waves) > 1 else None,
        "optimal_route_ms": {"one_block": speed, "two_blocks": speed_two},
        "bench_seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
