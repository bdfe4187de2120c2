#!/usr/bin/env python3
"""USB/serial scanner bridge for a packing station: reads scans from one or more serial ports
(USB-CDC scanners appear as /dev/ttyACM*) and sends each one to the server's `/floor` namespace as
the station's device. Every scan is written to an on-disk queue before it is sent and removed only
when the server's ack arrives, so nothing is lost while the server or the network is down, and a
replay (same scan id) is answered from the server's store instead of being applied twice.

    python scripts/scan_bridge.py --server http://127.0.0.1:5000 \\
        --token-file var/token-BRIDGE-01.txt --port /dev/ttyACM0 --queue-dir var/bridge

See docs/scanners.md.
"""
from __future__ import annotations

import argparse
import codecs
import fcntl
import json
import logging
import re
import signal
import sqlite3
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import serial
import socketio

NAMESPACE = "/floor"
TERMINATORS = ("cr", "lf", "crlf", "any")
# Longer than any barcode a scanner sends: a line this long without a terminator means the scanner's
# suffix does not match --terminator, and buffering forever would only hide that.
MAX_LINE_BYTES = 4096
# An AIM symbology identifier: "]", the symbology letter, one modifier character (]C1, ]E0, ]d2, ]Q3).
AIM_ID = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
log = logging.getLogger("scan-bridge")


# ---------------------------------------------------------------------------------------------
# Reading: bytes from the port -> lines -> scanned codes


class LineSplitter:
    """Cuts the byte stream of one port into lines. Keeps a partial line across reads, because a
    read timeout can fall in the middle of a scan."""

    def __init__(self, terminator: str = "any", max_line: int = MAX_LINE_BYTES) -> None:
        if terminator not in TERMINATORS:
            raise ValueError(f"terminator must be one of {TERMINATORS}, not {terminator!r}")
        self.terminator = terminator
        self.max_line = max_line
        self._buffer = b""

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        if self.terminator == "any":
            # CR, LF and CR LF all end a scan; the empty piece between CR and LF is dropped below,
            # also when the CR and the LF arrive in different reads.
            *lines, self._buffer = re.split(rb"\r\n|\r|\n", self._buffer)
        else:
            *lines, self._buffer = self._buffer.split({"cr": b"\r", "lf": b"\n", "crlf": b"\r\n"}[self.terminator])
        if len(self._buffer) > self.max_line:
            log.warning("dropped %d bytes without a %s terminator: check the scanner's suffix setting",
                        len(self._buffer), self.terminator)
            self._buffer = b""
        # A scanner set to CR LF while we split on CR leaves the LF at the start of the next scan:
        # CR and LF are never part of a barcode, so trim them at the edges. GS (FNC1) stays.
        return [line.strip(b"\r\n") for line in lines if line.strip(b"\r\n")]

    @property
    def pending(self) -> bytes:
        return self._buffer


@dataclass(frozen=True)
class CodeCleaner:
    """What the site wants removed from each scan before it is sent. By default nothing: the server
    understands AIM ids (]C1 says "GS1-128") and GS separators."""

    strip_prefixes: tuple[str, ...] = ()
    strip_suffixes: tuple[str, ...] = ()
    strip_aim: bool = False

    def clean(self, line: bytes) -> str:
        # Scanners send ASCII, or UTF-8 for QR codes with Chinese text; a stray byte must not stop
        # the bridge, and the server refuses the code with a message a person can act on.
        text = line.decode("utf-8", errors="replace")
        text = _strip_first(text, self.strip_prefixes, str.startswith, lambda t, s: t[len(s):])
        if self.strip_aim:
            text = AIM_ID.sub("", text, count=1)
        return _strip_first(text, self.strip_suffixes, str.endswith, lambda t, s: t[:len(t) - len(s)])


def _strip_first(text: str, affixes: Iterable[str], matches: Callable, cut: Callable) -> str:
    for affix in affixes:
        if affix and matches(text, affix):
            return cut(text, affix)
    return text


def unescape(value: str) -> str:
    """Command-line affixes may name control characters: --strip-prefix '\\x02' is STX."""
    return codecs.decode(value, "unicode_escape")


# ---------------------------------------------------------------------------------------------
# The on-disk queue


