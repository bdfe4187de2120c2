"""Where a pick scan's server time goes, without the network: the demo warehouse with waves made
over REST (like scripts/bench_scans.py), then pick lists picked in this process through the scan
pipeline (`services.floor.scans.handle`, the function the /floor `scan` event calls) — per mode: mean ms
and SQL statements per scan; optionally a cProfile of the whole loop.

    .venv/bin/python scripts/profile_scans.py --lists 40
    .venv/bin/python scripts/profile_scans.py --lists 40 --cprofile 25
    .venv/bin/python scripts/profile_scans.py --lists 40 --batch 8   # as at saturation: 8 scans a transaction
    .venv/bin/python scripts/profile_scans.py --lists 40 --own-postgres   # on PostgreSQL: round trips count

The last line is a JSON object: scans, ms_per_scan, statements_per_scan, and per mode
{scans, ms, statements}.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import floor_sim as sim  # noqa: E402


def prepare(data_dir: Path, lists: int, pickers: int, extra_env: dict | None = None
            ) -> tuple[dict, list[str], dict[str, str]]:
    """A served demo warehouse with `lists` pick lists of 3 totes waiting and `pickers` picker users;
    the server is stopped after."""
    server = sim.start_server(data_dir, pickers, extra_env=extra_env)
    try:
        async def waves() -> sim.Catalogue:
            async with sim.Rest(server.url) as rest:
                catalogue = await sim.load_catalogue(rest, await rest.login("supervisor"))
                await sim.make_waves(rest, catalogue, lists * 3, totes=3)
                return catalogue

        catalogue = asyncio.run(waves())
    finally:
        server.stop()
    return server.env, catalogue.bins, catalogue.barcodes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lists", type=int, default=40)
    parser.add_argument("--cprofile", type=int, default=0, help="print this many functions by cumulative time")
    parser.add_argument("--batch", type=int, default=1,
                        help="pick this many lists at once and hand their scans over together, as the floor line "
                             "does under load (a batch's time is shared out among its scans)")
    parser.add_argument("--show-sql", action="store_true", help="print the statements of the first batch")
    parser.add_argument("--database-url", help="PostgreSQL: an empty database's WMS_DATABASE_URL")
    parser.add_argument("--own-postgres", action="store_true", help="PostgreSQL on a private cluster made for the run")
    args = parser.parse_args(argv)
    postgres = None
    with tempfile.TemporaryDirectory() as tmp:
        at_once = max(1, args.batch)
        if args.own_postgres:
            postgres, args.database_url = sim.Postgres.own(Path(tmp))
        try:
            return profile(args, Path(tmp), at_once)
        finally:
            if postgres is not None:
                postgres.stop(remove=True)


def profile(args: argparse.Namespace, tmp: Path, at_once: int) -> int:
    extra = {"WMS_DATABASE_URL": args.database_url} if args.database_url else {}
    env, _, barcodes = prepare(tmp, args.lists, at_once, extra)
    os.environ.update({k: env[k] for k in ("WMS_DATA_DIR", "WMS_SECRET_KEY", *extra)})
    from sqlalchemy import event, select

    from server.__main__ import _app
    from server.db import fast
    from server.db.models import PickList, User
    from server.extensions import db
    from server.services.people import auth
    from server.services.floor import scans
    from server.services.picking import waves

    app = _app()
    counted = defaultdict(lambda: [0, 0.0, 0])  # mode -> scans, seconds, statements
    statements = [0]
    cpu_spent = [0.0]  # this thread's CPU time in the scans (the wall time less the waits for the database)
    claims = [0, 0.0, 0]  # claims, seconds, statements (not scans: REST, once a list)
    with app.app_context():
        shown = [args.show_sql]

        def count(_conn, _cursor, sql, params, *_):
            statements[0] += 1
            if shown[0]:
                print("   ", " ".join(sql.split())[:160], str(params)[:80], file=sys.stderr)

        event.listen(db.engine, "before_cursor_execute", count)
        fast.on_execute.append(lambda sql, params: count(None, None, sql, params))  # straight to the driver
        actors = []  # one picker user and PDA each: a claim belongs to a user
        for n in range(1, at_once + 1):
            user = db.session.execute(select(User).where(User.username == sim.picker_name(n))).scalar_one()
            actors.append(auth.actor_for_user(user.id, sim.device_code(n)))
        db.session.commit()
        profiler = cProfile.Profile() if args.cprofile else None

        def payload(mode: str, code: str | None = None, **fields) -> dict:
            return {"scan_id": uuid.uuid4().hex, "mode": mode, **fields} | ({"code": code} if code else {})

        def picker(actor):
            """One picker's list, claim to last put: yields (scan, actor), is sent the scan's ack."""
            with app.test_request_context():  # what POST /api/v1/pick-lists/next/claim does
                before, started = statements[0], time.perf_counter()
                pick_list = waves.take_next(actor)  # commits, as the route does
                claims[0] += 1
                claims[1] += time.perf_counter() - started
                claims[2] += statements[0] - before
            list_id, totes = pick_list["pick_list"], pick_list["totes"]
            ack = None
            for slot in range(1, totes + 1):
                ack = yield payload("pick.tote", f"TOTE-{uuid.uuid4().hex[:8].upper()}", pick_list=list_id,
                                    slot=slot), actor
            stop = ack["result"]["stop"]
            while stop is not None:
                yield payload("pick", stop["bin"], pick_list=list_id), actor
                ack = yield payload("pick", barcodes[stop["sku"]], pick_list=list_id,
                                    qty=stop["qty"] - stop["picked"]), actor
                picked = ack["result"]["picked_task"]
                yield payload("pick.put", stop["tote"] or "TOTE-?", pick_list=list_id, task=picked), actor
                stop = None if ack["result"]["done"] else ack["result"]["stop"]
            with app.app_context():
                assert db.session.get(PickList, list_id).status == "done"

        def work(batch: list[tuple[dict, object]]) -> list[dict]:
            """The scans handed over together, as the floor line hands over those that queued up."""
            if shown[0]:
                for one, _ in batch:
                    print(one["mode"], one.get("code"), file=sys.stderr)
            with app.app_context():  # what a socket event runs in
                before, started, cpu = statements[0], time.perf_counter(), time.thread_time()
                if profiler:
                    profiler.enable()
                acks = [answer.ack for answer in scans.handle_all(batch,
                                                                   via="/floor scan")]
                if profiler:
                    profiler.disable()
                spent, said = time.perf_counter() - started, statements[0] - before
                cpu_spent[0] += time.thread_time() - cpu
            for (one, _), ack in zip(batch, acks, strict=True):
                if not ack["ok"]:
                    raise RuntimeError(f"{one['mode']} {one.get('code')}: {ack['error']}")
                cell = counted[one["mode"] if one["mode"] != "pick" else f"pick.{ack.get('kind', '?')}"]
                cell[0] += 1  # a batch's time and statements are shared out evenly among its scans
                cell[1] += spent / len(batch)
                cell[2] += said / len(batch)
            return acks

        # `--batch` pickers at once, one scan each in flight; a finished picker's place goes to the next list.
        waiting, free = args.lists, list(actors)
        pickers: list[tuple] = []  # (picker, its actor)
        pending: list[tuple[dict, object]] = []
        while waiting or pickers:
            while waiting and free:
                waiting -= 1
                actor = free.pop()
                pickers.append((picker(actor), actor))
                pending.append(next(pickers[-1][0]))
            acks = work(pending)
            shown[0] = False
            still, pending = [], []
            for (one, actor), ack in zip(pickers, acks, strict=True):
                try:
                    pending.append(one.send(ack))
                    still.append((one, actor))
                except StopIteration:
                    free.append(actor)
            pickers = still

    if profiler:
        pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(args.cprofile)
    total = sum(c[0] for c in counted.values())
    row = {"scans": total, "ms_per_scan": round(sum(c[1] for c in counted.values()) * 1000 / total, 3),
           "cpu_ms_per_scan": round(cpu_spent[0] * 1000 / total, 3),
           "statements_per_scan": round(sum(c[2] for c in counted.values()) / total, 1),
           "modes": {m: {"scans": c[0], "ms": round(c[1] * 1000 / c[0], 3), "statements": round(c[2] / c[0], 1)}
                     for m, c in sorted(counted.items())},
           "claim": {"claims": claims[0], "ms": round(claims[1] * 1000 / max(claims[0], 1), 3),
                     "statements": round(claims[2] / max(claims[0], 1), 1)}}
    print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
