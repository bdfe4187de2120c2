"""The printer agent: a separate process near the printers. It takes print jobs from the server over
Socket.IO, checks each printer's host status, sends the ZPL, and reports every state it reaches.

Exactly once across crashes: before writing a job to a printer the agent journals `sending` with the
printer's label odometer, and `sent` once the printer (or CUPS) holds every byte. A restarted agent
reads the journal and the odometer to tell what came out, and sends only what did not.
See docs/printing.md for the reasoning and the window that remains.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import queue
import re
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import socketio

from printers.status import HostStatus, PrinterNoResponse, StatusParseError
from printers.transports import TransportError, make_transport

NAMESPACE = "/printers"
log = logging.getLogger("printer-agent")

_FORMAT = re.compile(r"\^XA.*?\^XZ", re.DOTALL)
UNREACHABLE = "unreachable"
# A printer still printing something else: its odometer would count those labels as ours.
BUSY = "busy"
# Tests only: stop at one point of a job's write so a test can SIGKILL the agent right there.
TEST_PAUSE_ENV = "WMS_AGENT_TEST_PAUSE"
TEST_PAUSE_POINTS = ("before_write", "mid_write", "after_write")


def split_formats(zpl: str) -> list[str]:
    """The job's label formats (`^XA…^XZ`) in order; one format prints one label."""
    return _FORMAT.findall(zpl)


def labels_left(entry: dict[str, Any], odometer_now: int | None) -> int | None:
    """Of the formats written in the journaled attempt, how many did not come out; None when the
    odometer cannot say (no counter, or it went backwards: a replaced or reset printer)."""
    before = entry.get("odometer")
    if before is None or odometer_now is None or odometer_now < before:
        return None
    return max(0, entry["formats"] - (odometer_now - before))


def _test_pause(point: str, job_id: int) -> None:
    if os.environ.get(TEST_PAUSE_ENV) == point:
        print(f"TEST PAUSE {point} job {job_id}", file=sys.stderr, flush=True)
        time.sleep(120)


