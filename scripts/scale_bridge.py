#!/usr/bin/env python3
"""USB/serial scale bridge for a packing station: reads the station's scale and sends its weight to the
server's `/floor` namespace (event `weight`), where the station's page shows it live and closing a
parcel takes the latest stable weight (docs/packing.md, "Weighing"; docs/scanners.md, "Scales").

    python scripts/scale_bridge.py --server http://127.0.0.1:5000 \\
        --token-file var/token-BRIDGE-01.txt --port /dev/ttyUSB0 --protocol mt-sics

The token is the one of the station's fixed scanner bridge (the device bound to the station): the
server takes the scale's readings as that station's. Protocols (server/domain/scales.py):
- `mt-sics`: Mettler Toledo MT-SICS; the bridge asks `S` (or --command SI) every --interval seconds
  and reads `S S     1.234 kg` (stable) / `S D ...` (moving) / `S I`, `S +`, `S -` (no weight).
- `continuous`: the scale sends `ST,GS,+001.234kg` (ST stable, US unstable) by itself.

Like the scanner bridge (scripts/scan_bridge.py): the port is opened exclusively and polled for again
when the scale is unplugged; the server link is made again when it drops. Nothing is queued: only the
latest reading matters. A reading is sent when it changes, and again every --heartbeat seconds so the
server knows the scale is still there; when the port goes away the server is told (`gone`), so an old
weight is never used for a parcel weighed after the cable came out."""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import serial
import socketio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scan_bridge import LineSplitter, PortReader, _disconnect_quietly, read_token  # noqa: E402
from server.domain.scales import PROTOCOLS, Reading, ScaleError, parse  # noqa: E402

NAMESPACE = "/floor"
log = logging.getLogger("scale-bridge")


class ScaleReader(PortReader):
    """Reads one scale: the scanner bridge's port loop (closed on a read error — unplugged — then polled until
    the path opens again), with the scale's own reading; `on_reading(Reading | None)` gets every weight, None
    when the scale went away."""

    def __init__(self, path: str, baud: int, protocol: str, command: str, interval: float,
                 on_reading, stop: threading.Event, poll_seconds: float = 0.5) -> None:
        super().__init__(path, baud, "any", on_line=None, stop=stop, poll_seconds=poll_seconds)
        self.name = f"scale-{path}"
        self.protocol = protocol
        self.command = (command.strip() + "\r\n").encode()
        self.interval = interval
        self.on_reading = on_reading

    def closed(self) -> None:
        self.on_reading(None)

    def _read(self, port: serial.SerialBase) -> None:
        splitter = LineSplitter("any")
        asked = 0.0
        try:
            while not self.stop_event.is_set():
                if self.protocol == "mt-sics" and time.monotonic() - asked >= self.interval:
                    port.write(self.command)
                    asked = time.monotonic()
                data = port.read(port.in_waiting or 1)
                for line in splitter.feed(data):
                    self._line(line.decode("ascii", errors="replace"))
        except (serial.SerialException, OSError) as error:
            log.warning("port %s gone (%s); waiting for it to come back", self.path, error)

    def _line(self, text: str) -> None:
        try:
            answer = parse(self.protocol, text)
        except ValueError as error:  # a unit the bridge does not know
            log.warning("unreadable weight %r: %s", text, error)
            return
        if isinstance(answer, ScaleError):
            log.warning("scale says %s (%r)", answer.code, answer.raw)
        elif isinstance(answer, Reading):
            self.on_reading(answer)
        else:
            log.debug("ignored line %r", text)


class Uplink:
    """One Socket.IO connection at a time as the station's scale (`auth.scale`), made again when lost."""

    def __init__(self, server_url: str, token: str) -> None:
        self.server_url, self.token = server_url, token
        self._client: socketio.Client | None = None
        self._lost = threading.Event()

    @property
    def connected(self) -> bool:
        return self._client is not None and self._client.connected and not self._lost.is_set()

    def connect(self) -> bool:
        self.drop()
        client, lost = socketio.Client(reconnection=False), threading.Event()
        client.on("disconnect", lambda *_: lost.set(), namespace=NAMESPACE)
        try:
            client.connect(self.server_url, namespaces=[NAMESPACE], transports=["websocket"],
                           auth={"token": self.token, "scale": True}, wait_timeout=5)
        except socketio.exceptions.ConnectionError as error:
            log.warning("server %s not reachable or refused the scale: %s", self.server_url, error)
            _disconnect_quietly(client)
            return False
        self._client, self._lost = client, lost
        log.info("connected to %s", self.server_url)
        return True

    def send(self, payload: dict[str, Any], timeout: float = 5.0) -> dict[str, Any] | None:
        client = self._client
        if client is None:
            return None
        try:
            answer = client.call("weight", payload, namespace=NAMESPACE, timeout=timeout)
        except (socketio.exceptions.SocketIOError, socketio.exceptions.TimeoutError) as error:
            log.warning("weight not sent: %s", error)
            self.drop()
            return None
        return answer

    def drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            _disconnect_quietly(client)


