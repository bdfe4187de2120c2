"""Label benchmark: (a) how fast printers.documents makes ZPL from the templates; (b) what the printer
agent's transport path adds per job — the ~HS status check before each send, as PrinterWorker does,
then TcpTransport.send — compared with writing the same ZPL to the printer on a plain socket. Both
against an in-process Zebra emulator that answers at once (segment_delay=0), so the figure is our
software's cost, not a printer's. (The agent's journal and confirm steps are not in this figure.)

    .venv/bin/python scripts/bench_labels.py [--documents 2000] [--jobs 300]
Last line: JSON with labels_per_s, agent_overhead_ms and the figures behind them.
"""
from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from printers.documents import LabelProfile, load_samples, packing_list, shipping_label  # noqa: E402
from printers.emulator import ZebraEmulator  # noqa: E402
from printers.transports import make_transport  # noqa: E402

PROFILES = [LabelProfile(dpi=203), LabelProfile(dpi=300), LabelProfile(dpi=203, width_mm=100, height_mm=150)]


def documents(count: int) -> list[tuple]:
    """Half shipping labels, half one-label packing lists, each with its own numbers, over three profiles."""
    samples = load_samples()
    work = []
    for n in range(count):
        profile = PROFILES[n % len(PROFILES)]
        if n % 2:
            doc = samples["packing_list"] | {"order": f"25670{n:011d}", "lines": samples["packing_list"]["lines"][:8]}
            work.append((packing_list, doc, profile))
        else:
            parcel = samples["shipping_label"] | {"tracking": f"SF{n:010d}", "order": f"25670{n:011d}"}
            work.append((shipping_label, parcel, profile))
    return work


def generation_rate(count: int) -> dict:
    work = documents(count)
    for render, doc, profile in work[:50]:  # templates compiled and cached before timing
        render(doc, profile)
    started = time.perf_counter()
    labels = sum(render(doc, profile).count("^XA") for render, doc, profile in work)
    elapsed = time.perf_counter() - started
    return {"documents": count, "labels": labels, "labels_per_s": round(labels / elapsed),
            "ms_per_label": round(1000 * elapsed / labels, 3)}


def plain_write(host: str, port: int, data: bytes) -> None:
    """What printing costs without the agent: connect, write, half-close, wait for the printer's close."""
    with socket.create_connection((host, port), timeout=3) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        while sock.recv(1024):
            pass


def timed(action, *args) -> float:
    started = time.perf_counter()
    action(*args)
    return (time.perf_counter() - started) * 1000


def agent_overhead(jobs: int) -> dict:
    zpl = shipping_label(load_samples()["shipping_label"], PROFILES[0])
    data = zpl.encode("utf-8")
    with ZebraEmulator(segment_delay=0) as printer:
        transport = make_transport({"transport": "tcp9100", "host": printer.host, "port": printer.port})

        def checked_send() -> None:  # what PrinterWorker does for a job: ask ~HS, send if ready
            if transport.status().faults:
                raise RuntimeError("the emulator reports a fault")
            transport.send(zpl)

        plain, agent = [], []
        for _ in range(jobs):  # interleaved, so drift in machine load hits both sides alike
            plain.append(timed(plain_write, printer.host, printer.port, data))
            agent.append(timed(checked_send))
        printed = len(printer.wait_for_printed(2 * jobs, timeout=10))
    plain_ms, agent_ms = statistics.median(plain), statistics.median(agent)
    return {"jobs": jobs, "printed": printed, "plain_write_ms": round(plain_ms, 3),
            "agent_status_and_send_ms": round(agent_ms, 3), "agent_overhead_ms": round(agent_ms - plain_ms, 3),
            "agent_overhead_p90_ms": round(_p90(agent) - _p90(plain), 3), "emulator_segment_delay_s": 0}


def _p90(times: list[float]) -> float:
    return statistics.quantiles(times, n=10)[-1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=300)
    args = parser.parse_args()
    started = time.perf_counter()
    generation = generation_rate(args.documents)
    print(f"ZPL generation: {generation['labels']} labels from {generation['documents']} documents, "
          f"{generation['labels_per_s']} labels/s ({generation['ms_per_label']} ms each)")
    overhead = agent_overhead(args.jobs)
    print(f"per job, median of {overhead['jobs']}: plain socket {overhead['plain_write_ms']} ms, agent status + "
          f"send {overhead['agent_status_and_send_ms']} ms, overhead {overhead['agent_overhead_ms']} ms")
    print(json.dumps(generation | overhead | {"run_s": round(time.perf_counter() - started, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