class Journal:
    """What this agent did with each job, on disk (JSON lines, fsync'd) so a restart knows it.

    States per job: `sending` (odometer before, formats written, formats skipped as printed by an
    earlier attempt), `sent` (the printer or CUPS holds all of it), `withdrawn` (CUPS gave it back),
    `printed` (seen out of the printer), `done` (the server acknowledged the final state; forgotten
    at the next compaction). An entry names its job by id and creation time, so a journal left
    from another server's database never matches a job that merely has the same id.
    Without a path it keeps the same bookkeeping in memory only (embedded agents, tests).
    """

    FILE = "journal.jsonl"
    COMPACT_AFTER = 2000  # records appended since the last compaction

    def __init__(self, state_dir: Path | None = None) -> None:
        self.path = state_dir / self.FILE if state_dir else None
        self._entries: dict[int, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._appended = 0
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._load()
            self._compact()

    def get(self, job: dict[str, Any]) -> dict[str, Any] | None:
        with self._lock:
            entry = self._entries.get(job["id"])
            return dict(entry) if entry and entry["created"] == job["created_at"] else None

    def unfinished(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._entries.values() if e["state"] != "done"]

    def record(self, job: dict[str, Any], state: str, **fields: Any) -> None:
        """Write the job's new state to disk before returning: a crash right after must find it."""
        with self._lock:
            entry = self._entries.get(job["id"])
            if entry is None or entry["created"] != job["created_at"]:
                entry = {"job": job["id"], "created": job["created_at"], "printer": job["printer"]}
            entry.update(fields, state=state, at=time.time())
            self._entries[job["id"]] = entry
            self._append(entry)

    def _append(self, entry: dict[str, Any]) -> None:
        if self.path is None:
            return
        with open(self.path, "a", encoding="utf-8") as file:
            file.write(json.dumps(entry) + "\n")
            file.flush()
            os.fsync(file.fileno())
        self._appended += 1
        if self._appended >= self.COMPACT_AFTER:
            self._compact()

    def _load(self) -> None:
        if not self.path.exists():
            return
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash: the state before it still holds
            self._entries[entry["job"]] = entry

    def _compact(self) -> None:
        # Rewrite only the jobs not done, then rename over the old file: either file is complete.
        self._entries = {job: e for job, e in self._entries.items() if e["state"] != "done"}
        fresh = self.path.with_suffix(".tmp")
        with open(fresh, "w", encoding="utf-8") as file:
            file.writelines(json.dumps(e) + "\n" for e in self._entries.values())
            file.flush()
            os.fsync(file.fileno())
        os.replace(fresh, self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself must survive a power cut
        finally:
            os.close(directory)
        self._appended = 0


class Backoff:
    """How long to wait before trying a printer again.

    A printer that cannot be reached (switched off, cable out) is tried after the base delay, then
    twice as long each time up to the cap, so an agent with many dead printers does not hammer the
    network; the first successful contact resets it. Faults an operator fixes in seconds (paper,
    head, pause) keep the short base poll, so the label comes out as soon as the printer is ready.
    """

    def __init__(self, base: float, cap: float) -> None:
        self.base, self.cap = base, max(cap, base)
        self._delay = 0.0
        self.history: deque[tuple[float, str, float]] = deque(maxlen=200)  # (when, reason, delay)

    def after(self, reason: str) -> float:
        if reason == UNREACHABLE:
            self._delay = min(self.cap, self._delay * 2 if self._delay else self.base)
            delay = self._delay
        else:
            self._delay, delay = 0.0, self.base
        self.history.append((time.monotonic(), reason, delay))
        return delay

    def reset(self) -> None:
        self._delay = 0.0

    @property
    def current(self) -> float:
        """The delay last used for an unreachable printer; 0 once it answered again."""
        return self._delay


class Reporter:
    """Sends job states to the server in order; what cannot be sent now is kept and sent first
    after the next reconnect (the server treats a repeated state as already known)."""

    def __init__(self, sio: socketio.Client) -> None:
        self._sio = sio
        self._pending: list[tuple[dict[str, Any], Callable[[], None] | None]] = []
        self._lock = threading.Lock()

    def report(self, job_id: int, status: str, reason: str | None = None,
               delivered: Callable[[], None] | None = None) -> None:
        """`delivered` runs once the server has answered this report (accepted or refused)."""
        with self._lock:
            self._pending.append(({"job_id": job_id, "status": status, "reason": reason}, delivered))
        self.flush()

    def flush(self) -> None:
        with self._lock:
            while self._pending:
                if not self._sio.connected:
                    return
                state, delivered = self._pending[0]
                try:
                    ack = self._sio.call("job_state", state, namespace=NAMESPACE, timeout=10)
                except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError,
                        socketio.exceptions.DisconnectedError):
                    return
                if not ack.get("ok"):
                    log.error("server refused state %s: %s", state, ack.get("error"))
                self._pending.pop(0)
                if delivered is not None:
                    delivered()

    @property
    def pending(self) -> int:
        return len(self._pending)


class PrinterWorker(threading.Thread):
    """One printer, one job at a time: a Zebra serves one connection, and labels keep their order."""

    def __init__(self, config: dict[str, Any], reporter: Reporter, retry_seconds: float,
                 stop: threading.Event, journal: Journal | None = None,
                 max_retry_seconds: float = 30.0) -> None:
        super().__init__(name=f"printer-{config['code']}", daemon=True)
        self.config = config
        self.transport = make_transport(config)
        self.reporter = reporter
        self.retry_seconds = retry_seconds
        self.backoff = Backoff(retry_seconds, max_retry_seconds)
        self.journal = journal or Journal()
        self.stop_event = stop
        self.jobs: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: set[int] = set()  # a job is taken once, however often the server offers it
        self.voided: set[int] = set()  # jobs the server voided (their order cancelled): never sent from now on

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

    def void(self, job_id: int) -> None:
        """The server voided this job: if it has not gone to the printer yet, it never will."""
        self.voided.add(job_id)
        self.seen.add(job_id)

    def print_job(self, job: dict[str, Any]) -> None:
        if job["id"] in self.voided:
            log.info("job %s was voided: not printed", job["id"])
            return
        entry = self.journal.get(job)
        state = entry["state"] if entry else None
        if job.get("status") == "sent" and state != "printed":
            # The server has it `sent`: a printer held every byte of it (this agent's journal, or
            # the journal of an agent that went away). Confirm it; never send it again.
            state = "sent"
        if state not in ("sent", "printed") and not self.deliver(job):
            return  # stopping; the journal tells the next start where this job was
        self.reporter.report(job["id"], "sent")
        if state == "printed":
            self.report_printed(job)
        else:
            self.confirm(job)

    # -- getting every label of a job into the printer once --------------------------------------

    def deliver(self, job: dict[str, Any]) -> bool:
        """Retry until the printer holds the whole job; False if the agent stops first."""
        last_reason = job.get("reason") if job.get("status") == "waiting" else None
        while not self.stop_event.is_set():
            if job["id"] in self.voided:
                log.info("job %s was voided while it waited: not printed", job["id"])
                return False
            reason = self.idle_reason() or self.try_send(job)
            if reason is None:
                self.backoff.reset()
                return True
            if reason != last_reason:
                log.warning("job %s waits: printer %s %s", job["id"], self.config["code"], reason)
                self.reporter.report(job["id"], "waiting", reason)
                last_reason = reason
            delay = self.backoff.after(reason)
            if reason == UNREACHABLE:
                log.info("printer %s unreachable; next attempt in %.1f s", self.config["code"], delay)
            self.stop_event.wait(delay)
        return False

    def idle_reason(self) -> str | None:
        """Why the printer cannot take a job now; None when it is ready with nothing in its buffer
        (so that the odometer read next counts only this job's labels)."""
        status, reason = self._status()
        if status is not None and not reason and (status.formats_in_buffer or status.labels_remaining):
            return BUSY
        return reason

    def try_send(self, job: dict[str, Any]) -> str | None:
        """One attempt: write the formats not yet printed; the failure's reason, or None."""
        formats = split_formats(job["zpl"])
        skip = self.already_printed(job)
        if skip >= len(formats):
            self.journal.record(job, "sent")
            return None
        before = self.transport.odometer()
        self.journal.record(job, "sending", odometer=before, formats=len(formats) - skip, skip=skip)
        _test_pause("before_write", job["id"])
        handed_over = threading.Event()

        def journal_sent() -> None:
            _test_pause("after_write", job["id"])
            self.journal.record(job, "sent")
            handed_over.set()

        try:
            self.write(job, formats[skip:], journal_sent)
        except TransportError as error:
            if handed_over.is_set():  # CUPS gave the job back (cancelled at its timeout)
                self.journal.record(job, "withdrawn")
            return error.reason
        return None

    def already_printed(self, job: dict[str, Any]) -> int:
        """How many of the job's formats an earlier, unfinished attempt got out of the printer."""
        entry = self.journal.get(job)
        if entry is None or entry["state"] != "sending":
            return 0
        left = labels_left(entry, self.transport.odometer())
        if left is None:
            # No counter to ask: send that attempt again (a duplicate label is visible and
            # harmless to throw away; a missing one stops work unnoticed). See docs/printing.md.
            log.warning("job %s: outcome of an interrupted send unknown; sending it again", job["id"])
            return entry["skip"]
        log.info("job %s: %d of %d label(s) of the interrupted send came out", job["id"],
                 entry["formats"] - left, entry["formats"])
        return entry["skip"] + entry["formats"] - left

    def write(self, job: dict[str, Any], formats: list[str], handed_over: Callable[[], None]) -> None:
        if os.environ.get(TEST_PAUSE_ENV) == "mid_write" and len(formats) > 1:
            half = len(formats) // 2
            self.transport.send("\n".join(formats[:half]))
            _test_pause("mid_write", job["id"])
            formats = formats[half:]
        self.transport.send("\n".join(formats), handed_over=handed_over)

    def fault(self) -> str | None:
        """Why the printer cannot take a label now, or None when it is ready."""
        return self._status()[1]

    def _status(self) -> tuple[HostStatus | None, str | None]:
        """The printer's status and its fault reason (None: ready); no status if it did not answer."""
        try:
            status = self.transport.status()
        except PrinterNoResponse as error:
            return None, error.reason
        except StatusParseError:
            return None, "bad_status_response"  # something answers on the port, but not like a Zebra
        return status, ",".join(status.faults) or None

    # -- waiting for the labels to come out ------------------------------------------------------

    def confirm(self, job: dict[str, Any]) -> None:
        """Printed once the printer has nothing of it left in its buffer. A printer that runs out of
        paper mid-job keeps the rest and prints it after recovery, so keep asking."""
        while not self.stop_event.is_set():
            status, reason = self._status()
            if status is not None and status.ready and status.formats_in_buffer == 0 \
                    and status.labels_remaining == 0:
                self.backoff.reset()
                self.journal.record(job, "printed")
                self.report_printed(job)
                return
            # Answering but still printing (or paused): poll fast. Silent: paper or head; gone: back off.
            delay = min(self.retry_seconds, 0.2) if status else self.backoff.after(reason)
            self.stop_event.wait(delay)

    def report_printed(self, job: dict[str, Any]) -> None:
        self.reporter.report(job["id"], "printed",
                             delivered=lambda: self.journal.record(job, "done"))
        log.info("job %s printed on %s", job["id"], self.config["code"])


class PrinterAgent:
    def __init__(self, server_url: str, token: str, retry_seconds: float = 2.0,
                 max_retry_seconds: float = 30.0, state_dir: str | Path | None = None) -> None:
        """`state_dir` holds the journal ("{agent}" is replaced by the agent's device code); None
        keeps it in memory, which protects against nothing once the process dies."""
        self.server_url = server_url
        self.token = token
        self.retry_seconds = retry_seconds
        self.max_retry_seconds = max_retry_seconds
        self.state_dir = state_dir
        self.journal: Journal | None = None
        self.stop_event = threading.Event()
        self.sio = socketio.Client(reconnection=True, reconnection_delay=0.5,
                                   reconnection_delay_max=5)
        self.reporter = Reporter(self.sio)
        self.workers: dict[str, PrinterWorker] = {}
        self.ready = threading.Event()
        self._early_jobs: list[dict[str, Any]] = []  # pushed before the journal was open
        self._dispatch_lock = threading.Lock()
        self.sio.on("connect", self._on_connect, namespace=NAMESPACE)
        self.sio.on("print_job", self._on_print_job, namespace=NAMESPACE)
        self.sio.on("print_job_voided", self._on_print_job_voided, namespace=NAMESPACE)

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
        self._open_journal(hello["agent"])
        for config in hello["printers"]:
            self._worker(config)
        # Jobs of an earlier run first: their labels may still be coming out of the printer.
        self._resume_from_journal({job["id"] for job in hello["jobs"]})
        with self._dispatch_lock:
            early, self._early_jobs = self._early_jobs, []
        for job in [*hello["jobs"], *early]:
            self._dispatch(job)
        log.info("connected as %s: %d printer(s), %d open job(s)", hello["agent"],
                 len(hello["printers"]), len(hello["jobs"]))
        self.ready.set()

    def _open_journal(self, agent_code: str) -> None:
        with self._dispatch_lock:
            if self.journal is None:
                path = Path(str(self.state_dir).format(agent=agent_code)) if self.state_dir else None
                self.journal = Journal(path)
                if path:
                    log.info("journal %s", path / Journal.FILE)

    def _resume_from_journal(self, offered: set[int]) -> None:
        """Jobs this agent journaled before it stopped that the server no longer offers: it has
        finished them (printed, failed, voided), or they are another server's. Forget them."""
        for entry in self.journal.unfinished():
            worker = self.workers.get(entry["printer"])
            if entry["job"] in offered or (worker is not None and entry["job"] in worker.seen):
                continue  # in hand already
            self.journal.record({"id": entry["job"], "created_at": entry["created"],
                                 "printer": entry["printer"]}, "done")

    def _worker(self, config: dict[str, Any]) -> PrinterWorker:
        worker = self.workers.get(config["code"])
        if worker is None:
            worker = PrinterWorker(config, self.reporter, self.retry_seconds, self.stop_event,
                                   self.journal, self.max_retry_seconds)
            self.workers[config["code"]] = worker
            worker.start()
        else:
            worker.reconfigure(config)
        return worker

    def _on_print_job(self, job: dict[str, Any]) -> None:
        with self._dispatch_lock:
            if self.journal is None:  # the hello will open it and dispatch this job then
                self._early_jobs.append(job)
                return
        self._dispatch(job)

    def _on_print_job_voided(self, voided: dict[str, Any]) -> None:
        worker = self.workers.get(voided.get("printer"))
        if worker is not None and isinstance(voided.get("id"), int):
            worker.void(voided["id"])

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
    parser.add_argument("--retry-seconds", type=float, default=2.0,
                        help="poll interval for a printer in fault; first delay for an unreachable one")
    parser.add_argument("--max-retry-seconds", type=float, default=30.0,
                        help="cap of the doubling delay between attempts to reach a printer")
    parser.add_argument("--state-dir", default="var/agent-{agent}",
                        help="where the job journal lives; {agent} is the agent's device code")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s agent %(levelname)s %(message)s")
    token = args.token or (args.token_file.read_text().strip() if args.token_file else "")
    if not token:
        parser.error("a token is required (--token-file or --token)")

    agent = PrinterAgent(args.server, token, args.retry_seconds, args.max_retry_seconds,
                         args.state_dir)
    signal.signal(signal.SIGTERM, lambda *_: agent.stop_event.set())
    signal.signal(signal.SIGINT, lambda *_: agent.stop_event.set())
    agent.start()
    while not agent.stop_event.wait(0.5):
        pass
    agent.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
