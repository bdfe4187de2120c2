"""What a packing scale says, read from one line of its serial output (docs/scanners.md, "Scales").

Two dialects:
- Mettler Toledo MT-SICS: the host sends `S` (or `SI`), the scale answers `S S     1.234 kg` (stable),
  `S D     1.230 kg` (dynamic: still moving), or an error: `S I` (busy / cannot weigh now), `S +`
  (overload), `S -` (underload), `ES`/`ET`/`EL` (command not understood).
- The continuous format many platform scales send unasked, several times a second:
  `ST,GS,+001.234kg` — ST stable / US unstable (OL overload), GS gross / NT net, signed weight, unit.

Units g, kg and lb (and oz) are turned into whole grams. Only a stable reading counts for closing a
parcel; an unstable one is shown live so the packer sees the scale is alive. Pure: no I/O here."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

GRAMS_PER = {"g": Decimal(1), "kg": Decimal(1000), "lb": Decimal("453.59237"), "oz": Decimal("28.349523125")}
PROTOCOLS = ("mt-sics", "continuous")


@dataclass(frozen=True)
class Reading:
    grams: int
    stable: bool
    raw: str
    net: bool = False  # a tared (net) weight rather than gross


@dataclass(frozen=True)
class ScaleError:
    """The scale answered but gave no weight: overload, underload, busy, a command it did not take."""
    code: str  # overload, underload, busy, command_error
    raw: str


def grams(value: str, unit: str) -> int:
    """`1.234`, `kg` -> 1234. Rounded half up to the gram."""
    factor = GRAMS_PER.get(unit.strip().lower())
    if factor is None:
        raise ValueError(f"unknown weight unit {unit!r}: expected one of {', '.join(GRAMS_PER)}")
    try:
        number = Decimal(value.strip().replace(" ", ""))
    except InvalidOperation:
        raise ValueError(f"not a weight: {value!r}") from None
    return int((number * factor).quantize(Decimal(1), rounding="ROUND_HALF_UP"))


_SICS = re.compile(r"^\s*(S|SI)\s+([SD])\s+([+-]?\s*\d+(?:\.\d*)?)\s*([A-Za-z]+)\s*$")
_SICS_ERROR = re.compile(r"^\s*(?:S|SI)\s+([I+-])\s*$")
_CONTINUOUS = re.compile(r"^\s*(ST|US|OL)\s*,\s*(GS|NT|TR)\s*,\s*([+-]?\s*\d+(?:\.\d*)?)\s*([A-Za-z]+)\s*$", re.I)


def parse_mt_sics(line: str) -> Reading | ScaleError | None:
    """One MT-SICS answer line; None when the line is no weight answer (an echo, an empty line)."""
    text = line.strip()
    if match := _SICS.match(text):
        return Reading(grams(match[3], match[4]), match[2] == "S", text)
    if match := _SICS_ERROR.match(text):
        return ScaleError({"I": "busy", "+": "overload", "-": "underload"}[match[1]], text)
    if text in ("ES", "ET", "EL"):
        return ScaleError("command_error", text)
    return None


def parse_continuous(line: str) -> Reading | ScaleError | None:
    """One line of the continuous "ST,GS,+001.234kg" output; None when it is no weight line."""
    text = line.strip()
    match = _CONTINUOUS.match(text)
    if match is None:
        return None
    state = match[1].upper()
    if state == "OL":
        return ScaleError("overload", text)
    return Reading(grams(match[3], match[4]), state == "ST", text, net=match[2].upper() == "NT")


def parse(protocol: str, line: str) -> Reading | ScaleError | None:
    if protocol == "mt-sics":
        return parse_mt_sics(line)
    if protocol == "continuous":
        return parse_continuous(line)
    raise ValueError(f"unknown scale protocol {protocol!r}: expected one of {', '.join(PROTOCOLS)}")


def allowance(expected_g: int, tolerance_g: int, tolerance_pct: float) -> int:
    """How far a parcel may weigh from what it should: grams or a share of the expected weight, the
    larger of the two (a fixed allowance covers light parcels, a share heavy ones)."""
    share = Decimal(str(tolerance_pct)) * expected_g / 100
    return max(int(tolerance_g), int(share.to_integral_value("ROUND_HALF_UP")))
