"""A Zebra-like label printer on raw TCP (port 9100) for tests and the demo, with an HTTP control API.

It keeps what a printer agent has to cope with: `~HS` answered as three separate TCP writes,
silence on `~HS` while out of paper or with the head open, and labels held in the receive
buffer while in fault or paused, printed once the fault clears. Like a Link-OS Zebra it answers
the SGD command `! U1 getvar "odometer.total_label_count"` with the labels printed so far, and it
can run out of paper in the middle of a batch (`run_out_of_paper_after`).

Run: python -m printers.emulator --host 127.0.0.1 --port 9100 --control-port 9180 \\
         --spool-dir var/printed --dpi 203
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import socket
import struct
import threading
import time
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

from printers.labels import label_size_dots
from printers.status import HostStatus, format_error_report, format_host_status

_FORMAT_START, _FORMAT_END, _TILDE, _SGD = b"^XA", b"^XZ", b"~", b"! U1"
_ODOMETER_VARIABLE = b"odometer.total_label_count"
_SPOOL_NAME = re.compile(r"^(\d{6})\.zpl$")


@dataclass(frozen=True)
class PrintedLabel:
    seq: int
    zpl: str
    received_at: float


class _ReceiveStream:
    """Splits one connection's bytes into tilde commands and complete ^XA…^XZ formats.

    Tilde commands act on arrival, even in the middle of a format, as on a real printer.
    SGD commands (`! U1 …` up to the line end) are understood outside formats. Bytes outside a
    format that are not a command are discarded. Binary downloads (`~DY…,B,…`) are not
    understood: the emulator only needs label formats, status and the odometer.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._in_format = False

    def feed(self, chunk: bytes) -> list[tuple[str, bytes]]:
        """Events in stream order: ("command", b"HS"), ("sgd", b'! U1 getvar "…"') or
        ("format", b"^XA…^XZ")."""
        self._buffer += chunk
        events: list[tuple[str, bytes]] = []
        while True:
            start = 3 if self._in_format else 0
            tilde = self._buffer.find(_TILDE, start)
            boundary = self._buffer.find(_FORMAT_END if self._in_format else _FORMAT_START, start)
            sgd = -1 if self._in_format else self._buffer.find(_SGD)
            if sgd >= 0 and all(other < 0 or sgd < other for other in (tilde, boundary)):
                line_end = self._buffer.find(b"\n", sgd)
                if line_end < 0:  # the rest of the line is still on the wire
                    break
                events.append(("sgd", bytes(self._buffer[sgd:line_end]).strip()))
                del self._buffer[: line_end + 1]
            elif tilde >= 0 and (boundary < 0 or tilde < boundary):
                command = _tilde_command(self._buffer, tilde)
                if command is None:  # the rest of the command is still on the wire
                    break
                events.append(("command", command))
                del self._buffer[tilde : tilde + 1 + len(command)]
            elif boundary >= 0 and self._in_format:
                end = boundary + len(_FORMAT_END)
                events.append(("format", bytes(self._buffer[:end])))
                del self._buffer[:end]
                self._in_format = False
            elif boundary >= 0:
                del self._buffer[:boundary]
                self._in_format = True
            else:
                if not self._in_format:  # keep only what could be the start of "^XA" or "! U1"
                    del self._buffer[: max(0, len(self._buffer) - 3)]
                break
        return events


def _tilde_command(buffer: bytearray, at: int) -> bytes | None:
    """The command name after a "~" (HS, HQES, JA, …), or None while it is incomplete."""
    length = 4 if buffer[at + 1 : at + 3] == b"HQ" else 2
    name = bytes(buffer[at + 1 : at + 1 + length])
    return name if len(name) == length else None


