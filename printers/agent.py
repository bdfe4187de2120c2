"""The printer agent: a separate process near the printers. It takes print jobs from the server over
Socket.IO, checks each printer's host status, sends the ZPL, and reports every state it reaches."""
from __future__ import annotations

import argparse
import logging
import queue
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import socketio

from printers.status import PrinterNoResponse, StatusParseError
from printers.transports import TransportError, make_transport

NAMESPACE = "/printers"
log = logging.getLogger("printer-agent")


class Reporter:
    """Sends job states to the server in order; what cannot be sent now is kept and sent first
    after the next reconnect (the server treats a repeated state as already known)."""

    def __init__(self, sio: socketio.Client) -> None:
        self._sio = sio
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def report(self, job_id: int, status: str, reason: str | None = None) -> None:
        with self._lock:
            self._pending.append({"job_id": job_id, "status": status, "reason": reason})
        self.flush()

    def flush(self) -> None:
        with self._lock:
            while self._pending:
                if not self._sio.connected:
                    return
                try:
                    ack = self._sio.call("job_state", self._pending[0], namespace=NAMESPACE,
                                         timeout=10)
                except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError,
                        socketio.exceptions.DisconnectedError):
                    return
                if not ack.get("ok"):
                    log.error("server refused state %s: %s", self._pending[0], ack.get("error"))
                self._pending.pop(0)

    @property
    def pending(self) -> int:
        return len(self._pending)


class PrinterWorker(threading.Thread):
    """One printer, one job at a time: a Zebra serves one connection, and labels keep their order."""

    def __init__(self, config: dict[str, Any], reporter: Reporter, retry_seconds: float,
                 stop: threading.Event) -> None:
        super().__init__(name=f"printer-{config['code']}", daemon=True)
        self.config = config
        self.transport = make_transport(config)
        self.reporter = reporter
        self.retry_seconds = retry_seconds
        self.stop_event = stop
        self.jobs: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: set[int] = set()  # a job is taken once, however often the server offers it

    def reconfigure(self, config: dict[str, Any]) -> None:
        if config != self.config:
            self.config, self.transport = config, make_transport(config)

    def offer(self, job: dict[str, Any]) -> None:
        if job["id"] not in self.seen:
            self.seen.add(job["id"])
            self.jobs.put(job)

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                job = self.jobs.get(timeout=0.2)
            except queue.Empty:
                continue
            self.print_job(job)

    def print_job(self, job: dict[str, Any]) -> None:
        last_reason = job.get("reason") if job.get("status") == "waiting" else None
        while not self.stop_event.is_set():
            reason = self.fault()
            if reason is None:
                try:
                    self.transport.send(job["zpl"])
                except TransportError as error:
                    reason = error.reason
                else:
                    self.reporter.report(job["id"], "sent")
                    self.confirm(job)
                    return
            if reason != last_reason:
                log.warning("job %s waits: printer %s %s", job["id"], self.config["code"], reason)
                self.reporter.report(job["id"], "waiting", reason)
                last_reason = reason
            self.stop_event.wait(self.retry_seconds)

    def fault(self) -> str | None:
        """Why the printer cannot take a label now, or None when it is ready."""
        try:
            status = self.transport.status()
        except PrinterNoResponse as error:
            return error.reason
        except StatusParseError:
            return "bad_status_response"  # something answers on the port, but not like a Zebra
        return ",".join(status.faults) or None

    def confirm(self, job: dict[str, Any]) -> None:
        """Printed once the printer has nothing of it left in its buffer. A printer that runs out of
        paper mid-job keeps the rest and prints it after recovery, so keep asking."""
        while not self.stop_event.is_set():
            try:
                status = self.transport.status()
            except (PrinterNoResponse, StatusParseError):
                status = None
            if status is not None and status.ready and status.formats_in_buffer == 0 \
                    and status.labels_remaining == 0:
                self.reporter.report(job["id"], "printed")
                log.info("job %s printed on %s", job["id"], self.config["code"])
                return
            self.stop_event.wait(min(self.retry_seconds, 0.2) if status else self.retry_seconds)


class PrinterAgent:
    def __init__(self, server_url: str, token: str, retry_seconds: float = 2.0) -> None:
        self.server_url = server_url
        self.token = token
        self.retry_seconds = retry_seconds
        self.stop_event = threading.Event()
        self.sio = socketio.Client(reconnection=True, reconnection_delay=0.5,
                                   reconnection_delay_max=5)
        self.reporter = Reporter(self.sio)
        self.workers: dict[str, PrinterWorker] = {}
        self.ready = threading.Event()
        self.sio.on("connect", self._on_connect, namespace=NAMESPACE)
        self.sio.on("print_job", self._on_print_job, namespace=NAMESPACE)

    def _on_connect(self) -> None:
        # Handlers must not block the client's event thread with calls: do the hello elsewhere.
        threading.Thread(target=self._hello, name="agent-hello", daemon=True).start()

    def _hello(self) -> None:
        self.reporter.flush()
        try:
            hello = self.sio.call("agent_hello", {}, namespace=NAMESPACE, timeout=10)
        except socketio.exceptions.SocketIOError as error:
            log.warning("hello failed: %s", error)
            return
        for config in hello["printers"]:
            self._worker(config)
        for job in hello["jobs"]:
            self._dispatch(job)
        log.info("connected as %s: %d printer(s), %d open job(s)", hello["agent"],
                 len(hello["printers"]), len(hello["jobs"]))
        self.ready.set()

    def _worker(self, config: dict[str, Any]) -> PrinterWorker:
        worker = self.workers.get(config["code"])
        if worker is None:
            worker = PrinterWorker(config, self.reporter, self.retry_seconds, self.stop_event)
            self.workers[config["code"]] = worker
            worker.start()
        else:
            worker.reconfigure(config)
        return worker

    def _on_print_job(self, job: dict[str, Any]) -> None:
        self._dispatch(job)

    def _dispatch(self, job: dict[str, Any]) -> None:
        config = job.get("printer_config")
        worker = self._worker(config) if config else self.workers.get(job["printer"])
        if worker is None:
            log.error("job %s is for unknown printer %s", job["id"], job["printer"])
            return
        worker.offer(job)

    def start(self) -> PrinterAgent:
        """Connect, retrying until the server answers (it may start after the agent)."""
        while not self.stop_event.is_set():
            try:
                self.sio.connect(self.server_url, namespaces=[NAMESPACE],
                                 transports=["websocket"], auth={"token": self.token},
                                 wait_timeout=5)
                return self
            except socketio.exceptions.ConnectionError as error:
                log.warning("server not reachable yet (%s); retrying", error)
                self.stop_event.wait(1.0)
        return self

    def stop(self) -> None:
        self.stop_event.set()
        if self.sio.connected:
            self.sio.disconnect()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m printers.agent")
    parser.add_argument("--server", required=True, help="e.g. http://127.0.0.1:5000")
    parser.add_argument("--token-file", type=Path, help="file holding this agent's device token")
    parser.add_argument("--token", help="the device token itself (prefer --token-file)")
    parser.add_argument("--retry-seconds", type=float, default=2.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s agent %(levelname)s %(message)s")
    token = args.token or (args.token_file.read_text().strip() if args.token_file else "")
    if not token:
        parser.error("a token is required (--token-file or --token)")

    agent = PrinterAgent(args.server, token, args.retry_seconds)
    signal.signal(signal.SIGTERM, lambda *_: agent.stop_event.set())
    signal.signal(signal.SIGINT, lambda *_: agent.stop_event.set())
    agent.start()
    while not agent.stop_event.wait(0.5):
        pass
    agent.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
