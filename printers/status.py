"""Zebra host status (`~HS`): what a printer says about paper, head, ribbon and its buffer."""

from __future__ import annotations

import re
from dataclasses import dataclass

STX, ETX = b"\x02", b"\x03"
HOST_STATUS_REQUEST = b"~HS"
ERROR_REPORT_REQUEST = b"~HQES"

# A frame is STX … ETX, normally followed by CR LF; printers differ on the trailing bytes.
_FRAME = re.compile(rb"\x02([^\x02\x03]*)\x03")

_FAULT_FIELDS = ("paper_out", "paused", "head_open", "ribbon_out", "buffer_full")

# ~HQES error flags, first nibble of the low group (Zebra ~HQ error-flag table).
_ERROR_BITS = {"paper_out": 0x1, "head_open": 0x4, "ribbon_out": 0x2}  # in `faults` order
_ERRORS_LINE = re.compile(rb"ERRORS:\s+([01])\s+[0-9A-Fa-f]{8}\s+([0-9A-Fa-f]{8})")


class StatusParseError(ValueError):
    """The bytes are not a `~HS` answer we understand."""


class PrinterNoResponse(Exception):
    """The printer did not answer a status request.

    `reason` is "no_status_response" when the printer accepted the connection but stayed
    silent (Zebra printers do not answer `~HS` while out of media or with the head open,
    so this usually means "printer in fault"), or "unreachable" when no connection could
    be made at all.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class HostStatus:
    paper_out: bool = False
    paused: bool = False
    head_open: bool = False
    ribbon_out: bool = False
    buffer_full: bool = False
    formats_in_buffer: int = 0
    labels_remaining: int = 0

    @property
    def faults(self) -> tuple[str, ...]:
        """Stable fault codes, in a fixed order, for the agent and the dashboard."""
        return tuple(name for name in _FAULT_FIELDS if getattr(self, name))

    @property
    def ready(self) -> bool:
        return not self.faults


def count_frames(raw: bytes) -> int:
    """How many complete STX…ETX frames have arrived so far (for readers that stream)."""
    return len(_FRAME.findall(raw))


def parse_host_status(raw: bytes) -> HostStatus:
    """Read the three framed strings of a `~HS` answer."""
    frames = [m.group(1).decode("ascii", "replace") for m in _FRAME.finditer(raw)]
    leftover = _FRAME.sub(b"", raw)
    if len(frames) != 3 or leftover.strip(b"\r\n \t"):
        raise StatusParseError(f"expected three STX/ETX framed strings, got {raw!r}")
    first = _fields(frames[0], 12, "string 1")
    second = _fields(frames[1], 11, "string 2")
    _fields(frames[2], 2, "string 3")
    return HostStatus(
        paper_out=_flag(first[1], "paper out"),
        paused=_flag(first[2], "pause"),
        formats_in_buffer=_number(first[4], "formats in receive buffer"),
        buffer_full=_flag(first[5], "buffer full"),
        head_open=_flag(second[2], "head up"),
        ribbon_out=_flag(second[3], "ribbon out"),
        labels_remaining=_number(second[8], "labels remaining"),
    )


def format_host_status(status: HostStatus, *, label_length_dots: int = 406) -> bytes:
    """Build the `~HS` answer a printer in `status` would send (the emulator's side)."""
    first = (
        f"030,{_bit(status.paper_out)},{_bit(status.paused)},{label_length_dots:04d},"
        f"{status.formats_in_buffer:03d},{_bit(status.buffer_full)},0,0,000,0,0,0"
    )
    # mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www: direct thermal, tear-off mode, "format while printing" on.
    second = (
        f"001,0,{_bit(status.head_open)},{_bit(status.ribbon_out)},0,0,0,0,"
        f"{status.labels_remaining:08d},1,000"
    )
    third = "1234,0"
    return b"".join(STX + s.encode("ascii") + ETX + b"\r\n" for s in (first, second, third))


def format_error_report(status: HostStatus) -> bytes:
    """Build the `~HQES` answer for `status`: an ERRORS and a WARNINGS line of flag bits.

    Unlike `~HS`, Zebra printers answer `~HQES` while in fault, which is what makes it useful.
    """
    bits = sum(bit for name, bit in _ERROR_BITS.items() if getattr(status, name))
    lines = (
        "",
        "  PRINTER STATUS",
        f"   ERRORS:         {_bit(bits > 0)} 00000000 {bits:08X}",
        "   WARNINGS:       0 00000000 00000000",
        "",
    )
    return STX + "\r\n".join(lines).encode("ascii") + ETX + b"\r\n"


def parse_error_report(raw: bytes) -> tuple[str, ...]:
    """Fault codes from a `~HQES` answer (media out, ribbon out, head open; others ignored)."""
    match = _ERRORS_LINE.search(raw)
    if match is None:
        raise StatusParseError(f"no ERRORS line in {raw!r}")
    bits = int(match.group(2), 16)
    return tuple(name for name, bit in _ERROR_BITS.items() if bits & bit)


def _bit(flag: bool) -> str:
    return "1" if flag else "0"


def _fields(frame: str, expected: int, name: str) -> list[str]:
    fields = [f.strip() for f in frame.split(",")]
    if len(fields) != expected:
        raise StatusParseError(f"{name} has {len(fields)} fields, expected {expected}: {frame!r}")
    return fields


def _flag(value: str, name: str) -> bool:
    if value not in ("0", "1"):
        raise StatusParseError(f"{name} flag is {value!r}, expected 0 or 1")
    return value == "1"


def _number(value: str, name: str) -> int:
    if not value.isdigit():
        raise StatusParseError(f"{name} is {value!r}, expected digits")
    return int(value)
