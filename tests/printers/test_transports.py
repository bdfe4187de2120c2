"""Getting labels to printers: raw TCP 9100 and a real CUPS raw queue, against the emulator."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Callable

import pytest

from printers.emulator import ZebraEmulator
from printers.labels import bin_label_zpl
from printers.status import HostStatus, PrinterNoResponse
from printers.transports import CupsTransport, TcpTransport, TransportError, make_transport

ScanLabel = Callable[..., list[str]]
LABEL = bin_label_zpl("A-03-02-1", "A", "03", "02", "1", chinese_font=None)


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tcp(printer: ZebraEmulator, timeout: float = 1.0) -> TcpTransport:
    return TcpTransport("127.0.0.1", printer.port, timeout=timeout)


# -- raw TCP 9100 ----------------------------------------------------------------------------


def test_a_ready_printer_reports_ready(printer: ZebraEmulator) -> None:
    status = tcp(printer).status()

    assert status == HostStatus()
    assert status.ready


def test_a_label_sent_over_tcp_prints_and_scans_as_the_bin_code(
    printer: ZebraEmulator, scan_label: ScanLabel
) -> None:
    tcp(printer).send(LABEL)

    (label,) = printer.wait_for_printed(1, timeout=2)
    assert label.zpl == LABEL
    assert scan_label(label.zpl) == ["A-03-02-1"]


def test_chinese_text_reaches_the_printer_as_utf8(printer: ZebraEmulator) -> None:
    zpl = bin_label_zpl("A-03-02-1", "A", "03", "02", "1")

    tcp(printer).send(zpl)

    assert "库区 A  巷道 03" in printer.wait_for_printed(1, timeout=2)[0].zpl


def test_a_paused_printer_reports_paused_and_its_waiting_label(printer: ZebraEmulator) -> None:
    printer.set_faults(paused=True)
    tcp(printer).send(LABEL)

    status = tcp(printer).status()

    assert status.faults == ("paused",)
    assert status.formats_in_buffer == 1


def test_a_printer_out_of_paper_is_reported_as_not_answering(printer: ZebraEmulator) -> None:
    printer.set_faults(paper_out=True)

    started = time.monotonic()
    with pytest.raises(PrinterNoResponse) as silent:
        tcp(printer, timeout=0.3).status()

    assert silent.value.reason == "no_status_response"
    assert time.monotonic() - started < 1.0


def test_a_label_sent_while_out_of_paper_prints_once_paper_is_loaded(
    printer: ZebraEmulator,
) -> None:
    printer.set_faults(paper_out=True)
    tcp(printer).send(LABEL)
    assert printer.printed == []

    printer.set_faults(paper_out=False)

    assert len(printer.wait_for_printed(1, timeout=2)) == 1
    assert tcp(printer).status().ready


def test_a_printer_nobody_listens_for_is_unreachable() -> None:
    transport = TcpTransport("127.0.0.1", closed_port(), timeout=0.5)

    with pytest.raises(PrinterNoResponse) as status_error:
        transport.status()
    with pytest.raises(TransportError) as send_error:
        transport.send(LABEL)

    assert status_error.value.reason == "unreachable"
    assert send_error.value.reason == "unreachable"


def test_a_connection_cut_mid_job_is_an_error_and_nothing_prints(printer: ZebraEmulator) -> None:
    printer.drop_next_connection()

    with pytest.raises(TransportError) as cut:
        tcp(printer).send(LABEL)

    assert cut.value.reason == "connection_lost"
    assert printer.printed == []
    tcp(printer).send(LABEL)
    assert len(printer.wait_for_printed(1, timeout=2)) == 1


def test_a_printer_that_hangs_up_without_answering_is_not_answering() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()

        def hang_up() -> None:
            connection, _ = listener.accept()
            connection.recv(16)
            connection.close()

        threading.Thread(target=hang_up, daemon=True).start()
        transport = TcpTransport("127.0.0.1", listener.getsockname()[1], timeout=2)
        with pytest.raises(PrinterNoResponse) as silent:
            transport.status()

    assert silent.value.reason == "no_status_response"


def test_status_polls_and_jobs_to_one_printer_never_overlap(printer: ZebraEmulator) -> None:
    # Two transports for the same printer, as the agent's poller and its job worker might hold.
    poller, worker = tcp(printer), tcp(printer)
    errors: list[Exception] = []

    def run(action: Callable[[], object]) -> None:
        try:
            for _ in range(5):
                action()
        except Exception as error:  # collected so the assertion below shows it
            errors.append(error)

    threads = [threading.Thread(target=run, args=(poller.status,)) for _ in range(3)]
    threads += [threading.Thread(target=run, args=(lambda: worker.send(LABEL),)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(printer.wait_for_printed(15, timeout=2)) == 15
    assert printer.peak_connections == 1


# -- make_transport ---------------------------------------------------------------------------


def test_printer_config_builds_the_matching_transport() -> None:
    tcp_transport = make_transport({"transport": "tcp9100", "host": "10.0.0.7", "port": 9101})
    default_port = make_transport({"transport": "tcp9100", "host": "10.0.0.7"})
    cups = make_transport({"transport": "cups", "queue": "zebra_raw", "timeout": 5})

    assert isinstance(tcp_transport, TcpTransport)
    assert (tcp_transport.host, tcp_transport.port) == ("10.0.0.7", 9101)
    assert isinstance(default_port, TcpTransport) and default_port.port == 9100
    assert isinstance(cups, CupsTransport)
    assert (cups.queue, cups.timeout) == ("zebra_raw", 5.0)


@pytest.mark.parametrize(
    "spec",
    [{"transport": "usb"}, {}, {"transport": "tcp9100"}, {"transport": "cups"}],
    ids=["unknown", "none", "tcp-without-host", "cups-without-queue"],
)
def test_printer_config_that_names_no_usable_transport_is_refused(spec: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        make_transport(spec)


def test_the_odometer_counts_the_labels_a_printer_has_printed(printer: ZebraEmulator) -> None:
    transport = tcp(printer)
    assert transport.odometer() == 0

    transport.send(LABEL * 3)
    printer.wait_for_printed(3, timeout=2)

    assert transport.odometer() == 3


def test_the_odometer_leaves_out_labels_still_held_in_the_buffer(printer: ZebraEmulator) -> None:
    transport = tcp(printer)
    printer.run_out_of_paper_after(1)
    transport.send(LABEL * 3)

    assert transport.odometer() == 1  # answered in fault, where ~HS stays silent
    printer.set_faults(paper_out=False)
    assert transport.odometer() == 3


def test_send_says_when_the_printer_has_taken_the_job(printer: ZebraEmulator) -> None:
    taken: list[int] = []

    tcp(printer).send(LABEL, handed_over=lambda: taken.append(len(printer.printed)))

    assert taken == [1]


def test_a_printer_that_does_not_answer_the_odometer_gives_none_quickly() -> None:
    with socket.socket() as listener:  # takes the request, never answers: no Link-OS
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        silent = TcpTransport("127.0.0.1", listener.getsockname()[1], timeout=3)
        started = time.monotonic()
        assert silent.odometer() is None
        assert time.monotonic() - started < 2, "a missing odometer must not cost the full timeout"


def test_a_printer_that_answers_the_odometer_with_a_question_mark_gives_none() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()

        def unknown_variable() -> None:
            connection, _ = listener.accept()
            connection.recv(64)
            connection.sendall(b'"?"')
            connection.close()

        threading.Thread(target=unknown_variable, daemon=True).start()
        assert TcpTransport("127.0.0.1", listener.getsockname()[1], timeout=2).odometer() is None


def test_an_unreachable_printer_has_no_odometer() -> None:
    assert TcpTransport("127.0.0.1", closed_port(), timeout=0.5).odometer() is None


# -- a real CUPS raw queue --------------------------------------------------------------------


@pytest.mark.cups
def test_a_label_printed_through_a_cups_raw_queue_reaches_the_printer_and_scans(
    printer: ZebraEmulator, raw_queue: str, scan_label: ScanLabel
) -> None:
    handed_over: list[bool] = []
    CupsTransport(raw_queue, timeout=10).send(LABEL, handed_over=lambda: handed_over.append(True))

    (label,) = printer.wait_for_printed(1, timeout=5)
    assert label.zpl == LABEL and handed_over == [True]
    assert scan_label(label.zpl) == ["A-03-02-1"]


@pytest.mark.cups
def test_a_cups_raw_queue_passes_chinese_text_through_untouched(
    printer: ZebraEmulator, raw_queue: str
) -> None:
    zpl = bin_label_zpl("B-12-07-4", "B", "12", "07", "4")

    CupsTransport(raw_queue, timeout=10).send(zpl)

    assert printer.wait_for_printed(1, timeout=5)[0].zpl == zpl


@pytest.mark.cups
def test_a_cups_queue_reports_ready_while_enabled(raw_queue: str) -> None:
    assert CupsTransport(raw_queue).status().ready


@pytest.mark.cups
def test_a_missing_cups_queue_is_an_error_not_a_silent_success(cups_scheduler: None) -> None:
    transport = CupsTransport("wms_test_no_such_queue")

    with pytest.raises(TransportError) as missing:
        transport.send(LABEL)
    with pytest.raises(PrinterNoResponse) as status_error:
        transport.status()

    assert missing.value.reason == "queue_missing"
    assert status_error.value.reason == "unreachable"


@pytest.mark.cups
def test_a_disabled_cups_queue_is_refused_and_reported_paused(printer: ZebraEmulator, raw_queue: str) -> None:
    subprocess.run(["cupsdisable", raw_queue], check=True)
    transport = CupsTransport(raw_queue)

    with pytest.raises(TransportError) as disabled:
        transport.send(LABEL)

    assert disabled.value.reason == "queue_disabled"
    assert transport.status().faults == ("paused",)
    assert printer.printed == []


@pytest.mark.cups
def test_a_cups_job_that_cannot_reach_its_printer_times_out_and_is_withdrawn(
    make_raw_queue: Callable[[int], str],
) -> None:
    transport = CupsTransport(make_raw_queue(closed_port()), timeout=1.0)

    with pytest.raises(TransportError) as stuck:
        transport.send(LABEL)

    assert stuck.value.reason == "cups_timeout"
    assert transport.status().formats_in_buffer == 0, "withdrawn, so a retry cannot print it twice"


@pytest.mark.cups
def test_through_cups_a_label_sent_while_out_of_paper_prints_once_paper_is_loaded(
    printer: ZebraEmulator, raw_queue: str
) -> None:
    printer.set_faults(paper_out=True)
    transport = CupsTransport(raw_queue, timeout=10)

    transport.send(LABEL)

    # CUPS only sees that the device took the bytes; the label waits in the printer's buffer.
    assert transport.status().ready
    assert printer.printed == [] and printer.status().formats_in_buffer == 1
    assert transport.odometer() is None  # CUPS cannot read the printer's counter
    printer.set_faults(paper_out=False)
    assert [label.zpl for label in printer.wait_for_printed(1, timeout=2)] == [LABEL]