class ScaleBridge:
    def __init__(self, server: str, token: str, port: str, protocol: str, baud: int = 9600, command: str = "S",
                 interval: float = 0.3, heartbeat: float = 5.0, retry_max: float = 5.0) -> None:
        self.stop_event = threading.Event()
        self.uplink = Uplink(server, token)
        self.heartbeat, self.retry_max = heartbeat, retry_max
        self._changed = threading.Condition()
        self._latest: Reading | None = None
        self._gone = False
        self.reader = ScaleReader(port, baud, protocol, command, interval, self.on_reading, self.stop_event)
        self.sender = threading.Thread(target=self._send_forever, name="sender", daemon=True)

    def start(self) -> ScaleBridge:
        self.reader.start()
        self.sender.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()
        with self._changed:
            self._changed.notify_all()
        for thread in (self.reader, self.sender):
            if thread.is_alive():
                thread.join(timeout=10)
        self.uplink.drop()
        log.info("stopped")

    def on_reading(self, reading: Reading | None) -> None:
        with self._changed:
            if reading is None:
                self._latest, self._gone = None, True
            else:
                self._latest = reading
            self._changed.notify_all()

    def _next(self, sent: tuple | None, sent_at: float) -> tuple[dict | None, tuple | None]:
        """What to send now: a changed reading, the scale gone, or the same one again for the heartbeat."""
        with self._changed:
            if self._gone:
                self._gone = False
                return {"gone": True}, None
            reading = self._latest
            key = None if reading is None else (reading.grams, reading.stable)
            if reading is None or (key == sent and time.monotonic() - sent_at < self.heartbeat):
                self._changed.wait(0.2)
                return None, sent
            return {"grams": reading.grams, "stable": reading.stable, "raw": reading.raw}, key

    def _send_forever(self) -> None:
        backoff, sent, sent_at = 0.5, None, 0.0
        while not self.stop_event.is_set():
            payload, key = self._next(sent, sent_at)
            if payload is None:
                continue
            if not self.uplink.connected and not self.uplink.connect():
                with self._changed:  # the reading stays the latest; try again later
                    self._gone = self._gone or payload.get("gone", False)
                self.stop_event.wait(backoff)
                backoff = min(backoff * 2, self.retry_max)
                sent = None
                continue
            backoff = 0.5
            answer = self.uplink.send(payload)
            if answer is None or not answer.get("ok"):
                log.warning("weight refused or unanswered: %s", answer)
                sent = None
                self.stop_event.wait(backoff)
                continue
            if payload.get("gone"):
                log.info("told the server the scale is gone")
            elif key != sent:
                log.info("weight %s g %s sent (%s)", payload["grams"], "stable" if payload["stable"] else "unstable",
                         answer.get("station"))
            sent, sent_at = key, time.monotonic()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python scripts/scale_bridge.py",
                                     description="Send a packing scale's weight to the WMS server.")
    parser.add_argument("--server", required=True, help="e.g. http://127.0.0.1:5000")
    parser.add_argument("--token-file", type=Path, help="file holding the station's scanner bridge token")
    parser.add_argument("--token", help="the device token itself (prefer --token-file)")
    parser.add_argument("--port", required=True, help="serial device or pyserial URL "
                                                      "(prefer /dev/serial/by-id/... : it survives replugging)")
    parser.add_argument("--protocol", choices=PROTOCOLS, required=True)
    parser.add_argument("--baud", type=int, default=9600)
    parser.add_argument("--command", default="S", help="MT-SICS weight command: S (stable only) or SI (immediate)")
    parser.add_argument("--interval", type=float, default=0.3, help="seconds between MT-SICS weight commands")
    parser.add_argument("--heartbeat", type=float, default=5.0,
                        help="resend an unchanged reading this often (below [packing] scale_stale_seconds)")
    parser.add_argument("--retry-max", type=float, default=5.0, help="longest wait between reconnects")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s scale %(levelname)s %(message)s")
    bridge = ScaleBridge(args.server, read_token(args), args.port, args.protocol, args.baud, args.command,
                         args.interval, args.heartbeat, args.retry_max)
    signal.signal(signal.SIGTERM, lambda *_: bridge.stop_event.set())
    signal.signal(signal.SIGINT, lambda *_: bridge.stop_event.set())
    bridge.start()
    log.info("scale bridge running: %s (%s) -> %s", args.port, args.protocol, args.server)
    while not bridge.stop_event.wait(0.5):
        pass
    bridge.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
