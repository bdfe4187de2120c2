"""The emulated Zebra behaves like the real one where the agent can tell the difference."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from printers.emulator import ZebraEmulator
from printers.status import count_frames, parse_error_report, parse_host_status

LABEL = "^XA^FO50,50^A0N,40,40^FDA-03-02-1^FS^XZ"
REPO = Path(__file__).resolve().parents[2]


def connect(printer: ZebraEmulator) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", printer.port), timeout=2)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def send(printer: ZebraEmulator, data: bytes) -> None:
    with connect(printer) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        while sock.recv(1024):  # the printer closes once it has read everything
            pass


def read_segments(sock: socket.socket, frames: int = 3) -> list[bytes]:
    segments: list[bytes] = []
    while count_frames(b"".join(segments)) < frames:
        segment = sock.recv(4096)
        assert segment, "printer hung up before answering"
        segments.append(segment)
    return segments


def test_a_label_sent_over_tcp_lands_in_printed(printer: ZebraEmulator) -> None:
    send(printer, LABEL.encode())

    (label,) = printer.wait_for_printed(1, timeout=2)
    assert label.zpl == LABEL
    assert label.seq == 1
    assert abs(label.received_at - time.time()) < 5


def test_several_labels_in_one_connection_print_in_order(printer: ZebraEmulator) -> None:
    labels = [LABEL.replace("A-03-02-1", f"A-03-02-{n}") for n in range(1, 4)]

    send(printer, "\r\n".join(labels).encode())

    printed = printer.wait_for_printed(3, timeout=2)
    assert [label.zpl for label in printed] == labels
    assert [label.seq for label in printed] == [1, 2, 3]


def test_a_label_and_a_status_request_trickling_in_byte_by_byte_are_understood(
    printer: ZebraEmulator,
) -> None:
    with connect(printer) as sock:
        for byte in (LABEL + "~HS").encode():
            sock.send(bytes([byte]))
        answer = b"".join(read_segments(sock))

    assert parse_host_status(answer).ready
    assert [label.zpl for label in printer.wait_for_printed(1, timeout=2)] == [LABEL]


def test_host_status_comes_back_as_three_separate_segments() -> None:
    # A wide gap between the writes keeps this deterministic on a loaded CI machine.
    with ZebraEmulator(segment_delay=0.05) as printer, connect(printer) as sock:
        sock.sendall(b"~HS")
        segments = read_segments(sock)

    assert len(segments) == 3
    assert all(s.startswith(b"\x02") and s.endswith(b"\x03\r\n") for s in segments)
    assert parse_host_status(b"".join(segments)).ready


@pytest.mark.parametrize("fault", ["paper_out", "head_open"])
def test_a_printer_out_of_paper_or_with_its_head_open_stays_silent_on_host_status(
    printer: ZebraEmulator, fault: str
) -> None:
    printer.set_faults(**{fault: True})

    with connect(printer) as sock:
        sock.sendall(b"~HS")
        sock.settimeout(0.3)
        with pytest.raises(TimeoutError):
            sock.recv(1024)


def test_a_printer_in_fault_can_be_told_to_answer_anyway() -> None:
    with ZebraEmulator(answer_status_in_fault=True) as printer:
        printer.set_faults(paper_out=True, head_open=True)
        with connect(printer) as sock:
            sock.sendall(b"~HS")
            status = parse_host_status(b"".join(read_segments(sock)))

    assert status.faults == ("paper_out", "head_open")


def test_the_error_report_answers_even_while_out_of_paper(printer: ZebraEmulator) -> None:
    printer.set_faults(paper_out=True)

    with connect(printer) as sock:
        sock.sendall(b"~HQES")
        answer = b"".join(read_segments(sock, frames=1))

    assert parse_error_report(answer) == ("paper_out",)


def test_a_paused_printer_answers_with_the_pause_flag(printer: ZebraEmulator) -> None:
    printer.set_faults(paused=True)
    send(printer, LABEL.encode())

    with connect(printer) as sock:
        sock.sendall(b"~HS")
        status = parse_host_status(b"".join(read_segments(sock)))

    assert status.faults == ("paused",)
    assert status.formats_in_buffer == 1


@pytest.mark.parametrize("fault", ["paper_out", "head_open", "paused"])
def test_a_label_sent_while_in_fault_prints_once_the_fault_is_cleared(
    printer: ZebraEmulator, fault: str
) -> None:
    printer.set_faults(**{fault: True})
    send(printer, LABEL.encode())

    assert printer.printed == []
    assert printer.status().formats_in_buffer == 1

    printer.set_faults(**{fault: False})

    assert [label.zpl for label in printer.wait_for_printed(1, timeout=2)] == [LABEL]
    assert printer.status().formats_in_buffer == 0


def test_a_label_sent_while_out_of_paper_prints_once_paper_is_loaded(
    printer: ZebraEmulator,
) -> None:
    printer.set_faults(paper_out=True)
    send(printer, LABEL.encode())
    printer.set_faults(paper_out=False)
    printer.wait_for_printed(1, timeout=2)

    # Another fault and recovery must not print the same label again.
    printer.set_faults(paper_out=True, head_open=True)
    printer.set_faults(paper_out=False)
    assert len(printer.printed) == 1, "still held: the head is open"
    printer.set_faults(head_open=False)

    assert len(printer.printed) == 1


def test_held_labels_print_in_the_order_they_arrived(printer: ZebraEmulator) -> None:
    printer.set_faults(head_open=True)
    labels = [LABEL.replace("A-03-02-1", code) for code in ("B-01-01-1", "B-01-01-2")]
    for label in labels:
        send(printer, label.encode())
    printer.set_faults(head_open=False)

    assert [label.zpl for label in printer.wait_for_printed(2, timeout=2)] == labels


def odometer(printer: ZebraEmulator, variable: str = "odometer.total_label_count") -> bytes:
    with connect(printer) as sock:
        sock.sendall(f'! U1 getvar "{variable}"\r\n'.encode())
        sock.settimeout(1)
        answer = b""
        while answer.count(b'"') < 2:
            chunk = sock.recv(64)
            assert chunk, f"printer hung up after {answer!r}"
            answer += chunk
        return answer


def test_the_odometer_answers_the_sgd_getvar_with_the_labels_printed_so_far(printer: ZebraEmulator) -> None:
    assert odometer(printer) == b'"0"'
    send(printer, LABEL.encode() * 2)
    printer.wait_for_printed(2, timeout=2)

    assert odometer(printer) == b'"2"'
    assert odometer(printer, "device.unknown_setting") == b'"?"'


def test_a_held_label_counts_on_the_odometer_only_once_printed(printer: ZebraEmulator) -> None:
    printer.set_faults(paper_out=True)
    send(printer, LABEL.encode())
    assert printer.status().formats_in_buffer == 1
    assert odometer(printer) == b'"0"'  # Link-OS answers SGD in fault, unlike ~HS

    printer.set_faults(paper_out=False)
    assert odometer(printer) == b'"1"'


def test_the_odometer_survives_clear_and_starts_where_the_printer_was_left() -> None:
    with ZebraEmulator(odometer=41) as printer:
        send(printer, LABEL.encode())
        printer.wait_for_printed(1, timeout=2)
        printer.clear()
        assert printer.odometer == 42


def test_an_sgd_command_trickling_in_byte_by_byte_is_understood(printer: ZebraEmulator) -> None:
    with connect(printer) as sock:
        for byte in b'! U1 getvar "odometer.total_label_count"\r\n':
            sock.sendall(bytes([byte]))
        sock.settimeout(1)
        assert sock.recv(64) == b'"0"'


def test_a_short_roll_runs_out_mid_batch_and_holds_the_rest_in_order(printer: ZebraEmulator) -> None:
    labels = [LABEL.replace("A-03-02-1", f"A-03-02-{n}") for n in range(1, 6)]
    printer.run_out_of_paper_after(2)

    send(printer, "".join(labels).encode())

    status = printer.status()
    assert status.paper_out and status.formats_in_buffer == 3
    assert [label.zpl for label in printer.printed] == labels[:2] and printer.odometer == 2
    printer.set_faults(paper_out=False)
    assert [label.zpl for label in printer.printed] == labels and printer.odometer == 5


def test_waiting_for_labels_that_never_come_times_out(printer: ZebraEmulator) -> None:
    with pytest.raises(TimeoutError, match="0 of 1"):
        printer.wait_for_printed(1, timeout=0.1)


def test_clear_gives_back_a_fresh_printer(printer: ZebraEmulator) -> None:
    send(printer, LABEL.encode())
    printer.wait_for_printed(1, timeout=2)
    printer.set_faults(paper_out=True)
    send(printer, LABEL.encode())

    printer.clear()

    assert printer.printed == []
    assert printer.status().ready and printer.status().formats_in_buffer == 0


def test_printed_labels_are_written_to_the_spool_dir(tmp_path: Path) -> None:
    spool = tmp_path / "printed"
    with ZebraEmulator(spool_dir=str(spool)) as printer:
        send(printer, (LABEL + "^XA^FD中文 label^FS^XZ").encode())
        printer.wait_for_printed(2, timeout=2)

    assert sorted(p.name for p in spool.iterdir()) == ["000001.zpl", "000002.zpl"]
    assert (spool / "000001.zpl").read_text(encoding="utf-8") == LABEL
    assert "中文 label" in (spool / "000002.zpl").read_text(encoding="utf-8")


def test_a_restarted_printer_does_not_overwrite_earlier_spooled_labels(tmp_path: Path) -> None:
    for _ in range(2):
        with ZebraEmulator(spool_dir=str(tmp_path)) as printer:
            send(printer, LABEL.encode())
            printer.wait_for_printed(1, timeout=2)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["000001.zpl", "000002.zpl"]
    assert ZebraEmulator(spool_dir=str(tmp_path)).odometer == 2  # like NVRAM, it outlives a restart


def test_a_port_already_taken_fails_at_start(printer: ZebraEmulator) -> None:
    with pytest.raises(OSError):
        ZebraEmulator(port=printer.port).start()


def test_an_unsupported_resolution_is_refused() -> None:
    with pytest.raises(ValueError):
        ZebraEmulator(dpi=600)


# -- the emulator as a program, driven through its HTTP control API ---------------------------


@pytest.fixture
def printer_program(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int, int, Path]]:
    spool = tmp_path / "printed"
    program = subprocess.Popen(
        [sys.executable, "-m", "printers.emulator", "--port", "0", "--control-port", "0"]
        + ["--spool-dir", str(spool)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert program.stdout is not None
    line = program.stdout.readline()
    match = re.fullmatch(
        r"printer emulator listening on 127\.0\.0\.1:(\d+) \(control http://127\.0\.0\.1:(\d+)\)\n",
        line,
    )
    assert match, f"unexpected start line {line!r}"
    yield program, int(match.group(1)), int(match.group(2)), spool
    if program.poll() is None:
        program.kill()
        program.wait()


def http(port: int, path: str, body: dict[str, object] | None = None) -> Any:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=None if body is None else json.dumps(body).encode(),
        method="GET" if body is None else "POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=2) as response:
        return json.load(response)


def test_the_emulator_program_is_driven_over_its_control_api(
    printer_program: tuple[subprocess.Popen[str], int, int, Path],
) -> None:
    program, port, control, spool = printer_program

    assert http(control, "/faults", {"paper_out": True}) == {
        "paper_out": True,
        "head_open": False,
        "paused": False,
        "printed": 0,
        "formats_in_buffer": 0,
        "odometer": 0,
        "paper_out_after": None,
    }
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(LABEL.encode())
    deadline = time.monotonic() + 2
    while http(control, "/status")["formats_in_buffer"] != 1:
        assert time.monotonic() < deadline, "label never reached the buffer"
        time.sleep(0.01)
    assert http(control, "/labels") == []

    after = http(control, "/faults", {"paper_out": False})

    assert after == {
        "paper_out": False,
        "head_open": False,
        "paused": False,
        "printed": 1,
        "formats_in_buffer": 0,
        "odometer": 1,
        "paper_out_after": None,
    }
    (label,) = http(control, "/labels")
    assert label["seq"] == 1 and label["zpl"] == LABEL and label["received_at"] > 0
    assert (spool / "000001.zpl").read_text(encoding="utf-8") == LABEL


def test_the_control_api_rejects_what_it_does_not_understand(
    printer_program: tuple[subprocess.Popen[str], int, int, Path],
) -> None:
    _, _, control, _ = printer_program

    for path, body in [("/faults", {"on_fire": True}), ("/faults", {"paper_out": "yes"}),
                       ("/faults", {"paper_out_after": -1}), ("/faults", {"paper_out_after": True})]:
        with pytest.raises(urllib.error.HTTPError) as rejected:
            http(control, path, body)
        assert rejected.value.code == 400
    with pytest.raises(urllib.error.HTTPError) as missing:
        http(control, "/nowhere")
    assert missing.value.code == 404


def test_a_short_roll_set_over_the_control_api_runs_out_mid_batch(
    printer_program: tuple[subprocess.Popen[str], int, int, Path],
) -> None:
    _, port, control, _ = printer_program
    assert http(control, "/faults", {"paper_out_after": 2})["paper_out_after"] == 2

    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(LABEL.encode() * 3)
    deadline = time.monotonic() + 2
    while http(control, "/status")["formats_in_buffer"] != 1:
        assert time.monotonic() < deadline, "the third label never reached the buffer"
        time.sleep(0.01)

    state = http(control, "/status")
    assert (state["paper_out"], state["printed"], state["odometer"], state["paper_out_after"]) == (True, 2, 2, None)
    assert http(control, "/faults", {"paper_out": False})["odometer"] == 3


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_emulator_program_exits_cleanly_when_stopped(
    printer_program: tuple[subprocess.Popen[str], int, int, Path], signum: int
) -> None:
    program, port, _, _ = printer_program

    program.send_signal(signum)

    assert program.wait(timeout=5) == 0
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1)
