"""The whole printer path: supervisor asks for labels → job stored on the server → printer agent
(Socket.IO client with a device token) → Zebra emulator over TCP → job reported printed."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import socketio

from printers.agent import TEST_PAUSE_ENV, Backoff, Journal, PrinterAgent, labels_left, split_formats
from printers.emulator import ZebraEmulator

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate, timeout=15.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")


@pytest.fixture
def agent(printer_agent):
    return printer_agent


@pytest.fixture
def supervisor(live_server):
    return live_server.session("supervisor")


def as_printed(zpl: str) -> str:
    """A Zebra without the named CJK font prints that field in its resident font 0; zplkit, which
    has no printer fonts and no CJK glyphs, gets the same field with its glyphs as boxes ("?")."""
    resident = re.sub(r"\^A@([NRIB]),(\d+),(\d+),[A-Z]:[^\^]+", r"^A0\1,\2,\3", zpl)
    return "".join(c if ord(c) < 0x2000 else "?" for c in resident)


def job_status(live_server, http, job_id):
    return http.get(f"{live_server.url}/api/v1/print-jobs/{job_id}", timeout=5).json()


def print_labels(live_server, http, **body):
    answer = http.post(f"{live_server.url}/api/v1/print-jobs/bin-labels",
                       json={"printer": live_server.demo["printer"]} | body, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()["job"]


def retry_rounds_pass(agent, live_server, rounds: int = 2) -> None:
    """Wait until the agent has asked the printer `rounds` more times and backed off each time (its
    backoff's record), instead of sleeping "long enough" for that to have happened. (A silent printer
    costs the status timeout each round: the 0.6 s slept here before did not always cover one.)"""
    worker = agent.workers[live_server.demo["printer"]]
    mark = time.monotonic()
    wait_for(lambda: sum(1 for at, _, _ in list(worker.backoff.history) if at > mark) >= rounds)


BARRIER_BIN = "A-02-02-2"


def printed_up_to_a_barrier(live_server, http, printer) -> list:
    """The labels printed before a one-label job sent after the others. One worker prints a printer's
    jobs one at a time, in order: once that job is printed, anything the earlier ones would still send
    (a late duplicate) has come out. Instead of sleeping "long enough" for a duplicate to show."""
    job = print_labels(live_server, http, zone="A", bins=[BARRIER_BIN])
    wait_for(lambda: job_status(live_server, http, job["id"])["status"] == "printed")
    labels = printer.printed
    assert printed_bins(labels[-1:]) == [BARRIER_BIN], "the barrier job's label should be the last out"
    return labels[:-1]


def test_bin_labels_for_a_zone_reach_the_printer_as_zpl_that_scans_back(
        live_server, agent, supervisor, healthy_printer, scan_label):
    before = len(healthy_printer.printed)
    job = print_labels(live_server, supervisor, zone="B")
    assert job["status"] == "queued" and job["labels"] == 200

    wait_for(lambda: job_status(live_server, supervisor, job["id"])["status"] == "printed")
    labels = healthy_printer.printed[before:]
    assert len(labels) == 200
    bins = [b["code"] for b in supervisor.get(f"{live_server.url}/api/v1/bins?zone=B",
                                              timeout=5).json()]
    assert [scan_label(as_printed(label.zpl))[0] for label in labels[:3]] == bins[:3]
    assert scan_label(as_printed(labels[-1].zpl)) == [bins[-1]]
    history = [e["status"] for e in job_status(live_server, supervisor, job["id"])["history"]]
    assert history == ["queued", "sent", "printed"]


def test_a_300_dpi_job_renders_at_300_dpi(live_server, agent, supervisor, healthy_printer,
                                          scan_label):
    before = len(healthy_printer.printed)
    job = print_labels(live_server, supervisor, zone="A", dpi=300, bins=["A-02-03-1"])
    wait_for(lambda: job_status(live_server, supervisor, job["id"])["status"] == "printed")
    [label] = healthy_printer.printed[before:]
    assert scan_label(as_printed(label.zpl), 300) == ["A-02-03-1"]


def test_paper_out_holds_the_job_and_recovery_prints_it_exactly_once(
        live_server, agent, supervisor, healthy_printer):
    healthy_printer.set_faults(paper_out=True)
    before = len(healthy_printer.printed)
    job = print_labels(live_server, supervisor, zone="A", bins=["A-01-01-1", "A-01-01-2"])

    waiting = wait_for(lambda: (s := job_status(live_server, supervisor, job["id"]))["status"]
                       == "waiting" and s)
    assert waiting["reason"] == "no_status_response"  # a Zebra out of paper does not answer ~HS
    retry_rounds_pass(agent, live_server)  # several retry rounds pass while the printer is out of paper
    assert len(healthy_printer.printed) == before
    assert healthy_printer.status().formats_in_buffer == 0  # nothing was sent into the fault

    healthy_printer.set_faults(paper_out=False)
    wait_for(lambda: job_status(live_server, supervisor, job["id"])["status"] == "printed")
    printed = printed_up_to_a_barrier(live_server, supervisor, healthy_printer)[before:]
    assert [re.search(r"\^FD(A-01-01-\d)\^FS", p.zpl).group(1) for p in printed] == [
        "A-01-01-1", "A-01-01-2"]


def test_a_paused_printer_holds_the_job_with_the_reason_shown(
        live_server, agent, supervisor, healthy_printer):
    healthy_printer.set_faults(paused=True)
    job = print_labels(live_server, supervisor, zone="A", bins=["A-01-02-1"])
    waiting = wait_for(lambda: (s := job_status(live_server, supervisor, job["id"]))["status"]
                       == "waiting" and s)
    assert waiting["reason"] == "paused"
    healthy_printer.set_faults(paused=False)
    wait_for(lambda: job_status(live_server, supervisor, job["id"])["status"] == "printed")


def test_a_job_made_while_the_agent_is_away_prints_when_it_comes_back(
        live_server, supervisor, healthy_printer):
    before = len(healthy_printer.printed)
    job = print_labels(live_server, supervisor, zone="A", bins=["A-05-10-4"])
    assert job_status(live_server, supervisor, job["id"])["status"] == "queued"
    assert len(healthy_printer.printed) == before

    token = (live_server.data_dir / "token-AGENT-01.txt").read_text().strip()
    late_agent = PrinterAgent(live_server.url, token, retry_seconds=0.2).start()
    try:
        wait_for(lambda: job_status(live_server, supervisor, job["id"])["status"] == "printed")
    finally:
        late_agent.stop()
    assert len(healthy_printer.printed) == before + 1


def test_a_job_left_sent_by_an_agent_that_lost_its_journal_is_confirmed_and_not_sent_again(
        live_server, supervisor, healthy_printer):
    """An agent reported `sent` (the printer held every byte) and went away with its journal (a
    replaced PC, an agent run in memory). The next agent must not leave the job `sent` for ever,
    nor send it again: it confirms it from the printer and reports it printed."""
    job = print_labels(live_server, supervisor, zone="A", bins=["A-05-10-3"])
    token = (live_server.data_dir / "token-AGENT-01.txt").read_text().strip()
    gone = socketio.SimpleClient()
    gone.connect(live_server.url, namespace="/printers", transports=["websocket"], auth={"token": token},
                 wait_timeout=5)
    try:
        assert gone.call("job_state", {"job_id": job["id"], "status": "sent"}, timeout=10)["ok"]
    finally:
        gone.disconnect()
    assert job_status(live_server, supervisor, job["id"])["status"] == "sent"
    before = len(healthy_printer.printed)

    next_agent = PrinterAgent(live_server.url, token, retry_seconds=0.2).start()
    try:
        wait_for(lambda: job_status(live_server, supervisor, job["id"])["status"] == "printed")
    finally:
        next_agent.stop()
    assert len(healthy_printer.printed) == before


def test_a_reprint_is_a_new_job_and_the_original_keeps_its_history(
        live_server, agent, supervisor, healthy_printer):
    job = print_labels(live_server, supervisor, zone="B", bins=["B-01-01-1"])
    wait_for(lambda: job_status(live_server, supervisor, job["id"])["status"] == "printed")
    again = supervisor.post(f"{live_server.url}/api/v1/print-jobs/{job['id']}/reprint",
                            json={"reason": "label torn"}, timeout=5)
    assert again.status_code == 201
    reprint = again.json()["job"]
    assert reprint["id"] != job["id"] and reprint["title"].startswith("Reprint")
    wait_for(lambda: job_status(live_server, supervisor, reprint["id"])["status"] == "printed")
    assert job_status(live_server, supervisor, job["id"])["status"] == "printed"


def test_the_supervisor_page_prints_a_zone_and_lists_the_job(live_server, agent, healthy_printer):
    browser_like = live_server.session("supervisor")
    form = browser_like.get(f"{live_server.url}/sup/bins?zone=A", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # the form's CSRF token
    page = browser_like.post(f"{live_server.url}/sup/bins/print",
                             data={"zone": "A", "printer": live_server.demo["printer"], "dpi": "203",
                                   "csrf_token": token}, timeout=10)
    assert page.status_code == 200 and "Print jobs" in page.text
    job_id = int(re.search(r'class="[^"]*highlight[^"]*" data-job="(\d+)"', page.text).group(1))
    wait_for(lambda: job_status(live_server, browser_like, job_id)["status"] == "printed")


def test_an_agent_with_a_wrong_token_is_refused(live_server):
    impostor = PrinterAgent(live_server.url, "not-a-token", retry_seconds=0.2)
    impostor.stop_event.set()  # one attempt only
    try:
        impostor.sio.connect(live_server.url, namespaces=["/printers"], transports=["websocket"],
                             auth={"token": "not-a-token"}, wait_timeout=5)
        connected = True
    except Exception:
        connected = False
    assert not connected


# -- the journal and the odometer arithmetic, without a server ----------------------------------

JOB = {"id": 7, "created_at": "2026-11-23T10:00:00Z", "printer": "PRN-PACK-01"}


def test_the_journal_survives_a_restart_and_a_line_torn_by_a_crash(tmp_path):
    journal = Journal(tmp_path)
    journal.record(JOB, "sending", odometer=10, formats=3, skip=0)
    with open(tmp_path / Journal.FILE, "a") as file:
        file.write('{"job": 7, "created": "2026-11-23T10:00:00Z", "sta')  # killed mid-write

    entry = Journal(tmp_path).get(JOB)

    assert (entry["state"], entry["odometer"], entry["formats"]) == ("sending", 10, 3)


def test_a_finished_job_is_forgotten_at_the_next_start(tmp_path):
    journal = Journal(tmp_path)
    journal.record(JOB, "sent")
    journal.record(JOB | {"id": 8}, "sent")
    journal.record(JOB, "done")

    reopened = Journal(tmp_path)

    assert [e["job"] for e in reopened.unfinished()] == [8]
    assert len((tmp_path / Journal.FILE).read_text().splitlines()) == 1


def test_a_journal_entry_never_matches_another_servers_job_with_the_same_id(tmp_path):
    Journal(tmp_path).record(JOB, "sent")

    assert Journal(tmp_path).get(JOB | {"created_at": "2027-01-01T00:00:00Z"}) is None


@pytest.mark.parametrize(("before", "now", "left"), [
    (10, 13, 0),      # all three came out
    (10, 10, 3),      # none did: killed before the write
    (10, 11, 2),      # one of three
    (10, 20, 0),      # more than ours: someone else printed too (documented assumption)
    (None, 12, None),  # no odometer then: unknown
    (10, None, None),  # none now
    (10, 4, None),     # went backwards: another or a reset printer
])
def test_labels_left_from_the_odometer(before, now, left):
    assert labels_left({"odometer": before, "formats": 3}, now) == left


def test_formats_split_at_the_format_frames():
    assert split_formats("^XA^FDa^FS^XZ\n^XA\n^FDb^FS\n^XZ") == ["^XA^FDa^FS^XZ", "^XA\n^FDb^FS\n^XZ"]


def test_backoff_doubles_for_an_unreachable_printer_only_and_resets():
    backoff = Backoff(0.5, 3.0)
    assert [backoff.after("unreachable") for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert backoff.after("paper_out") == 0.5 and backoff.current == 0
    backoff.after("unreachable")
    backoff.reset()
    assert backoff.after("unreachable") == 0.5


# -- faults in the middle of a job, an unreachable printer -------------------------------------


def bins_of(live_server, http, zone, start, count):
    codes = [b["code"] for b in http.get(f"{live_server.url}/api/v1/bins?zone={zone}", timeout=5).json()]
    chosen = codes[start:start + count]
    assert len(chosen) == count
    return chosen


def printed_bins(labels):
    return [re.search(r"\^FD([A-Z]-\d{2}-\d{2}-\d)\^FS", label.zpl).group(1) for label in labels]


def drain_open_jobs(live_server, http, timeout=30):
    deadline = time.monotonic() + timeout
    while any(job["status"] in ("queued", "waiting", "sent")
              for job in http.get(f"{live_server.url}/api/v1/print-jobs", timeout=5).json()):
        assert time.monotonic() < deadline, "open print jobs did not drain"
        time.sleep(0.05)


def test_paper_running_out_mid_batch_holds_the_rest_and_every_label_prints_once_in_order(
        live_server, agent, supervisor, healthy_printer):
    bins = bins_of(live_server, supervisor, "A", 20, 5)
    before = len(healthy_printer.printed)
    healthy_printer.run_out_of_paper_after(2)
    try:
        job = print_labels(live_server, supervisor, zone="A", bins=bins)
        wait_for(lambda: healthy_printer.status().paper_out)
        retry_rounds_pass(agent, live_server)  # several status polls go unanswered while the rest waits
        assert printed_bins(healthy_printer.printed[before:]) == bins[:2]
        assert healthy_printer.status().formats_in_buffer == 3
        assert job_status(live_server, supervisor, job["id"])["status"] == "sent"

        healthy_printer.set_faults(paper_out=False)
        wait_for(lambda: job_status(live_server, supervisor, job["id"])["status"] == "printed")
    finally:
        healthy_printer.run_out_of_paper_after(None)
    assert printed_bins(printed_up_to_a_barrier(live_server, supervisor, healthy_printer)[before:]) == bins
    history = [e["status"] for e in job_status(live_server, supervisor, job["id"])["history"]]
    assert history == ["queued", "sent", "printed"]


def test_an_open_head_holds_the_job_and_closing_it_prints_it_once(
        live_server, agent, supervisor, healthy_printer):
    healthy_printer.set_faults(head_open=True)
    before = len(healthy_printer.printed)
    job = print_labels(live_server, supervisor, zone="A", bins=["A-01-04-1"])

    waiting = wait_for(lambda: (s := job_status(live_server, supervisor, job["id"]))["status"]
                       == "waiting" and s)
    assert waiting["reason"] == "no_status_response"  # a Zebra with its head open does not answer ~HS
    retry_rounds_pass(agent, live_server)
    assert len(healthy_printer.printed) == before and healthy_printer.status().formats_in_buffer == 0

    healthy_printer.set_faults(head_open=False)
    wait_for(lambda: job_status(live_server, supervisor, job["id"])["status"] == "printed")
    assert printed_bins(printed_up_to_a_barrier(live_server, supervisor, healthy_printer)[before:]) == ["A-01-04-1"]


def test_a_printer_switched_off_is_retried_ever_less_often_and_prints_once_when_back(
        live_server, supervisor, printer_emulator):
    token = (live_server.data_dir / "token-AGENT-01.txt").read_text().strip()
    agent = PrinterAgent(live_server.url, token, retry_seconds=0.1, max_retry_seconds=0.8).start()
    port = printer_emulator.port
    try:
        assert agent.ready.wait(10)
        drain_open_jobs(live_server, supervisor)
        printer_emulator.stop()  # switched off: nothing listens on its port
        job = print_labels(live_server, supervisor, zone="A", bins=["A-01-05-1"])
        waiting = wait_for(lambda: (s := job_status(live_server, supervisor, job["id"]))["status"]
                           == "waiting" and s)
        assert waiting["reason"] == "unreachable"

        # Six tries, each after the delay the backoff chose: doubling from 0.1 s, capped at 0.8 s (a fixed
        # 0.1 s poll would show 0.1 six times). Counted, not timed: no window for a busy machine to miss.
        worker = agent.workers[live_server.demo["printer"]]

        def tries() -> list[tuple[float, float]]:
            return [(at, delay) for at, reason, delay in list(worker.backoff.history) if reason == "unreachable"]

        wait_for(lambda: len(tries()) >= 6, timeout=30)
        six = tries()[:6]
        assert [delay for _, delay in six] == [0.1, 0.2, 0.4, 0.8, 0.8, 0.8]
        gaps = [later - earlier for (earlier, _), (later, _) in zip(six, six[1:], strict=False)]
        assert all(gap >= delay for gap, (_, delay) in zip(gaps, six, strict=False)), gaps  # it waited each

        with ZebraEmulator(port=port) as replacement:  # switched on again
            wait_for(lambda: job_status(live_server, supervisor, job["id"])["status"] == "printed",
                     timeout=10)
            assert printed_bins(printed_up_to_a_barrier(live_server, supervisor, replacement)) == ["A-01-05-1"]
        assert worker.backoff.current == 0  # the next outage starts from the short delay again
    finally:
        agent.stop()
        printer_emulator.start()  # the session's printer back on its port for the other tests


# -- the agent killed (SIGKILL) at the worst moments, as a real process ------------------------


class AgentProcesses:
    """`python -m printers.agent` started and killed again and again, sharing one state dir."""

    def __init__(self, live_server, tmp_path: Path) -> None:
        self.live_server = live_server
        self.state_dir = tmp_path / "agent-state"
        self.logs = tmp_path
        self.runs = 0
        self.process: subprocess.Popen | None = None

    def start(self, pause: str | None = None) -> None:
        """Start one; with `pause` it stops at that point of its first write (see printers.agent)."""
        env = {k: v for k, v in os.environ.items() if k != TEST_PAUSE_ENV}
        if pause:
            env[TEST_PAUSE_ENV] = pause
        self.runs += 1
        self.log = self.logs / f"agent-{self.runs}.log"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "printers.agent", "--server", self.live_server.url,
                 "--token-file", str(self.live_server.data_dir / "token-AGENT-01.txt"),
                 "--state-dir", str(self.state_dir), "--retry-seconds", "0.1"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    def wait_for_log(self, pattern: str, timeout: float = 20) -> re.Match:
        return wait_for(lambda: re.search(pattern, self.log.read_text(errors="replace")), timeout)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def agents(live_server, tmp_path):
    processes = AgentProcesses(live_server, tmp_path)
    yield processes
    processes.stop()


def all_printed(live_server, http, jobs):
    return all(job_status(live_server, http, job["id"])["status"] == "printed" for job in jobs)


def test_an_agent_killed_again_and_again_during_a_stream_of_jobs_prints_every_label_once(
        live_server, agents, supervisor, healthy_printer):
    bins = bins_of(live_server, supervisor, "B", 100, 18)
    chunks = [bins[i:i + 3] for i in range(0, len(bins), 3)]
    before = len(healthy_printer.printed)
    jobs = []
    # (where the agent is killed, jobs added just before it starts): each point of a write, twice
    # over; every restart first settles what its predecessor left, then gets killed at its next write.
    plan = [("after_write", 2), ("before_write", 1), ("mid_write", 1), ("after_write", 1),
            ("mid_write", 0), ("before_write", 1), ("after_write", 0)]
    for pause, new_jobs in plan:
        jobs += [print_labels(live_server, supervisor, zone="B", bins=chunks.pop(0)) for _ in range(new_jobs)]
        agents.start(pause)
        agents.wait_for_log(f"TEST PAUSE {pause} job")
        agents.kill()

    agents.start()
    wait_for(lambda: all_printed(live_server, supervisor, jobs), timeout=30)
    printed = printed_up_to_a_barrier(live_server, supervisor, healthy_printer)[before:]
    ours = [code for code in printed_bins(printed) if code in bins]
    assert Counter(ours) == Counter(bins[:len(ours)]) and len(ours) == 3 * len(jobs)
    assert ours == bins[:3 * len(jobs)]  # once each, in order
    for job in jobs:
        history = [e["status"] for e in job_status(live_server, supervisor, job["id"])["history"]]
        assert history[-2:] == ["sent", "printed"] and "failed" not in history


def test_an_agent_killed_while_the_printer_holds_half_the_batch_sends_nothing_again(
        live_server, agents, supervisor, healthy_printer):
    bins = bins_of(live_server, supervisor, "B", 130, 4)
    before = len(healthy_printer.printed)
    healthy_printer.run_out_of_paper_after(2)
    try:
        job = print_labels(live_server, supervisor, zone="B", bins=bins)
        agents.start("after_write")  # the printer has all four; two are out, two wait for paper
        agents.wait_for_log("TEST PAUSE after_write job")
        agents.kill()
        agents.start()
        waiting = wait_for(lambda: (s := job_status(live_server, supervisor, job["id"]))["status"]
                           == "waiting" and s)
        assert waiting["reason"] == "no_status_response"
        healthy_printer.set_faults(paper_out=False)
        wait_for(lambda: job_status(live_server, supervisor, job["id"])["status"] == "printed")
    finally:
        healthy_printer.run_out_of_paper_after(None)
    assert printed_bins(printed_up_to_a_barrier(live_server, supervisor, healthy_printer)[before:]) == bins
    assert "4 of 4 label(s) of the interrupted send came out" in agents.log.read_text()


def test_an_agent_killed_after_reporting_sent_confirms_the_job_when_restarted(
        live_server, agents, supervisor, healthy_printer):
    bins = bins_of(live_server, supervisor, "B", 140, 3)
    before = len(healthy_printer.printed)
    healthy_printer.run_out_of_paper_after(1)
    try:
        job = print_labels(live_server, supervisor, zone="B", bins=bins)
        agents.start()
        wait_for(lambda: job_status(live_server, supervisor, job["id"])["status"] == "sent")
        agents.kill()  # while it waits for the held labels to come out
        agents.start()  # the server no longer offers a `sent` job: the journal brings it back
        agents.wait_for_log("connected as AGENT-01")
        healthy_printer.set_faults(paper_out=False)
        wait_for(lambda: job_status(live_server, supervisor, job["id"])["status"] == "printed")
    finally:
        healthy_printer.run_out_of_paper_after(None)
    assert printed_bins(printed_up_to_a_barrier(live_server, supervisor, healthy_printer)[before:]) == bins
