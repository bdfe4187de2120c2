"""What writing one pick scan's ack costs the event loop: python-socketio's default packet (walks the
ack for binary parts, then the json module) against this server's (server/realtime/wire.py: orjson, no
walk), and the json module against orjson for the copy kept in the scans table.

    .venv/bin/python scripts/bench_ack_encoding.py [--stops 5] [--repeat 20000]

Last line: a JSON object with µs per ack for each."""
from __future__ import annotations

import argparse
import json
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from socketio import packet  # noqa: E402

from server import fastjson  # noqa: E402
from server.realtime import wire  # noqa: E402


def pick_ack(stops: int) -> dict:
    """An ack as a pick scan answers it: the list's view with its stops, and the next stop."""
    stop_rows = [{"seq": n, "bin": f"B-03-{n:02d}-1", "sku": f"GEN{n:02d}-BLU", "lot": f"L260916-{n:03d}", "qty": 3,
                  "order": f"SIM-1c90f1af-{n:05d}", "tote": n % 3 + 1, "status": "open", "on_hold": False,
                  "hold_reason": None} for n in range(1, stops + 1)]
    return {"ok": True, "scan_id": "4eb4fab3-8fb6-401e-ac98-dde0c04e7bb0", "sound": "ok", "next": "scan_bin",
            "kind": "item", "code": "6901230001482",
            "result": {"pick_list": {"pick_list": 329, "wave": 5, "seq": 26, "status": "claimed",
                                     "claimed_by": "picker006", "totes": 3, "route_method": "optimal",
                                     "route_length_m": 67.2,
                                     "tote_codes": {str(n): f"TOTE-HH-006-329-{n}" for n in (1, 2, 3)},
                                     "stops": stop_rows},
                       "stop": {"task": 1479, "seq": 5, "bin": "B-03-03-1", "sku": "GEN10-BLU",
                                "name": {"en": "Phone case", "zh": "手机壳"}, "variant": {"en": "Blue", "zh": "蓝色"},
                                "lot": "L260916-132", "qty": 3, "picked": 0, "tote_slot": 3,
                                "tote": "TOTE-HH-006-329-3",
                                "order": "SIM-1c90f1af-01051", "bin_confirmed": False, "on_hold": False},
                       "picked_task": 1478, "done": False}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stops", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=20000)
    args = parser.parse_args(argv)
    ack = pick_ack(args.stops)
    n = args.repeat

    def per_ack(call) -> float:
        return round(min(timeit.repeat(call, number=n, repeat=3)) / n * 1e6, 2)

    def packet_of(cls):
        return lambda: cls(packet.ACK, data=[ack], namespace="/floor", id=5).encode()

    assert json.loads(packet_of(wire.Packet)()[len("3/floor,5"):]) == [ack]  # the same ack on the wire
    row = {"ack_bytes": len(fastjson.dumps(ack).encode()),
           "socketio_default_packet_us": per_ack(packet_of(packet.Packet)),
           "wire_packet_us": per_ack(packet_of(wire.Packet)),
           "json_dumps_us": per_ack(lambda: json.dumps(ack, ensure_ascii=False)),
           "fastjson_dumps_us": per_ack(lambda: fastjson.dumps(ack))}
    print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
