"""How ZPL reaches a printer: raw TCP 9100 to a network Zebra, or a CUPS raw queue."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import zebra

from printers.status import (
    HOST_STATUS_REQUEST,
    HostStatus,
    PrinterNoResponse,
    count_frames,
    parse_host_status,
)

# After sending we half-close and wait this long for the printer to close its side: a reset
# then tells us the job was cut off. Printers that keep the connection open just cost the wait.
_CLOSE_WAIT = 1.0

# Link-OS SGD: the printer answers with the labels it has printed in its life, quoted ("1234").
ODOMETER_REQUEST = b'! U1 getvar "odometer.total_label_count"\r\n'
_ODOMETER_ANSWER = re.compile(rb'"(\d+)"')
# Printers without Link-OS stay silent on SGD; this bounds what each job pays to find out.
_ODOMETER_WAIT = 1.0


class TransportError(Exception):
    """A label could not be handed to the printer.

    `reason` is one of: "unreachable", "timeout", "connection_lost" (raw TCP);
    "queue_missing", "queue_disabled", "cups_unavailable", "cups_timeout" (CUPS).
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


_printer_locks: dict[tuple[str, int], threading.Lock] = {}
_printer_locks_guard = threading.Lock()


def _printer_lock(host: str, port: int) -> threading.Lock:
    # Shared by every transport for the same address: a Zebra serves one 9100 connection at a
    # time, so a status poll must not race a job even when they come from different objects.
    with _printer_locks_guard:
        return _printer_locks.setdefault((host, port), threading.Lock())


class TcpTransport:
    """A network Zebra on raw TCP ("JetDirect", port 9100), one short connection per request."""

    def __init__(self, host: str, port: int = 9100, timeout: float = 3.0) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self._lock = _printer_lock(host, port)

    def __repr__(self) -> str:
        return f"TcpTransport({self.host!r}, {self.port})"

    def status(self) -> HostStatus:
        """Ask the printer for `~HS` and read its three status strings.

        Raises PrinterNoResponse "unreachable" if no connection could be made, and
        "no_status_response" if the printer stayed silent (out of paper, head open, …) or hung
        up; StatusParseError if it answered something that is not host status.
        """
        with self._lock, self._connect(PrinterNoResponse) as sock:
            try:
                sock.sendall(HOST_STATUS_REQUEST)
                return parse_host_status(self._read_three_frames(sock))
            except OSError as error:
                raise PrinterNoResponse("no_status_response", _describe(error)) from error

    def odometer(self) -> int | None:
        """Labels the printer has printed in its life (SGD `odometer.total_label_count`).

        None when it cannot say: no answer (not a Link-OS printer), an answer that is not a
        number ("?"), or no connection. The agent then falls back to what the journal alone knows.
        """
        try:
            with self._lock, self._connect(PrinterNoResponse) as sock:
                sock.sendall(ODOMETER_REQUEST)
                return self._read_odometer(sock)
        except (OSError, PrinterNoResponse):
            return None

    def _read_odometer(self, sock: socket.socket) -> int | None:
        deadline = time.monotonic() + min(self.timeout, _ODOMETER_WAIT)
        answer = b""
        while answer.count(b'"') < 2:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            sock.settimeout(remaining)
            chunk = sock.recv(64)
            if not chunk:
                return None
            answer += chunk
        match = _ODOMETER_ANSWER.search(answer)
        return int(match.group(1)) if match else None

    def send(self, zpl: str, handed_over: Callable[[], None] | None = None) -> None:
        """Hand one or more formats to the printer.

        Raw 9100 gives no receipt: success means the printer took every byte and closed
        cleanly, not that the label came out; poll `status()` for that. `handed_over` is called
        once the printer has every byte (for CUPS: once the spooler holds the job).
        """
        data = zpl.encode("utf-8")
        with self._lock, self._connect(TransportError) as sock:
            try:
                sock.sendall(data)
                sock.shutdown(socket.SHUT_WR)
            except TimeoutError as error:
                raise TransportError("timeout", _describe(error)) from error
            except OSError as error:
                raise TransportError("connection_lost", _describe(error)) from error
            self._wait_for_printer_close(sock)
        if handed_over is not None:
            handed_over()

    def _connect(self, error_type: type[Exception]) -> socket.socket:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as error:
            raise error_type("unreachable", f"{self.host}:{self.port}: {_describe(error)}") from error
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def _read_three_frames(self, sock: socket.socket) -> bytes:
        # The three ~HS strings often arrive in separate segments; one deadline covers them all.
        deadline = time.monotonic() + self.timeout
        answer = b""
        while count_frames(answer) < 3:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"partial answer {answer!r}")
            sock.settimeout(remaining)
            chunk = sock.recv(1024)
            if not chunk:
                raise PrinterNoResponse("no_status_response", "printer closed the connection")
            answer += chunk
        return answer

    def _wait_for_printer_close(self, sock: socket.socket) -> None:
        sock.settimeout(min(self.timeout, _CLOSE_WAIT))
        try:
            while sock.recv(1024):
                pass
        except TimeoutError:
            return
        except OSError as error:
            raise TransportError("connection_lost", _describe(error)) from error


@dataclass(frozen=True)
class _QueueState:
    enabled: bool
    accepting: bool
    pending_jobs: tuple[str, ...]  # CUPS job ids like "zebra_raw-42"
    message: str


