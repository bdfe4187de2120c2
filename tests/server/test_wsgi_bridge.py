"""Flask under the ASGI server (server/wsgi_bridge.py): answers whole and in order, large files streamed,
bodies read however they arrive, several requests at once — against the live server, and on the bridge's
own ASGI messages."""
from __future__ import annotations

import asyncio
import contextvars
import hashlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from server.wsgi_bridge import BUFFERED, Lanes, WsgiBridge, lane_of

ROOT = Path(__file__).resolve().parents[2]


def test_a_file_larger_than_the_buffer_arrives_whole(live_server):
    path = ROOT / "handheld_web" / "node_modules" / "zpl-renderer-js" / "dist" / "index.esm.js"
    assert path.stat().st_size > BUFFERED  # else this test would not stream
    answer = requests.get(f"{live_server.url}/hh/vendor/zpl-renderer-js/index.esm.js", timeout=60)
    assert answer.status_code == 200
    assert hashlib.sha256(answer.content).hexdigest() == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_body_sent_in_pieces_is_read_whole(live_server):
    def pieces():
        yield b'{"username": "pick'
        yield b'er", "password": '
        yield b'"demo"}'

    answer = requests.post(f"{live_server.url}/api/v1/auth/login", data=pieces(), timeout=10,
                           headers={"Content-Type": "application/json"})  # chunked: no Content-Length
    assert answer.status_code == 200, answer.text
    assert answer.json()["user"]["username"] == "picker"
    assert "session=" in answer.headers["Set-Cookie"]


def test_a_chunked_body_over_the_routes_limit_is_refused_with_413(live_server):
    def pieces():
        yield b'{"number": "BIG-2", "lines": [{"sku": "TB03-1", "qty": 1, "note": "'
        for _ in range(20):
            yield b"x" * 100_000  # 2 MB in all; JSON routes take 1 MB
        yield b'"}]}'

    boss = live_server.session("supervisor")
    answer = boss.post(f"{live_server.url}/api/v1/orders", data=pieces(), timeout=30,
                       headers={"Content-Type": "application/json", "X-Requested-With": "test"})
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "payload_too_large"
    assert answer.json()["error"]["message"]["zh"]
    assert boss.get(f"{live_server.url}/api/v1/orders/BIG-2", timeout=10).status_code == 404  # nothing stored


def test_requests_at_once_each_get_their_own_answer(live_server):
    bins = ["A-01-01-1", "A-01-01-2", "A-01-02-1", "A-01-02-2"] * 8
    picker = live_server.session("picker")

    def look(code: str) -> str:
        return picker.get(f"{live_server.url}/api/v1/bins/{code}", timeout=10).json()["bin"]["code"]

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(look, bins)) == bins


# -- the bridge's ASGI messages ---------------------------------------------------------------------

def call(app, body_parts: list[bytes], headers: list[tuple[bytes, bytes]] = (), gone_after: int | None = None
         ) -> list[dict]:
    """Run one HTTP request through a WsgiBridge; the messages it sent. With `gone_after`, the client
    disconnects after that many parts of its body."""
    scope = {"type": "http", "method": "POST", "path": "/", "root_path": "", "query_string": b"",
             "http_version": "1.1", "headers": list(headers), "server": ("127.0.0.1", 80)}
    incoming = [{"type": "http.request", "body": part, "more_body": n < len(body_parts) - 1 or gone_after is not None}
                for n, part in enumerate(body_parts)][:gone_after] + [{"type": "http.disconnect"}]
    sent = []

    async def receive():
        return incoming.pop(0)

    async def send(message):
        sent.append(message)

    # In a thread of its own: the browser tests leave an event loop running in this one.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, WsgiBridge(app, threads=2, max_body=100)(scope, receive, send)).result()
    return sent


def echo(environ, start_response):
    body = environ["wsgi.input"].read()
    start_response("201 Created", [("Content-Type", "text/plain"), ("X-Length", str(len(body)))])
    return [b"got ", body]


def test_a_small_answer_goes_out_as_one_start_and_one_body():
    sent = call(echo, [b"ab", b"cd"])
    assert sent == [{"type": "http.response.start", "status": 201,
                     "headers": [(b"content-type", b"text/plain"), (b"x-length", b"4")]},
                    {"type": "http.response.body", "body": b"got abcd", "more_body": False}]


def test_a_body_over_the_limit_is_not_read():
    sent = call(echo, [b"x" * 10], headers=[(b"content-length", b"1000")])
    assert sent[0]["headers"][1] == (b"x-length", b"0")  # the app sees the declared length and refuses


def test_a_request_whose_client_left_before_its_body_was_whole_is_not_handled():
    handled = []

    def app(environ, start_response):
        handled.append(environ["PATH_INFO"])
        return echo(environ, start_response)

    sent = call(app, [b'{"half": '], headers=[(b"content-length", b"20")], gone_after=1)
    assert handled == [] and sent == []


