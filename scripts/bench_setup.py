"""Bulk setup for the floor simulation, run inside the server's app context before `serve`.

The demo warehouse has one user per role and thin stock. Simulated handhelds each need their own
picker (a claim belongs to a user: `next/claim` hands a user their unfinished list first, so two
devices sharing one user would pick the same list) and waves need stock to allocate from.

    WMS_DATA_DIR=var .venv/bin/python scripts/bench_setup.py --pickers 100 --top-up 200

Creates users `picker001…` (password "demo") and PDA devices `HH-001…`, and books `--top-up` units
into every stocked storage place as a ledger receipt (so the books still balance). Idempotent for
users and devices; every run adds the top-up again. Prints one JSON line.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

PASSWORD = "demo"


def picker_name(n: int) -> str:
    return f"picker{n:03d}"


def device_code(n: int) -> str:
    return f"HH-{n:03d}"


def badge_code(n: int) -> str:
    return f"BDG-SIM-{n:04d}"  # as floor_sim.badge_code: pickers log in by badge at a shift start


def add_pickers(count: int) -> int:
    """Users picker001..count (password "demo", badge BDG-SIM-0001…) and devices HH-001..count; returns how many
    users were new."""
    from server.db.models import Device, User
    from server.extensions import db
    from server.services.people.auth import digest, hash_password

    existing = set(db.session.execute(select(User.username)).scalars())
    devices = set(db.session.execute(select(Device.code)).scalars())
    password_hash = hash_password(PASSWORD)  # one hash for all: scrypt per user would take seconds
    added = 0
    for n in range(1, count + 1):
        if picker_name(n) not in existing:
            db.session.add(User(username=picker_name(n), name=f"Sim picker {n}", role="picker",
                                password_hash=password_hash, badge_digest=digest(badge_code(n)), locale="en"))
            added += 1
        if device_code(n) not in devices:
            db.session.add(Device(code=device_code(n), kind="pda", name=f"Simulated handheld {n}"))
    return added


def top_up(units: int) -> int:
    """A receipt of `units` into every stocked storage place (same bin, item and lot)."""
    from server.db.models import Bin, BinStock
    from server.domain.stock import Movement
    from server.extensions import db
    from server.services.inventory import stock

    places = [(s.bin_id, s.item_id, s.lot_id) for s in db.session.execute(
        select(BinStock).join(Bin, Bin.id == BinStock.bin_id)
        .where(Bin.kind == "storage", BinStock.qty > 0)).scalars()]
    for bin_id, item_id, lot_id in places:
        stock.move(Movement(bin_id, item_id, lot_id, units, "receipt"), ref="floor simulation top-up")
    return len(places)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pickers", type=int, default=100, help="picker users and PDA devices to create")
    parser.add_argument("--top-up", type=int, default=200, help="units received into each stocked place")
    args = parser.parse_args(argv)
    if not 0 <= args.pickers <= 1000:
        parser.error("--pickers: 0 … 1000")

    from server.__main__ import _app
    from server.extensions import db

    with _app().app_context():
        added = add_pickers(args.pickers)
        places = top_up(args.top_up) if args.top_up > 0 else 0
        db.session.commit()
    print(json.dumps({"pickers": args.pickers, "new_users": added, "topped_up_places": places,
                      "units_each": args.top_up}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