class ZebraEmulator:
    """A fake Zebra printer: raw TCP in a background asyncio thread, state behind a lock."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        control_port: int | None = None,
        spool_dir: str | None = None,
        dpi: int = 203,
        *,
        answer_status_in_fault: bool = False,
        segment_delay: float = 0.005,
        odometer: int | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.control_port = control_port
        self.spool_dir = Path(spool_dir) if spool_dir else None
        self.dpi = dpi
        self.answer_status_in_fault = answer_status_in_fault
        self.segment_delay = segment_delay
        self._label_length = label_size_dots(dpi)[1]  # also rejects an unsupported dpi
        self._state = threading.Condition()
        self._printed: list[PrintedLabel] = []
        self._held: list[tuple[str, float]] = []
        self._paper_out = self._head_open = self._paused = False
        self._paper_left: int | None = None  # labels until the roll runs out; None: plenty
        self._odometer = 0  # labels printed, like odometer.total_label_count (set below)
        self._drop_next_connection = False
        self._open_connections = self._peak_connections = 0
        self._next_seq = self._first_free_spool_seq()
        # A real odometer lives in NVRAM; with a spool dir the labels already spooled stand for it.
        self._odometer = self._next_seq - 1 if odometer is None else odometer
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_requested: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._closed: threading.Event | None = None  # set once the listening socket is closed
        self._http: ThreadingHTTPServer | None = None
        self._startup_error: BaseException | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Self:
        """Start listening; returns once `port` (and `control_port`) hold the bound ports."""
        listening = threading.Event()
        self._closed = threading.Event()
        self._thread = threading.Thread(
            target=self._run_printer, args=(listening,), name="zebra-emulator", daemon=True
        )
        self._thread.start()
        listening.wait()
        if self._startup_error is not None:
            raise self._startup_error
        if self.control_port is not None:
            try:
                self._http = _ControlServer((self.host, self.control_port), self)
            except OSError:
                self.stop()
                raise
            self.control_port = self._http.server_address[1]
            # A short poll keeps stop() quick; shutdown() waits for the current poll to end.
            threading.Thread(
                target=self._http.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="zebra-emulator-http",
                daemon=True,
            ).start()
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
        loop, stop_requested, thread, closed = self._loop, self._stop_requested, self._thread, self._closed
        if loop is not None and stop_requested is not None and thread is not None and closed is not None:
            loop.call_soon_threadsafe(stop_requested.set)
            # Returns only once the port is free: a start on the same port right after (a printer switched
            # off and on) failed with "address in use" when a slow machine took longer than a fixed wait.
            if not closed.wait(timeout=60):
                raise RuntimeError(f"the emulator still listens on port {self.port}")
            thread.join(timeout=5)  # (open connections are cancelled after; they do not hold the port)
        self._loop, self._stop_requested, self._thread = None, None, None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- what tests and the control API use ------------------------------------------------

    @property
    def printed(self) -> list[PrintedLabel]:
        with self._state:
            return list(self._printed)

    def status(self) -> HostStatus:
        with self._state:
            return self._status_locked()

    def set_faults(
        self,
        paper_out: bool | None = None,
        head_open: bool | None = None,
        paused: bool | None = None,
    ) -> HostStatus:
        """Change the printer's state; held labels print as soon as nothing stops them."""
        with self._state:
            if paper_out is not None:
                self._paper_out = paper_out
            if head_open is not None:
                self._head_open = head_open
            if paused is not None:
                self._paused = paused
            self._print_held_locked()
            return self._status_locked()

    def run_out_of_paper_after(self, labels: int | None) -> None:
        """Load a short roll: after `labels` more labels print, the printer is out of paper and
        holds the rest of the batch (None: a full roll again)."""
        with self._state:
            self._paper_left = labels
            self._check_paper_locked()

    @property
    def odometer(self) -> int:
        """Labels printed over the printer's life; held labels count once they come out."""
        with self._state:
            return self._odometer

    def wait_for_printed(self, n: int, timeout: float) -> list[PrintedLabel]:
        """All printed labels, once at least `n` have printed; TimeoutError otherwise."""
        with self._state:
            if not self._state.wait_for(lambda: len(self._printed) >= n, timeout):
                raise TimeoutError(f"{len(self._printed)} of {n} labels printed in {timeout}s")
            return list(self._printed)

    def clear(self) -> None:
        """Back to a fresh printer: no printed or held labels, no faults (numbering goes on)."""
        with self._state:
            self._printed.clear()
            self._held.clear()
            self._paper_out = self._head_open = self._paused = False
            self._paper_left = None
            self._drop_next_connection = False
            self._peak_connections = self._open_connections

    @property
    def peak_connections(self) -> int:
        """Most connections open at once so far; a real Zebra serves one at a time."""
        with self._state:
            return self._peak_connections

    def drop_next_connection(self) -> None:
        """Make the next connection be cut as soon as it sends data, losing what it sent."""
        with self._state:
            self._drop_next_connection = True

    def control_status(self) -> dict[str, Any]:
        """The JSON body of GET /status."""
        with self._state:
            return {
                "paper_out": self._paper_out,
                "head_open": self._head_open,
                "paused": self._paused,
                "printed": len(self._printed),
                "formats_in_buffer": len(self._held),
                "odometer": self._odometer,
                "paper_out_after": self._paper_left,
            }

    # -- printer internals (callers hold self._state) --------------------------------------

    def _stopped_locked(self) -> bool:
        return self._paper_out or self._head_open or self._paused

    def _status_locked(self) -> HostStatus:
        return HostStatus(
            paper_out=self._paper_out,
            paused=self._paused,
            head_open=self._head_open,
            formats_in_buffer=len(self._held),
            labels_remaining=len(self._held),
        )

    def _print_held_locked(self) -> None:
        # One at a time: a short roll may run out between two labels of the same batch.
        while self._held and not self._stopped_locked():
            zpl, received_at = self._held.pop(0)
            self._print_locked(zpl, received_at)

    def _check_paper_locked(self) -> None:
        if self._paper_left is not None and self._paper_left <= 0:
            self._paper_out, self._paper_left = True, None

    def _print_locked(self, zpl: str, received_at: float) -> None:
        label = PrintedLabel(seq=self._next_seq, zpl=zpl, received_at=received_at)
        self._next_seq += 1
        self._odometer += 1
        if self._paper_left is not None:
            self._paper_left -= 1
            self._check_paper_locked()
        if self.spool_dir is not None:
            self.spool_dir.mkdir(parents=True, exist_ok=True)
            (self.spool_dir / f"{label.seq:06d}.zpl").write_text(zpl, encoding="utf-8")
        self._printed.append(label)
        self._state.notify_all()

    def _first_free_spool_seq(self) -> int:
        # Continue the numbering of an existing spool dir so a restart never overwrites labels.
        if self.spool_dir is None or not self.spool_dir.is_dir():
            return 1
        taken = [int(m.group(1)) for p in self.spool_dir.iterdir() if (m := _SPOOL_NAME.match(p.name))]
        return max(taken, default=0) + 1

    def _receive_format(self, data: bytes) -> None:
        zpl = data.decode("utf-8", errors="replace")
        with self._state:
            self._held.append((zpl, time.time()))
            self._print_held_locked()

    def _take_drop_request(self) -> bool:
        with self._state:
            drop, self._drop_next_connection = self._drop_next_connection, False
            return drop

    # -- raw TCP side ----------------------------------------------------------------------

    def _run_printer(self, listening: threading.Event) -> None:
        asyncio.run(self._serve(listening))

    async def _serve(self, listening: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop_requested = asyncio.Event()
        try:
            server = await asyncio.start_server(self._serve_connection, self.host, self.port)
        except OSError as error:
            self._startup_error = error
            self._closed.set()
            listening.set()
            return
        self.port = server.sockets[0].getsockname()[1]
        listening.set()
        try:
            async with server:
                await self._stop_requested.wait()
                server.close()  # the listening socket closes now: the port is free (stop() waits for this)
                self._closed.set()  # (leaving the block may also wait for open connections, on newer Pythons)
        finally:
            self._closed.set()
        # asyncio.run() then cancels the connections still open.

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Without NODELAY, Nagle would glue the three ~HS frames into one segment.
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._state:
            self._open_connections += 1
            self._peak_connections = max(self._peak_connections, self._open_connections)
        try:
            await self._receive(reader, writer)
        finally:
            with self._state:
                self._open_connections -= 1

    async def _receive(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        stream = _ReceiveStream()
        try:
            while chunk := await reader.read(65536):
                if self._take_drop_request():
                    # Linger 0 makes the close a reset, like a printer rebooting mid-job.
                    sock = writer.get_extra_info("socket")
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    writer.transport.abort()
                    return
                for kind, payload in stream.feed(chunk):
                    if kind == "format":
                        self._receive_format(payload)
                    elif kind == "sgd":
                        await self._answer_sgd(payload, writer)
                    else:
                        await self._answer(payload, writer)
        except (ConnectionError, asyncio.CancelledError):
            writer.transport.abort()
            return
        writer.close()

    async def _answer(self, command: bytes, writer: asyncio.StreamWriter) -> None:
        with self._state:
            status = self._status_locked()
            silent = (self._paper_out or self._head_open) and not self.answer_status_in_fault
        if command == b"HQES":
            writer.write(format_error_report(status))
            await writer.drain()
        elif command == b"HS" and not silent:
            frames = format_host_status(status, label_length_dots=self._label_length)
            for index, frame in enumerate(frames.split(b"\r\n")[:3]):
                if index:
                    await asyncio.sleep(self.segment_delay)
                writer.write(frame + b"\r\n")
                await writer.drain()


    async def _answer_sgd(self, line: bytes, writer: asyncio.StreamWriter) -> None:
        # Only the odometer is known; a Zebra answers an unknown variable with "?" the same way.
        words = line.split()
        if len(words) >= 4 and words[2] == b"getvar":
            known = words[3].strip(b'"') == _ODOMETER_VARIABLE
            writer.write(b'"%d"' % self.odometer if known else b'"?"')
            await writer.drain()


class _ControlServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], emulator: ZebraEmulator) -> None:
        self.emulator = emulator
        super().__init__(address, _ControlHandler)