class ScanQueue:
    """Scans waiting for the server's ack, oldest first, in SQLite (synchronous=FULL: a scan
    whose append returned is on disk). One file per bridge; a lock file stops a second bridge from
    sending the same queue out of order."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "queue.sqlite3"
        self._lock_file = open(directory / "bridge.lock", "w")  # noqa: SIM115 - held for the bridge's life
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.close()
            raise RuntimeError(f"another bridge is using the queue in {directory}") from None
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("CREATE TABLE IF NOT EXISTS queue (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                         "scan_id TEXT NOT NULL UNIQUE, scan TEXT NOT NULL)")
        self._changed = threading.Condition()

    def append(self, scan: dict[str, Any]) -> None:
        with self._changed:
            self._db.execute("INSERT INTO queue (scan_id, scan) VALUES (?, ?)",
                             (scan["scan_id"], json.dumps(scan, ensure_ascii=False)))
            self._changed.notify_all()

    def head(self) -> dict[str, Any] | None:
        with self._changed:
            row = self._db.execute("SELECT scan FROM queue ORDER BY seq LIMIT 1").fetchone()
        return json.loads(row[0]) if row else None

    def remove(self, scan_id: str) -> None:
        with self._changed:
            self._db.execute("DELETE FROM queue WHERE scan_id = ?", (scan_id,))

    def __len__(self) -> int:
        with self._changed:
            return self._db.execute("SELECT COUNT(*) FROM queue").fetchone()[0]

    def wait(self, timeout: float) -> None:
        """Sleep until a scan is appended (or the timeout)."""
        with self._changed:
            self._changed.wait(timeout)

    def close(self) -> None:
        with self._changed:
            self._db.close()
        self._lock_file.close()


# ---------------------------------------------------------------------------------------------
# One serial port


class PortReader(threading.Thread):
    """Reads one port; when the device goes away (unplugged: the read fails) closes it and polls
    until the path opens again. One thread per port, so a dead port never holds up another."""

    def __init__(self, path: str, baud: int, terminator: str, on_line: Callable[[str, bytes], None],
                 stop: threading.Event, poll_seconds: float = 0.5) -> None:
        super().__init__(name=f"port-{path}", daemon=True)
        self.path = path
        self.baud = baud
        self.terminator = terminator
        self.on_line = on_line
        self.stop_event = stop
        self.poll_seconds = poll_seconds
        self.opened = 0  # how often the port was opened (tests wait for a replug with it)
        self._missing_reported = False

    def run(self) -> None:
        while not self.stop_event.is_set():
            port = self._open()
            if port is None:
                self.stop_event.wait(self.poll_seconds)
                continue
            try:
                self._read(port)
            finally:
                _close_quietly(port)
                self.closed()

    def closed(self) -> None:
        """The port went away (or the bridge stops): a reader whose last value must not outlive it says so."""

    def _open(self) -> serial.SerialBase | None:
        try:
            # exclusive: a second program (a terminal left open) would steal half the bytes.
            port = serial.serial_for_url(self.path, baudrate=self.baud, timeout=0.2, exclusive=True)
        except (serial.SerialException, OSError, ValueError) as error:
            if not self._missing_reported:  # once per outage, not every 0.5 s
                log.warning("port %s not available (%s); polling until it is", self.path, error)
                self._missing_reported = True
            return None
        self._missing_reported = False
        self.opened += 1
        log.info("port %s open", self.path)
        return port

    def _read(self, port: serial.SerialBase) -> None:
        # A fresh splitter per opening: half a scan from before an unplug is not worth keeping.
        splitter = LineSplitter(self.terminator)
        try:
            while not self.stop_event.is_set():
                data = port.read(port.in_waiting or 1)
                for line in splitter.feed(data):
                    self.on_line(self.path, line)
        except (serial.SerialException, OSError) as error:
            log.warning("port %s gone (%s)%s; waiting for it to come back", self.path, error,
                        f", dropped partial scan {splitter.pending!r}" if splitter.pending else "")


def _close_quietly(port: serial.SerialBase) -> None:
    try:
        port.close()
    except (serial.SerialException, OSError):
        pass  # the device is gone already


# ---------------------------------------------------------------------------------------------
# The server link


class Uplink:
    """One Socket.IO connection at a time, made by us rather than by the client's own reconnection,
    so that the sender decides when to retry and an unanswered call gives up as soon as the link
    drops (python-socketio's call() would wait for its full timeout)."""

    def __init__(self, server_url: str, token: str, ack_timeout: float, stop: threading.Event) -> None:
        self.server_url = server_url
        self.token = token
        self.ack_timeout = ack_timeout
        self.stop_event = stop
        self._client: socketio.Client | None = None
        self._lost = threading.Event()

    @property
    def connected(self) -> bool:
        return self._client is not None and self._client.connected and not self._lost.is_set()

    def connect(self) -> bool:
        self.drop()
        client = socketio.Client(reconnection=False)
        lost = threading.Event()
        client.on("disconnect", lambda *_: lost.set(), namespace=NAMESPACE)
        try:
            client.connect(self.server_url, namespaces=[NAMESPACE], transports=["websocket"],
                           auth={"token": self.token}, wait_timeout=5)
        except socketio.exceptions.ConnectionError as error:
            log.warning("server %s not reachable or refused the bridge: %s", self.server_url, error)
            _disconnect_quietly(client)
            return False
        self._client, self._lost = client, lost
        log.info("connected to %s", self.server_url)
        return True

    def send(self, scan: dict[str, Any]) -> dict[str, Any] | None:
        """The server's ack, or None when there is no answer (timeout, link lost, stopping)."""
        client, lost = self._client, self._lost
        if client is None:
            return None
        answered = threading.Event()
        answers: list[Any] = []

        def on_ack(*args: Any) -> None:
            answers.append(args[0] if args else None)
            answered.set()

        try:
            client.emit("scan", scan, namespace=NAMESPACE, callback=on_ack)
        except socketio.exceptions.SocketIOError as error:
            log.warning("scan %s not sent: %s", scan["scan_id"], error)
            self.drop()
            return None
        deadline = time.monotonic() + self.ack_timeout
        while not answered.wait(0.05):
            if lost.is_set() or self.stop_event.is_set() or time.monotonic() > deadline:
                # A silent link can take the server's ping timeout (~45 s) to notice: start afresh.
                log.warning("no ack for scan %s (%s)", scan["scan_id"],
                            "link lost" if lost.is_set() else "stopping" if self.stop_event.is_set()
                            else "timeout")
                self.drop()
                return None
        return answers[0]

    def drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            _disconnect_quietly(client)


def _disconnect_quietly(client: socketio.Client) -> None:
    try:
        client.disconnect()
    except Exception:  # noqa: BLE001 - a half-open client may fail in many ways; it is discarded anyway
        pass


# ---------------------------------------------------------------------------------------------
# The bridge


@dataclass
class BridgeConfig:
    server: str
    token: str
    ports: list[str]
    queue_dir: Path
    mode: str = "station"
    terminator: str = "any"
    baud: int = 9600
    cleaner: CodeCleaner = field(default_factory=CodeCleaner)
    ack_timeout: float = 10.0
    retry_max: float = 5.0
    poll_seconds: float = 0.5


class Bridge:
    def __init__(self, config: BridgeConfig) -> None:
        self.config = config
        self.stop_event = threading.Event()
        self.queue = ScanQueue(config.queue_dir)
        self.uplink = Uplink(config.server, config.token, config.ack_timeout, self.stop_event)
        self.readers = [PortReader(path, config.baud, config.terminator, self.on_line, self.stop_event,
                                   config.poll_seconds) for path in config.ports]
        self.sender = threading.Thread(target=self._send_forever, name="sender", daemon=True)

    def start(self) -> Bridge:
        waiting = len(self.queue)
        if waiting:
            log.info("%d scan(s) waiting in %s from before: sending them first", waiting, self.queue.path)
        for reader in self.readers:
            reader.start()
        self.sender.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()
        for thread in (*self.readers, self.sender):
            if thread.is_alive():
                thread.join(timeout=15)
        self.uplink.drop()
        self.queue.close()
        log.info("stopped")

    def on_line(self, port: str, line: bytes) -> None:
        """A scan was read: give it its id now and put it on disk before anything else."""
        code = self.config.cleaner.clean(line)
        if not code:
            return
        scan = {"scan_id": str(uuid.uuid4()), "code": code, "mode": self.config.mode,
                "at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "port": port}
        self.queue.append(scan)
        log.info("scan %s from %s: %r", scan["scan_id"], port, code)

    def _send_forever(self) -> None:
        """Strictly first in, first out: the next scan goes only once the one before is answered."""
        backoff = self.config.poll_seconds
        while not self.stop_event.is_set():
            scan = self.queue.head()
            if scan is None:
                self.queue.wait(0.5)
                continue
            if not self.uplink.connected and not self.uplink.connect():
                self.stop_event.wait(backoff)
                backoff = min(backoff * 2, self.config.retry_max)
                continue
            backoff = self.config.poll_seconds
            ack = self.uplink.send(scan)
            if self._is_answer(scan, ack):
                # Off the queue first: a logged ack means the scan is done with (a test, or a person
                # reading the log, may look at the queue right after; it was once seen still there).
                self.queue.remove(scan["scan_id"])
                self._log_ack(scan, ack)

    def _is_answer(self, scan: dict[str, Any], ack: Any) -> bool:
        if ack is None:
            return False
        if isinstance(ack, dict) and ack.get("scan_id") == scan["scan_id"]:
            return True
        # E.g. `not_authenticated` without a scan id when the socket outlived a server restart:
        # the scan was not looked at, so reconnect and send it again rather than lose it.
        log.warning("answer for scan %s is not about it (%s): reconnecting", scan["scan_id"], ack)
        self.uplink.drop()
        return False

    @staticmethod
    def _log_ack(scan: dict[str, Any], ack: dict[str, Any]) -> None:
        if ack.get("ok"):
            log.info("ack %s: ok %s %s", scan["scan_id"], ack.get("kind"), ack.get("code"))
        else:
            error = ack.get("error") or {}
            message = (error.get("message") or {}).get("en") if isinstance(error.get("message"), dict) else None
            log.error("ack %s: error %s %s (scan %r dropped from the queue)", scan["scan_id"],
                      error.get("code"), message or "", scan["code"])


# ---------------------------------------------------------------------------------------------
# Command line


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python scripts/scan_bridge.py",
                                     description="Send serial/USB-CDC scanner reads to the WMS server.")
    parser.add_argument("--server", required=True, help="e.g. http://127.0.0.1:5000")
    parser.add_argument("--token-file", type=Path, help="file holding the bridge device's token")
    parser.add_argument("--token", help="the device token itself (prefer --token-file)")
    parser.add_argument("--port", action="append", required=True, dest="ports",
                        help="serial device or pyserial URL; repeat for more scanners "
                             "(prefer /dev/serial/by-id/... : it survives replugging)")
    parser.add_argument("--queue-dir", type=Path, required=True, help="where unacknowledged scans wait")
    parser.add_argument("--terminator", choices=TERMINATORS, default="any",
                        help="what ends a scan (default any: CR, LF or CR LF)")
    parser.add_argument("--strip-prefix", action="append", default=[], metavar="X",
                        help="remove this prefix when present (escapes like \\x02 allowed; repeatable)")
    parser.add_argument("--strip-suffix", action="append", default=[], metavar="Y",
                        help="remove this suffix when present (repeatable)")
    parser.add_argument("--strip-aim", action="store_true",
                        help="remove AIM symbology ids (]C1, ]E0, ...); by default they are kept")
    parser.add_argument("--mode", default="station", help="scan mode sent to the server (default station)")
    parser.add_argument("--baud", type=int, default=9600, help="ignored by USB-CDC devices; RS-232 needs it")
    parser.add_argument("--ack-timeout", type=float, default=10.0, help="seconds to wait for each ack")
    parser.add_argument("--retry-max", type=float, default=5.0, help="longest wait between reconnects")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def read_token(args: argparse.Namespace) -> str:
    try:
        token = args.token or (args.token_file.read_text().strip() if args.token_file else "")
    except OSError as error:
        raise SystemExit(f"cannot read the device token: {error}") from None
    if not token:
        raise SystemExit("a device token is required (--token-file or --token)")
    return token


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s bridge %(levelname)s %(message)s")
    cleaner = CodeCleaner(tuple(map(unescape, args.strip_prefix)), tuple(map(unescape, args.strip_suffix)),
                          args.strip_aim)
    config = BridgeConfig(server=args.server, token=read_token(args), ports=args.ports, queue_dir=args.queue_dir,
                          mode=args.mode, terminator=args.terminator, baud=args.baud, cleaner=cleaner,
                          ack_timeout=args.ack_timeout, retry_max=args.retry_max)
    try:
        bridge = Bridge(config)
    except RuntimeError as error:  # the queue belongs to a bridge that is still running
        raise SystemExit(str(error)) from None
    signal.signal(signal.SIGTERM, lambda *_: bridge.stop_event.set())
    signal.signal(signal.SIGINT, lambda *_: bridge.stop_event.set())
    bridge.start()
    log.info("bridge running: %s -> %s (mode %s, queue %s)", ", ".join(config.ports), config.server,
             config.mode, bridge.queue.path)
    while not bridge.stop_event.wait(0.5):
        pass
    bridge.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
