"""The one place where a scanned text is decoded: bin, item (GTIN / GS1 / internal), badge, tote, LPN."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date

import biip
from biip.gs1_messages import GS1Message

from server.domain.errors import WmsError, Words

# AIM symbology identifiers whose data is a GS1 element string (GS1-128, GS1 DataMatrix, GS1 QR,
# GS1 DataBar, GS1 DotCode).
GS1_SYMBOLOGIES = {"]C1", "]d2", "]Q3", "]e0", "]J1"}
GS = "\x1d"
_SWALLOWED_EXPIRY = re.compile(r"17\d\d(0[1-9]|1[0-2])([0-2]\d|3[01])$")
# biip names the AI at fault as "GS1 AI (17)": the Chinese message names it too.
_AI_IN_ERROR = re.compile(r"\bAI \((\d{2,4})\)")


@dataclass(frozen=True)
class DecoderRules:
    bin_pattern: str = r"^[A-Z]{1,2}-?\d{2}-\d{2}-\d$"
    badge_prefix: str = "BDG-"
    tote_prefix: str = "TOTE-"
    lpn_prefix: str = "LPN-"
    po_prefix: str = "PO-"
    gs_substitutes: tuple[str, ...] = ()
    max_length: int = 200

    @classmethod
    def from_settings(cls, scan: dict) -> DecoderRules:
        return cls(
            bin_pattern=scan.get("bin_pattern", cls.bin_pattern),
            badge_prefix=scan.get("badge_prefix", cls.badge_prefix),
            tote_prefix=scan.get("tote_prefix", cls.tote_prefix),
            lpn_prefix=scan.get("lpn_prefix", cls.lpn_prefix),
            po_prefix=scan.get("po_prefix", cls.po_prefix),
            gs_substitutes=tuple(scan.get("gs_substitutes", ())),
            max_length=int(scan.get("max_length", cls.max_length)),
        )


@dataclass(frozen=True)
class Decoded:
    """What a scanned text is. `key` is what the catalogue is searched by for this kind."""

    kind: str  # bin | gtin | gs1 | sscc | badge | tote | lpn | po | internal
    text: str
    key: str
    symbology: str | None = None
    gtin: str | None = None
    sscc: str | None = None
    lot: str | None = None
    expiry: date | None = None  # AI 17 (use by), else AI 15 (best before)
    serial: str | None = None
    warnings: tuple[str, ...] = field(default=())
    production: date | None = None  # AI 11: with the item's shelf life it gives the expiry

    @property
    def names_an_item(self) -> bool:
        return self.kind in ("gtin", "gs1", "internal")

    def gs1_fields(self) -> dict | None:
        if self.kind not in ("gs1", "sscc"):
            return None
        return {
            "gtin": self.gtin,
            "sscc": self.sscc,
            "lot": self.lot,
            "expiry": self.expiry.isoformat() if self.expiry else None,
            "serial": self.serial,
        }


def gtin_key(gtin: str) -> str:
    """GTIN-8/12/13/14 all name one trade item: compare them as GTIN-14."""
    return gtin.zfill(14)


def item_code_key(code: str) -> str:
    """The key an item barcode is stored under, so a scan of any form of it finds the item."""
    text = code.strip()
    if text.isdigit() and len(text) in (8, 12, 13, 14):
        return gtin_key(text)
    return text.upper()


def decode(raw: str, rules: DecoderRules = DecoderRules()) -> Decoded:
    """Say what a scanned text is, or raise WmsError with the reason a person can act on."""
    return _decode(raw, rules)


# A floor scans the same few thousand bins and item barcodes all day: a code once decoded is not
# parsed again (biip's GTIN check was 3 % of the scan thread's time). Decoded is frozen; refusals are
# not cached (an exception is raised afresh each time).
@functools.lru_cache(maxsize=8192)
def _decode(raw: str, rules: DecoderRules) -> Decoded:
    text = raw.strip(" \r\n\t")
    for substitute in rules.gs_substitutes:
        text = text.replace(substitute, GS)
    if not text:
        raise WmsError("empty_code")
    if len(text) > rules.max_length:
        raise WmsError("code_too_long", length=len(text))

    symbology = None
    body = text
    if text.startswith("]") and len(text) > 3:
        symbology, body = text[:3], text[3:]

    if symbology in GS1_SYMBOLOGIES or body.startswith("(") or GS in body:
        return _gs1(text, body, symbology)
    if body.isdigit():
        return _numeric(text, body, symbology)
    if body.lower().startswith(("http://", "https://")):
        return _digital_link(text, body)

    upper = body.upper()
    if re.match(rules.bin_pattern, upper):
        return Decoded("bin", text, upper, symbology)
    for kind, prefix in (("badge", rules.badge_prefix), ("tote", rules.tote_prefix),
                         ("lpn", rules.lpn_prefix), ("po", rules.po_prefix)):
        if prefix and upper.startswith(prefix.upper()):
            return Decoded(kind, text, upper, symbology)
    return Decoded("internal", text, upper, symbology)


def _numeric(text: str, digits: str, symbology: str | None) -> Decoded:
    if len(digits) in (8, 12, 13, 14):
        result = biip.parse(digits)
        if result.gtin is None:
            raise WmsError("bad_check_digit", code=digits)
        return Decoded("gtin", text, gtin_key(result.gtin.value), symbology, gtin=result.gtin.value)
    if len(digits) == 18:
        result = biip.parse(digits)
        if result.sscc is None:
            raise WmsError("bad_check_digit", code=digits)
        return Decoded("sscc", text, result.sscc.value, symbology, sscc=result.sscc.value)
    if len(digits) > 14 and digits[:2] in ("00", "01", "02"):
        # A keyboard wedge dropped the ]C1 prefix of a GS1-128 label: still an element string.
        return _gs1(text, digits, symbology)
    return Decoded("internal", text, digits, symbology)


def _gs1(text: str, body: str, symbology: str | None) -> Decoded:
    try:
        if body.startswith("("):
            message = GS1Message.parse_hri(body)
        else:
            message = GS1Message.parse(body, config=biip.ParseConfig(separator_chars=(GS,)))
    except (biip.ParseError, ValueError) as exc:  # biip's own words, in English: the AI at fault is kept
        said = str(exc).rstrip(".")
        ai = _AI_IN_ERROR.search(said)
        raise WmsError("malformed_gs1", detail=Words(said, f"AI（{ai.group(1)}）的数据不符合 GS1 格式" if ai
                                                     else "条码数据不符合 GS1 应用标识符（AI）的格式")) from None
    return _from_message(text, message, symbology)


def _digital_link(text: str, url: str) -> Decoded:
    result = biip.parse(url)
    if result.gs1_digital_link_uri is None:
        raise WmsError("malformed_gs1", detail=Words(result.gs1_digital_link_uri_error or url,
                                                     "无法解析该 GS1 数字链接（Digital Link）网址"))
    return _from_message(text, result.gs1_digital_link_uri.as_gs1_message(), None)


def _from_message(text: str, message: GS1Message, symbology: str | None) -> Decoded:
    def element(ai: str):
        return message.element_strings.get(ai=ai)

    gtin_el, sscc_el = element("01") or element("02"), element("00")
    lot_el, expiry_el, serial_el = element("10"), element("17") or element("15"), element("21")
    production_el = element("11")
    warnings = []
    if lot_el is not None and _SWALLOWED_EXPIRY.search(lot_el.value):
        # Wedge scanners often drop the GS after a variable-length lot: (17) then hides in it.
        warnings.append("gs_separator_missing")
    common = dict(
        symbology=symbology,
        lot=lot_el.value if lot_el else None,
        expiry=expiry_el.date if expiry_el else None,
        serial=serial_el.value if serial_el else None,
        warnings=tuple(warnings),
        production=production_el.date if production_el else None,
    )
    if gtin_el is not None:
        if gtin_el.gtin is None:
            raise WmsError("bad_check_digit", code=gtin_el.value)
        gtin = gtin_el.gtin.value
        return Decoded("gs1", text, gtin_key(gtin), gtin=gtin, **common)
    if sscc_el is not None:
        if sscc_el.sscc is None:
            raise WmsError("bad_check_digit", code=sscc_el.value)
        return Decoded("sscc", text, sscc_el.sscc.value, sscc=sscc_el.sscc.value, **common)
    raise WmsError("malformed_gs1", detail=Words("no GTIN (01) or SSCC (00) in " + message.as_hri(),
                                                 "条码中没有 GTIN（01）或 SSCC（00）：" + message.as_hri()))
