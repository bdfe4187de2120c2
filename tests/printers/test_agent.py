"""The whole printer path: supervisor asks for labels → job stored on the server → printer agent
(Socket.IO client with a device token) → Zebra emulator over TCP → job reported printed."""
from __future__ import annotations

import re
import time

import pytest

from printers.agent import PrinterAgent


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
    time.sleep(0.6)  # several retry rounds pass while the printer is out of paper
    assert len(healthy_printer.printed) == before
    assert healthy_printer.status().formats_in_buffer == 0  # nothing was sent into the fault

    healthy_printer.set_faults(paper_out=False)
    wait_for(lambda: job_status(live_server, supervisor, job["id"])["status"] == "printed")
    time.sleep(0.6)
    printed = healthy_printer.printed[before:]
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
    time.sleep(0.3)
    assert job_status(live_server, supervisor, job["id"])["status"] == "queued"
    assert len(healthy_printer.printed) == before

    token = (live_server.data_dir / "token-AGENT-01.txt").read_text().strip()
    late_agent = PrinterAgent(live_server.url, token, retry_seconds=0.2).start()
    try:
        wait_for(lambda: job_status(live_server, supervisor, job["id"])["status"] == "printed")
    finally:
        late_agent.stop()
    assert len(healthy_printer.printed) == before + 1


def test_a_reprint_is_a_new_job_and_the_original_keeps_its_history(
        live_server, agent, supervisor, healthy_printer):
    job = print_labels(live_server, supervisor, zone="B", bins=["B-01-01-1"])
    wait_for(lambda: job_status(live_server, supervisor, job["id"])["status"] == "printed")
    again = supervisor.post(f"{live_server.url}/api/v1/print-jobs/{job['id']}/reprint", timeout=5)
    assert again.status_code == 201
    reprint = again.json()["job"]
    assert reprint["id"] != job["id"] and reprint["title"].startswith("Reprint")
    wait_for(lambda: job_status(live_server, supervisor, reprint["id"])["status"] == "printed")
    assert job_status(live_server, supervisor, job["id"])["status"] == "printed"


def test_the_supervisor_page_prints_a_zone_and_lists_the_job(live_server, agent, healthy_printer):
    browser_like = live_server.session("supervisor")
    page = browser_like.post(f"{live_server.url}/sup/bins/print",
                             data={"zone": "A", "printer": live_server.demo["printer"], "dpi": "203"},
                             timeout=10)
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
