"""The floor's work line: scans before other events, each in arrival order; those of a batched handler that
queued up while the worker was busy are handed over together (one transaction for many scans)."""
import asyncio
import threading

import pytest
from flask import Flask

from server.realtime.hub import FloorLine


def run(main):
    """asyncio.run in a thread of its own: the suite's browser tests may leave a loop running in this one."""
    result = []
    thread = threading.Thread(target=lambda: result.append(asyncio.run(main())))
    thread.start()
    thread.join(30)
    return result[0]


def test_queued_scans_are_handed_over_together_in_order_before_other_events_and_each_gets_its_own_result():
    gate, calls = threading.Event(), []

    def busy():
        gate.wait(5)  # the worker is busy while the next events arrive
        return "busy done"

    def scans(batch):
        calls.append([args for args in batch])
        return [f"ack {args[0]}" for args in batch]

    def other(x):
        calls.append(("other", x))
        return "other done"

    async def main():
        line = FloorLine(Flask(__name__), threads=1, batch=3)
        line.queue.clock = lambda: 0.0  # no event waits past its patience here
        try:
            first = line.submit(busy, (), batched=False)
            queued = [line.submit(scans, (n,), batched=True) for n in range(1, 5)]
            between = line.submit(other, ("x",), batched=False)
            last = line.submit(scans, (5,), batched=True)
            gate.set()
            return await asyncio.gather(first, *queued, between, last)
        finally:
            line.stop()

    results = run(main)
    assert results == ["busy done", "ack 1", "ack 2", "ack 3", "ack 4", "other done", "ack 5"]
    # At most `batch` a call; the scans in arrival order, before the other event that came between them.
    assert calls == [[(1,), (2,), (3,)], [(4,), (5,)], ("other", "x")]


def test_a_connect_that_has_waited_its_patience_goes_before_more_scans():
    """A shift's start: handhelds connecting while others scan. Scans go first, but a connect is not held
    past `patience` however many scans follow."""
    now, gate, calls = [0.0], threading.Event(), []

    def busy():
        gate.wait(5)
        return None

    def scans(batch):
        calls.append([args[0] for args in batch])
        return [None for _ in batch]

    def connect(x):
        calls.append(x)

    async def main():
        line = FloorLine(Flask(__name__), threads=1, batch=8)
        line.queue.clock = lambda: now[0]
        try:
            first = line.submit(busy, (), batched=False)
            waiting = [line.submit(connect, ("connect",), batched=False)]
            now[0] = 0.06  # the connect has now waited past its patience (0.05 s)
            waiting += [line.submit(scans, (n,), batched=True) for n in (1, 2)]
            gate.set()
            await asyncio.gather(first, *waiting)
        finally:
            line.stop()

    run(main)
    assert calls == ["connect", [1, 2]]


def test_a_failing_batch_fails_each_waiting_event():
    def scans(batch):
        raise ValueError("bug")

    async def main():
        line = FloorLine(Flask(__name__), threads=1, batch=8)
        try:
            return await asyncio.gather(*(line.submit(scans, (n,), batched=True) for n in range(3)),
                                        return_exceptions=True)
        finally:
            line.stop()

    assert [type(r) for r in run(main)] == [ValueError] * 3


@pytest.mark.parametrize("threads", [1, 3])
def test_the_line_stops(threads):
    async def main():
        line = FloorLine(Flask(__name__), threads=threads, batch=4)
        line.stop()
        for thread in line.threads:
            await asyncio.to_thread(thread.join, 5)
        return [thread.is_alive() for thread in line.threads]

    assert run(main) == [False] * threads


def test_the_line_counts_what_it_has_to_do_and_tells_when_it_has_nothing_left():
    """What the REST bridge waits on (PostgreSQL): `busy` while events are queued or under way, and a call to
    each idle listener once the last is done."""
    gate, told = threading.Event(), []

    async def main():
        line = FloorLine(Flask(__name__), threads=1, batch=4, idle_listeners=[lambda: told.append(line.busy)])
        try:
            first = line.submit(gate.wait, (5,), batched=False)
            second = line.submit(lambda: "done", (), batched=False)
            counted = line.busy
            gate.set()
            await asyncio.gather(first, second)
            return counted, line.busy
        finally:
            line.stop()

    assert run(main) == (2, 0)
    assert told and told[-1] == 0