_FAULT_SWITCHES = frozenset({"paper_out", "head_open", "paused"})


def _valid_faults(body: object) -> bool:
    """{"paper_out": bool, "head_open": bool, "paused": bool, "paper_out_after": int ≥ 0 | null}."""
    if not isinstance(body, dict) or not body.keys() <= _FAULT_SWITCHES | {"paper_out_after"}:
        return False
    after = body.get("paper_out_after")
    count_ok = after is None or (type(after) is int and after >= 0)
    return count_ok and all(isinstance(body[name], bool) for name in body.keys() & _FAULT_SWITCHES)


class _ControlHandler(BaseHTTPRequestHandler):
    """GET /status, GET /labels, POST /faults {"paper_out": true, "paper_out_after": 3, …}."""

    server: _ControlServer

    def do_GET(self) -> None:
        emulator = self.server.emulator
        if self.path == "/status":
            self._reply(200, emulator.control_status())
        elif self.path == "/labels":
            self._reply(200, [asdict(label) for label in emulator.printed])
        else:
            self._reply(404, {"error": "not_found"})

    def do_POST(self) -> None:
        if self.path != "/faults":
            self._reply(404, {"error": "not_found"})
            return
        try:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            self._reply(400, {"error": "body must be JSON"})
            return
        if not _valid_faults(body):
            self._reply(400, {"error": f"expected booleans among {sorted(_FAULT_SWITCHES)}"
                                       ' and "paper_out_after": a count of labels or null'})
            return
        if "paper_out_after" in body:
            self.server.emulator.run_out_of_paper_after(body.pop("paper_out_after"))
        self.server.emulator.set_faults(**body)
        self._reply(200, self.server.emulator.control_status())

    def _reply(self, code: int, payload: object) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the demo's console is for the emulator's start line."""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100, help="raw ZPL port (0: any free)")
    parser.add_argument("--control-port", type=int, default=None, help="HTTP control API port")
    parser.add_argument("--spool-dir", default=None, help="write each printed label here")
    parser.add_argument("--dpi", type=int, choices=(203, 300), default=203)
    parser.add_argument(
        "--answer-status-in-fault", action="store_true", help="answer ~HS even when out of paper"
    )
    parser.add_argument("--odometer", type=int, default=None,
                        help="labels already printed (SGD odometer); default: those in the spool dir")
    args = parser.parse_args(argv)

    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    emulator = ZebraEmulator(
        host=args.host,
        port=args.port,
        control_port=args.control_port,
        spool_dir=args.spool_dir,
        dpi=args.dpi,
        answer_status_in_fault=args.answer_status_in_fault,
        odometer=args.odometer,
    )
    with emulator:
        control = (
            f"control http://{emulator.host}:{emulator.control_port}"
            if emulator.control_port is not None
            else "no control API"
        )
        print(f"printer emulator listening on {emulator.host}:{emulator.port} ({control})", flush=True)
        stopping.wait()


if __name__ == "__main__":
    main()
