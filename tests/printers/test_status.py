"""Reading a Zebra's `~HS` and `~HQES` answers into faults the agent can act on."""

from __future__ import annotations

import pytest

from printers.status import (
    HostStatus,
    PrinterNoResponse,
    StatusParseError,
    format_error_report,
    format_host_status,
    parse_error_report,
    parse_host_status,
)


def host_status_answer(first: str, second: str, third: str = "1234,0") -> bytes:
    """Three <STX>…<ETX><CR><LF> strings, as a printer sends them."""
    return b"".join(b"\x02" + s.encode() + b"\x03\r\n" for s in (first, second, third))


# Field layouts from the ZPL guide's ~HS example: 203 dpi, 1245-dot label, thermal transfer.
READY = host_status_answer("030,0,0,1245,000,0,0,0,000,0,0,0", "001,0,0,0,1,2,4,0,00000000,1,000")


def test_a_printer_with_paper_and_an_empty_buffer_is_ready() -> None:
    status = parse_host_status(READY)

    assert status == HostStatus()
    assert status.ready and status.faults == ()


def test_paper_out_is_a_fault() -> None:
    raw = host_status_answer("030,1,0,1245,000,0,0,0,000,0,0,0", "001,0,0,0,1,2,4,0,00000000,1,000")

    status = parse_host_status(raw)

    assert status.paper_out and not status.ready
    assert status.faults == ("paper_out",)


def test_an_open_printhead_is_a_fault() -> None:
    raw = host_status_answer("030,0,0,1245,000,0,0,0,000,0,0,0", "001,0,1,0,1,2,4,0,00000000,1,000")

    assert parse_host_status(raw).faults == ("head_open",)


def test_a_paused_printer_is_not_ready() -> None:
    raw = host_status_answer("030,0,1,1245,000,0,0,0,000,0,0,0", "001,0,0,0,1,2,4,0,00000000,1,000")

    status = parse_host_status(raw)

    assert status.paused and status.faults == ("paused",)


def test_labels_waiting_in_the_buffer_are_counted() -> None:
    raw = host_status_answer("030,0,1,1245,003,0,0,0,000,0,0,0", "001,0,0,0,1,2,4,0,00000002,1,000")

    status = parse_host_status(raw)

    assert status.formats_in_buffer == 3
    assert status.labels_remaining == 2


def test_every_fault_is_reported_in_a_stable_order() -> None:
    raw = host_status_answer("030,1,1,1245,000,1,0,0,000,0,0,0", "001,0,1,1,1,2,4,0,00000000,1,000")

    assert parse_host_status(raw).faults == (
        "paper_out",
        "paused",
        "head_open",
        "ribbon_out",
        "buffer_full",
    )


def test_frames_without_cr_lf_or_with_extra_line_breaks_still_parse() -> None:
    bare = READY.replace(b"\r\n", b"")
    padded = b"\r\n" + READY.replace(b"\r\n", b"\r\n\r\n")

    assert parse_host_status(bare) == parse_host_status(padded) == HostStatus()


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        READY[: READY.rindex(b"\x02")],  # only two frames
        READY + b"\x021234,0\x03\r\n",  # four frames
        READY.replace(b"030,0,0,1245", b"030,0,1245"),  # string 1 short of a field
        READY.replace(b"00000000,1,000", b"00000000,1"),  # string 2 short of a field
        READY.replace(b"030,0,0", b"030,x,0"),  # a flag that is not 0/1
        READY.replace(b"030,0,0", b"030,2,0"),
        READY.replace(b"1245,000", b"1245,0a0"),  # a count that is not a number
        b"garbage" + READY,
        READY.replace(b"\x03", b""),  # frames never closed
    ],
    ids=[
        "empty",
        "two-frames",
        "four-frames",
        "short-string-1",
        "short-string-2",
        "letter-flag",
        "flag-2",
        "bad-count",
        "leading-garbage",
        "no-etx",
    ],
)
def test_an_answer_that_is_not_host_status_is_rejected(raw: bytes) -> None:
    with pytest.raises(StatusParseError):
        parse_host_status(raw)


def test_a_parse_error_is_a_value_error() -> None:
    assert issubclass(StatusParseError, ValueError)


@pytest.mark.parametrize(
    "status",
    [
        HostStatus(),
        HostStatus(paper_out=True),
        HostStatus(head_open=True, formats_in_buffer=2, labels_remaining=2),
        HostStatus(paused=True, ribbon_out=True, buffer_full=True, formats_in_buffer=999),
        HostStatus(labels_remaining=12345678),
    ],
)
def test_the_emulators_answer_reads_back_as_the_same_status(status: HostStatus) -> None:
    raw = format_host_status(status)

    assert raw.count(b"\x02") == raw.count(b"\x03\r\n") == 3
    assert parse_host_status(raw) == status


def test_the_answer_carries_the_label_length_of_the_stock() -> None:
    assert b",0609," in format_host_status(HostStatus(), label_length_dots=609)


def test_the_error_report_names_media_out_ribbon_out_and_head_open() -> None:
    # ~HQES "ERRORS" flags group: 1 media out, 2 ribbon out, 4 head open.
    raw = (
        b"\x02\r\n  PRINTER STATUS\r\n"
        b"   ERRORS:         1 00000000 00000005\r\n"
        b"   WARNINGS:       0 00000000 00000000\r\n\x03\r\n"
    )

    assert parse_error_report(raw) == ("paper_out", "head_open")


@pytest.mark.parametrize(
    "status",
    [HostStatus(), HostStatus(paper_out=True), HostStatus(head_open=True, ribbon_out=True)],
)
def test_the_emulators_error_report_reads_back_as_the_same_faults(status: HostStatus) -> None:
    expected = tuple(f for f in status.faults if f in ("paper_out", "ribbon_out", "head_open"))

    assert parse_error_report(format_error_report(status)) == expected


def test_an_error_report_without_an_errors_line_is_rejected() -> None:
    with pytest.raises(StatusParseError):
        parse_error_report(READY)


def test_no_response_says_why() -> None:
    silent = PrinterNoResponse("no_status_response", "timed out")

    assert silent.reason == "no_status_response"
    assert "timed out" in str(silent)
    assert PrinterNoResponse("unreachable").reason == "unreachable"