class CupsTransport:
    """A printer behind a CUPS raw queue (e.g. a USB Zebra on the packing-station PC).

    Sending goes through the `zebra` package (`lpr -o raw`). That package ignores lpr's
    failures, so the queue is checked before sending and watched until it has no pending job.
    A job still queued at the timeout is cancelled: CUPS would otherwise print it whenever the
    device comes back, and the agent's retry would print the label twice.

    Limitation: CUPS cannot read a Zebra's flags, so `status()` only reflects the queue
    (disabled or rejecting → paused, pending jobs → formats in buffer); paper out or head
    open on the printer itself are invisible here and show up as jobs that never finish
    ("cups_timeout").
    """

    def __init__(self, queue: str, timeout: float = 20.0, poll_interval: float = 0.1) -> None:
        self.queue = queue
        self.timeout = timeout
        self.poll_interval = poll_interval

    def __repr__(self) -> str:
        return f"CupsTransport({self.queue!r})"

    def status(self) -> HostStatus:
        """The queue's state in HostStatus terms; PrinterNoResponse "unreachable" if there is none."""
        try:
            state = self._queue_state()
        except TransportError as error:
            raise PrinterNoResponse("unreachable", str(error)) from error
        return HostStatus(
            paused=not (state.enabled and state.accepting),
            formats_in_buffer=len(state.pending_jobs),
        )

    def odometer(self) -> None:
        """CUPS cannot read the printer's label counter; see docs/printing.md for what follows."""
        return None

    def send(self, zpl: str, handed_over: Callable[[], None] | None = None) -> None:
        """Queue the ZPL raw and wait until CUPS has handed every pending job to the device.

        `handed_over` is called as soon as `lpr` has returned: from then on CUPS holds the job on
        disk and prints it even if this process dies, so the agent must not send it again.
        """
        before = self._queue_state()
        if not before.enabled or not before.accepting:
            what = "disabled" if not before.enabled else "rejecting jobs"
            raise TransportError("queue_disabled", f"{self.queue} is {what} {before.message}".strip())
        try:
            zebra.Zebra(self.queue).output(zpl, encoding="utf-8")
        except OSError as error:  # lpr itself missing (cups-bsd not installed)
            raise TransportError("cups_unavailable", f"lpr failed: {error}") from error
        if handed_over is not None:
            handed_over()
        deadline = time.monotonic() + self.timeout
        ours: set[str] | None = None
        while (state := self._queue_state()).pending_jobs:
            if ours is None:  # job ids only grow, so ours is the one that was not there before
                ours = set(state.pending_jobs) - set(before.pending_jobs)
            if not state.enabled:  # ErrorPolicy stop-printer: the backend gave up on the device
                self._cancel(ours & set(state.pending_jobs))
                raise TransportError("queue_disabled", f"{self.queue}: {state.message}")
            if time.monotonic() >= deadline:
                self._cancel(ours & set(state.pending_jobs))
                detail = f"{len(state.pending_jobs)} job(s) queued on {self.queue}, ours cancelled"
                raise TransportError("cups_timeout", f"{detail} {state.message}".strip())
            time.sleep(self.poll_interval)

    def _cancel(self, jobs: set[str]) -> None:
        if jobs:
            subprocess.run(["cancel", *sorted(jobs)], capture_output=True, timeout=10, check=False)

    def _queue_state(self) -> _QueueState:
        result = _lpstat("-o", self.queue, "-p", self.queue, "-a", self.queue)
        if result.returncode != 0:
            if "not running" in _lpstat("-r").stdout:
                raise TransportError("cups_unavailable", "the CUPS scheduler is not running")
            raise TransportError("queue_missing", f"no CUPS queue named {self.queue!r}")
        name = re.escape(self.queue)
        lines = result.stdout.splitlines()
        printer = next((line for line in lines if re.match(rf"printer {name} ", line)), "")
        jobs = (re.match(rf"({name}-\d+)\s", line) for line in lines)
        return _QueueState(
            enabled=bool(printer) and " disabled since " not in printer,
            accepting=any(re.match(rf"{name} accepting requests", line) for line in lines),
            pending_jobs=tuple(job.group(1) for job in jobs if job),
            message=" ".join(line.strip() for line in lines if line.startswith("\t")),
        )


def _lpstat(*args: str) -> subprocess.CompletedProcess[str]:
    # C locale: we read lpstat's English words ("disabled", "accepting").
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    try:
        return subprocess.run(
            ["lpstat", *args], capture_output=True, text=True, env=env, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise TransportError("cups_unavailable", f"lpstat failed: {error}") from error


def _describe(error: BaseException) -> str:
    return str(error) or type(error).__name__


def make_transport(spec: dict[str, Any]) -> TcpTransport | CupsTransport:
    """Build the transport a printer's config names.

    {"transport": "tcp9100", "host": …, "port": 9100} or {"transport": "cups", "queue": …};
    an optional "timeout" (seconds) applies to both; other keys are ignored.
    """
    kind = spec.get("transport")
    try:
        if kind == "tcp9100":
            return TcpTransport(
                str(spec["host"]), int(spec.get("port", 9100)), float(spec.get("timeout", 3.0))
            )
        if kind == "cups":
            return CupsTransport(str(spec["queue"]), float(spec.get("timeout", 20.0)))
    except KeyError as missing:
        raise ValueError(f"printer transport {kind!r} needs {missing}") from None
    raise ValueError(f"unknown printer transport {kind!r}; expected 'tcp9100' or 'cups'")