def test_a_streamed_answer_keeps_the_requests_context_to_its_last_chunk():
    who = contextvars.ContextVar("who")

    def streamed(environ, start_response):
        who.set(b"request-1")
        start_response("200 OK", [])

        def chunks():
            yield b"a" * BUFFERED
            for _ in range(3):
                yield who.get(b"lost")  # each later chunk is taken in a pool thread, maybe another

        return chunks()

    sent = call(streamed, [b""])
    assert b"".join(m["body"] for m in sent[1:]) == b"a" * BUFFERED + b"request-1" * 3


def test_a_large_answer_streams_and_is_closed():
    closed = []

    class Chunks:
        def __iter__(self):
            return iter([b"a" * BUFFERED, b"b" * 10, b"c" * 10])

        def close(self):
            closed.append(True)

    def large(environ, start_response):
        start_response("200 OK", [])
        return Chunks()

    sent = call(large, [b""])
    bodies = [m for m in sent if m["type"] == "http.response.body"]
    assert b"".join(m["body"] for m in bodies) == b"a" * BUFFERED + b"b" * 10 + b"c" * 10
    assert [m.get("more_body", False) for m in bodies][-1] is False and len(bodies) > 2
    assert closed == [True]


# -- the lanes requests wait in (Lanes) ------------------------------------------------------------------------

def test_a_claim_goes_before_requests_that_came_earlier():
    lanes, gate, ran = Lanes(threads=1), threading.Event(), []
    busy = lanes.submit(1, gate.wait, 5)  # the one thread is busy while the others arrive
    later = [lanes.submit(1, ran.append, "pick screen"), lanes.submit(1, ran.append, "log-in"),
             lanes.submit(0, ran.append, "claim")]
    gate.set()
    for future in (busy, *later):
        future.result(5)
    assert ran == ["claim", "pick screen", "log-in"]
    lanes.shutdown()


@pytest.mark.parametrize(("slow_s", "lane"), [(60.0, 0), (0.0, 1)], ids=["a claim", "no slow threshold"])
def test_starts_at_once_beside_a_request_under_way(slow_s, lane):
    """A claim, always; any request where there is no slow threshold (PostgreSQL's bridge runs so)."""
    lanes, second_started = Lanes(threads=2, slow_s=slow_s), threading.Event()
    running = lanes.submit(1, second_started.wait, 5)  # finishes only once the second has started
    lanes.submit(lane, second_started.set).result(5)
    assert running.result(5) is True
    lanes.shutdown()


def test_quick_requests_run_one_at_a_time_and_a_slow_one_lets_the_next_start_beside_it():
    lanes, second_started, times = Lanes(threads=4, slow_s=0.2), threading.Event(), {}

    def slow():
        times["first"] = time.monotonic()
        return second_started.wait(5)  # still running when the second starts

    def second():
        times["second"] = time.monotonic()
        second_started.set()

    first = lanes.submit(1, slow)
    lanes.submit(1, second).result(5)
    assert first.result(5) is True  # the second ran while the first still ran…
    assert times["second"] - times["first"] >= 0.2  # …but only once the first had become slow
    lanes.shutdown()


def test_claims_are_told_apart_by_method_and_path():
    def lane(method, path):
        return lane_of({"REQUEST_METHOD": method, "PATH_INFO": path})

    assert lane("POST", "/api/v1/pick-lists/next/claim") == 0
    assert lane("POST", "/api/v1/pick-lists/17/claim") == 0
    assert lane("GET", "/api/v1/pick-lists/next/claim") == 1
    assert lane("POST", "/api/v1/pick-lists/17/claim/x") == 1
    assert lane("POST", "/api/v1/auth/badge") == 1


def test_a_held_request_waits_for_the_floor_to_go_idle_and_lane_0_is_never_held():
    """`hold` (PostgreSQL's bridge: the floor has scans queued or under way): a lane-1 request waits until the
    floor is idle (wake), and is not held past its patience however busy the floor stays. Lane 0 is never
    held (on PostgreSQL every request is lane 1, claims too: the bridge runs there without lanes)."""
    busy = [True]
    lanes = Lanes(threads=2, slow_s=0.0, hold=lambda: busy[0], patience=60.0)
    screen = lanes.submit(1, lambda: "pick screen")
    assert lanes.submit(0, lambda: "claim").result(5) == "claim"
    assert not screen.done()  # still held: the floor is busy
    busy[0] = False
    lanes.wake()
    assert screen.result(5) == "pick screen"
    lanes.shutdown()

    impatient = Lanes(threads=1, slow_s=0.0, hold=lambda: True, patience=0.05)
    assert impatient.submit(1, lambda: "report").result(5) == "report"  # the floor never idles: 50 ms, then on
    impatient.shutdown()
