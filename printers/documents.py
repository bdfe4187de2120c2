"""ZPL for the packing station's documents — shipping label (面单), packing list (发货清单) and exchange
notice (换货单) — and the dispatch note of a return to vendor (退供应商发货单), from Jinja templates in
config/labels/ that operations people edit, for any printer profile (203 or 300 dpi, any label size).

Templates run in Jinja's sandbox and hold the body of one label; the format frame (^XA^CI28, ^PW/^LL
from the profile, ^XZ) is added here so an edited template cannot break it. Every `{{ … }}` is
escaped for ^FH_ unless it comes from a helper (`text`, `code128`, `hline`, …) that already made
safe ZPL, so customer data can never inject commands.
"""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from printers.labels import CHINESE_FONT, DPMM, _check_font, _escape

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATES = ROOT / "config" / "labels"

TEMPLATES = {
    "shipping_label": "shipping_label.zpl.j2",
    "packing_list": "packing_list.zpl.j2",
    "exchange_notice": "exchange_notice.zpl.j2",
    "badge": "badge.zpl.j2",
    "rtv_dispatch_note": "rtv_dispatch_note.zpl.j2",
    "item_label": "item_label.zpl.j2",
}

MARGIN_MM = 3.0
# Code 128 modules: wider scans from further away; narrower than 0.25 mm is unreliable on thermal stock.
_MAX_MODULE_MM = 0.5
_MIN_MODULE_MM = 0.25
_QUIET_ZONE_MODULES = 10
MAX_BARCODE_LENGTH = 40
# In ^BC data ">" starts an invocation code (subset switch, FNC), "^" and "~" start commands.
_FORBIDDEN_IN_BARCODE = set("^~>")
# Glyph advance as a share of the font height, for wrapping before the printer does: CJK glyphs are
# square; Latin in font 0 and in Andale Mono is at most 0.6 em wide. Lines are filled to 92 % only:
# printers differ in their TTF metrics, and a line that overflows ^FB prints over the next field.
_WIDE_EM, _NARROW_EM = 1.0, 0.6
_FILL = 0.92
_ELLIPSIS = "..."  # resident font 0 has no "…"
_NEEDS_ESCAPE = re.compile(r"[\^~_\x00-\x1f\x7f]")  # what labels._escape rewrites


class LabelTemplateError(Exception):
    """A label template cannot be used: syntax error, unknown name, or something the sandbox forbids."""


class Zpl(Markup):
    """ZPL that is already safe to emit. Jinja's autoescape machinery carries the "safe" mark through
    macros; the escaping itself is ours (`_finalize`), never HTML's."""


@dataclass(frozen=True)
class LabelProfile:
    """The stock loaded in a printer: resolution, label size, and the Unicode font it holds."""

    dpi: int = 203
    width_mm: float = 101.6  # 4 x 6 in, the carriers' usual thermal label
    height_mm: float = 152.4
    chinese_font: str = CHINESE_FONT

    def __post_init__(self) -> None:
        if self.dpi not in DPMM:
            raise ValueError(f"unsupported dpi {self.dpi}; supported: {sorted(DPMM)}")
        for name in ("width_mm", "height_mm"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 20 <= value <= 400:
                raise ValueError(f"label {name} must be between 20 and 400 mm, not {value!r}")
        _check_font(self.chinese_font)

    @classmethod
    def of(cls, profile: LabelProfile | Mapping[str, Any] | None) -> LabelProfile:
        """A profile from the dict the server passes (`{"dpi", "width_mm", "height_mm"}`), or the default."""
        if profile is None:
            return cls()
        if isinstance(profile, cls):
            return profile
        known = {k: profile[k] for k in ("dpi", "width_mm", "height_mm", "chinese_font") if k in profile}
        try:
            return cls(**known)
        except TypeError as error:
            raise ValueError(f"bad label profile {profile!r}: {error}") from None

    @property
    def dpmm(self) -> int:
        return DPMM[self.dpi]

    def dots(self, mm: float) -> int:
        return round(mm * self.dpmm)

    @property
    def width(self) -> int:
        return self.dots(self.width_mm)

    @property
    def height(self) -> int:
        return self.dots(self.height_mm)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"dpmm": self.dpmm, "width": self.width, "height": self.height}


@dataclass(frozen=True)
class TableLayout:
    """Where a document's table of lines sits, in mm: pagination depends on the stock's height only,
    so a 300 dpi printer gets the same pages as a 203 dpi one."""

    top_mm: float  # first row, below the header
    row_mm: float
    footer_mm: float  # kept free at the bottom for page number and totals
    min_rows: int = 3

    def rows_per_page(self, profile: LabelProfile) -> int:
        rows = math.floor((profile.height_mm - self.top_mm - self.footer_mm) / self.row_mm + 1e-9)
        if rows < self.min_rows:
            raise ValueError(f"a {profile.height_mm} mm tall label leaves room for {max(rows, 0)} lines; "
                             f"this document needs at least {self.min_rows}")
        return rows


PACKING_LIST_TABLE = TableLayout(top_mm=40.0, row_mm=9.0, footer_mm=16.0)
EXCHANGE_NOTICE_TABLE = TableLayout(top_mm=64.0, row_mm=9.0, footer_mm=16.0)
RTV_DISPATCH_NOTE_TABLE = TableLayout(top_mm=64.0, row_mm=9.0, footer_mm=16.0)
SHIPPING_LABEL_MIN_HEIGHT_MM = 135.0  # the layout in shipping_label.zpl.j2 ends at ~132 mm

# Optional fields, filled in before rendering so templates read `parcel.service.en` rather than
# `parcel.get("service")` (clearer for whoever edits them, and each sandboxed call costs time).
_TEXT = {"en": "", "zh": ""}
_PARTY = {"name": "", "phone": "", "address": ""}
SHIPPING_DEFAULTS: dict[str, Any] = {
    "channel": "", "carrier": {"code": "", "name_en": "", "name_zh": ""}, "service": _TEXT,
    "recipient": _PARTY, "sender": _PARTY, "parcel_no": 1, "parcels": 1, "weight_g": None, "packed_at": "",
    "items": "",
}
DOCUMENT_DEFAULTS: dict[str, Any] = {
    "channel": "", "customer": "", "parcel_no": 1, "parcels": 1, "packed_by": "", "packed_at": "", "note": "",
    "order": "", "original_order": "", "reason": "", "notice": "",
    "rtv": "", "supplier": "", "po": "", "lot": "", "approved_by": "", "approved_at": "",
}
# kit: a kit (组合装) as sold, its components follow as `part` rows (indented)
LINE_DEFAULTS: dict[str, Any] = {"name": _TEXT, "variant": _TEXT, "kit": False, "part": False}


# -- public documents ---------------------------------------------------------------------------


def shipping_label(parcel: dict, profile: LabelProfile | Mapping[str, Any] | None = None, *,
                   templates: str | Path | None = None) -> str:
    """The carrier label: carrier and service, tracking number as a big Code 128, recipient and sender,
    parcel n of m, weight, and the order number as a second Code 128."""
    label = LabelProfile.of(profile)
    _check_shipping(parcel)
    if label.height_mm < SHIPPING_LABEL_MIN_HEIGHT_MM:
        raise ValueError(f"a shipping label needs stock at least {SHIPPING_LABEL_MIN_HEIGHT_MM:g} mm tall")
    return _render(templates, "shipping_label", label, {"parcel": _with_defaults(parcel, SHIPPING_DEFAULTS)})


def packing_list(doc: dict, profile: LabelProfile | Mapping[str, Any] | None = None, *,
                 templates: str | Path | None = None) -> str:
    """发货清单: order header, a table of lines with quantities, total units; as many labels as the lines
    need, each with the header and "page k/n", every line on exactly one page."""
    label = LabelProfile.of(profile)
    _check_document(doc, barcodes=("order",), required=("order", "customer"))
    return _render_pages(templates, "packing_list", label, doc, PACKING_LIST_TABLE)


def exchange_notice(doc: dict, profile: LabelProfile | Mapping[str, Any] | None = None, *,
                    templates: str | Path | None = None) -> str:
    """换货单: the replacement order, the order it replaces, customer, reason, the replacement lines, and
    a Code 128 of the notice number."""
    label = LabelProfile.of(profile)
    _check_document(doc, barcodes=("notice", "order"), required=("original_order", "customer", "reason"))
    return _render_pages(templates, "exchange_notice", label, doc, EXCHANGE_NOTICE_TABLE)


def rtv_dispatch_note(doc: dict, profile: LabelProfile | Mapping[str, Any] | None = None, *,
                      templates: str | Path | None = None) -> str:
    """退供应商发货单: the RTV number (and its Code 128), supplier, PO, lot, why it goes back, who approved it
    and when, and the goods with their quantity; it travels with the rejected lot."""
    label = LabelProfile.of(profile)
    _check_document(doc, barcodes=("rtv",), required=("supplier", "lot", "reason"))
    return _render_pages(templates, "rtv_dispatch_note", label, doc, RTV_DISPATCH_NOTE_TABLE)


BADGE_MIN_HEIGHT_MM = 48.0  # the layout in badge.zpl.j2 ends at ~46 mm
BADGE_DEFAULTS: dict[str, Any] = {"name_en": "", "employee_no": "", "role": _TEXT}


def badge(person: dict, profile: LabelProfile | Mapping[str, Any] | None = None, *,
          templates: str | Path | None = None) -> str:
    """工牌: the person's name (and English name if any), staff number and role in both languages, and a
    Code 128 of the badge code the handheld's log-in screen scans."""
    label = LabelProfile.of(profile)
    _check_barcode_value(person, "code")
    if not _present(person.get("name")):
        raise ValueError("name is required")
    if label.height_mm < BADGE_MIN_HEIGHT_MM:
        raise ValueError(f"a badge needs stock at least {BADGE_MIN_HEIGHT_MM:g} mm tall")
    return _render(templates, "badge", label, {"person": _with_defaults(person, BADGE_DEFAULTS)})


ITEM_LABEL_MIN_MM = (40.0, 30.0)  # the layout in item_label.zpl.j2 needs 40 x 30 mm stock or larger
ITEM_LABEL_DEFAULTS: dict[str, Any] = {"ean13": "", "name": _TEXT, "variant": _TEXT, "tag_price_cents": None,
                                       "lot": "", "expiry": ""}
MAX_ITEM_LABEL_COPIES = 1000


def item_label(item: dict, profile: LabelProfile | Mapping[str, Any] | None = None, *,
               templates: str | Path | None = None, copies: int = 1) -> str:
    """货品标签/吊牌: the item's barcode (EAN-13 when `ean13` is given, else a Code 128 of the SKU), its names
    and variant in both languages, the tag price (¥) and, when given, lot and expiry; `copies` labels."""
    label = LabelProfile.of(profile)
    _check_barcode_value(item, "sku")
    ean = item.get("ean13") or ""
    if ean and not is_ean13(ean):
        raise ValueError(f"ean13 {ean!r} is not a valid EAN-13")
    name = item.get("name")
    if not isinstance(name, Mapping) or not (_present(name.get("en")) or _present(name.get("zh"))):
        raise ValueError("an item label needs the item's name")
    price = item.get("tag_price_cents")
    if price is not None and (not _is_int(price) or price < 0):
        raise ValueError(f"tag_price_cents must be a whole number of fen or None, not {price!r}")
    if not _is_int(copies) or not 1 <= copies <= MAX_ITEM_LABEL_COPIES:
        raise ValueError(f"copies must be between 1 and {MAX_ITEM_LABEL_COPIES}, not {copies!r}")
    if label.width_mm < ITEM_LABEL_MIN_MM[0] or label.height_mm < ITEM_LABEL_MIN_MM[1]:
        raise ValueError(f"an item label needs stock at least {ITEM_LABEL_MIN_MM[0]:g} x {ITEM_LABEL_MIN_MM[1]:g} mm")
    one = _render(templates, "item_label", label, {"item": _with_defaults(item, ITEM_LABEL_DEFAULTS)})
    return "\n".join([one] * copies)


def is_ean13(code: str) -> bool:
    """Thirteen digits whose last is the GS1 check digit of the first twelve."""
    if not (isinstance(code, str) and len(code) == 13 and code.isascii() and code.isdigit()):
        return False
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(code[:12]))
    return (10 - total % 10) % 10 == int(code[12])


DOCUMENTS: dict[str, Callable[..., str]] = {
    "shipping_label": shipping_label,
    "packing_list": packing_list,
    "exchange_notice": exchange_notice,
    "badge": badge,
    "rtv_dispatch_note": rtv_dispatch_note,
    "item_label": item_label,
}


# -- input checks: refuse what would print a wrong or unscannable label ---------------------------


def _check_shipping(parcel: dict) -> None:
    _check_barcode_value(parcel, "tracking")
    _check_barcode_value(parcel, "order")
    for party in ("recipient", "sender"):
        block = parcel.get(party)
        if not isinstance(block, Mapping) or not _present(block.get("name")) or not _present(block.get("address")):
            raise ValueError(f"parcel {party} needs a name and an address")
    carrier = parcel.get("carrier")
    if not isinstance(carrier, Mapping) or not (_present(carrier.get("name_en")) or _present(carrier.get("name_zh"))):
        raise ValueError("parcel carrier needs a name")
    number, count = parcel.get("parcel_no", 1), parcel.get("parcels", 1)
    if not (_is_int(number) and _is_int(count) and 1 <= number <= count):
        raise ValueError(f"parcel {number!r} of {count!r} is not a parcel number between 1 and the count")
    weight = parcel.get("weight_g")
    if weight is not None and (isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0):
        raise ValueError(f"weight_g must be a non-negative number of grams or None, not {weight!r}")


def _check_document(doc: dict, barcodes: Sequence[str], required: Sequence[str]) -> None:
    for key in barcodes:
        _check_barcode_value(doc, key)
    for key in required:
        if not _present(doc.get(key)):
            raise ValueError(f"{key} is required")
    lines = doc.get("lines")
    if not isinstance(lines, list) or not lines:
        raise ValueError("a document needs at least one line")
    for n, line in enumerate(lines, 1):
        if not isinstance(line, Mapping) or not _present(line.get("sku")):
            raise ValueError(f"line {n} has no sku")
        if not _is_int(line.get("qty")) or line["qty"] < 1:
            raise ValueError(f"line {n} ({line['sku']}) needs a whole quantity of at least 1")


def _check_barcode_value(doc: Mapping[str, Any], key: str) -> None:
    value = doc.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key} is required")
    check_barcode_data(value, key)


def check_barcode_data(value: str, what: str = "barcode") -> None:
    """Code 128 data we print: printable ASCII without ZPL command or invocation characters."""
    if len(value) > MAX_BARCODE_LENGTH:
        raise ValueError(f"{what} {value!r} is longer than {MAX_BARCODE_LENGTH} characters")
    bad = sorted({c for c in value if c in _FORBIDDEN_IN_BARCODE or not 0x20 < ord(c) < 0x7F})
    if bad:
        raise ValueError(f"{what} {value!r} contains characters a barcode cannot carry: {bad}")


def _present(value: Any) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool) and bool(str(value).strip())


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# -- templates ------------------------------------------------------------------------------------


def _render_pages(templates: str | Path | None, name: str, profile: LabelProfile, doc: dict,
                  table: TableLayout) -> str:
    lines = [_with_defaults(line, LINE_DEFAULTS) for line in doc["lines"]]
    view = _with_defaults(doc, DOCUMENT_DEFAULTS) | {"lines": lines}
    per_page = table.rows_per_page(profile)
    count = math.ceil(len(lines) / per_page)
    total_units = sum(line["qty"] for line in lines if not line.get("kit"))  # a kit's units are its components
    formats = []
    for number in range(1, count + 1):
        chunk = lines[(number - 1) * per_page:number * per_page]
        page = {"number": number, "count": count, "last": number == count,
                "rows": [line | {"y": table.top_mm + i * table.row_mm} for i, line in enumerate(chunk)]}
        formats.append(_render(templates, name, profile, {"doc": view, "page": page, "table": table,
                                                          "total_units": total_units}))
    return "\n".join(formats)


def _with_defaults(data: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `data` with every optional field present; nested blocks (service, sender, …) too."""
    merged = dict(data)
    for key, default in defaults.items():
        value = merged.get(key)
        if isinstance(default, Mapping):
            merged[key] = _with_defaults(value if isinstance(value, Mapping) else {}, default)
        elif value is None:
            merged[key] = default
    return merged


def _render(templates: str | Path | None, name: str, profile: LabelProfile, data: dict[str, Any]) -> str:
    template_file = TEMPLATES[name]
    try:
        template = _environment(str(Path(templates or DEFAULT_TEMPLATES).resolve())).get_template(template_file)
        body = template.render(_helpers(profile) | data)
    except TemplateNotFound:
        raise LabelTemplateError(f"label template {template_file} not found in {templates or DEFAULT_TEMPLATES}") \
            from None
    except (TemplateError, OverflowError) as error:  # OverflowError: the sandbox's cap on range()
        where = f"{template_file}, line {error.lineno}" if getattr(error, "lineno", None) else template_file
        raise LabelTemplateError(f"label template {where}: {error}") from error
    return _frame(body, profile, template_file)


def _frame(body: str, profile: LabelProfile, template_file: str) -> str:
    """One label format around the template's body; template indentation and blank lines are dropped."""
    commands = [line.strip() for line in body.splitlines() if line.strip()]
    if any("^XA" in c or "^XZ" in c for c in commands):
        raise LabelTemplateError(f"label template {template_file}: hold only the label body, "
                                 "^XA and ^XZ are added for you")
    head = f"^XA^CI28^PW{profile.width}^LL{profile.height}^LH0,0"
    return "\n".join([head, *commands, "^XZ"])


class _LabelEnvironment(SandboxedEnvironment):
    """Label documents are plain dicts: `parcel.items` is the parcel's `items` field, never the dict's
    method of that name (Jinja tries the attribute first, and a label printed "<built-in method …>")."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Mapping) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


@functools.lru_cache(maxsize=16)
def _environment(directory: str) -> SandboxedEnvironment:
    # auto_reload re-reads a template whose file changed, so an edit shows on the next label.
    env = _LabelEnvironment(loader=FileSystemLoader(directory), undefined=StrictUndefined, auto_reload=True,
                               finalize=_finalize, trim_blocks=True, lstrip_blocks=True, autoescape=True)
    env.filters.update(zpl=lambda value: Zpl(_escape(str(value))), kg=_kg, when=_when, channel=_channel,
                       yuan=_yuan)
    return env


def _finalize(value: Any) -> Any:
    """Every printed expression is field data unless a helper made it ZPL: escape it for ^FH_."""
    if isinstance(value, Markup):  # a helper's ZPL, or a macro's output made of it
        return value
    if callable(value):  # a method, not a value: refuse rather than print "<bound method …>"
        raise LabelTemplateError(f"a label template prints {value!r}, not a value")
    return Zpl(_field("" if value is None else str(value)))


# An order's channel (sales_orders.channel) as people call it; the station page has the same names.
CHANNEL_NAMES = {"taobao": "Taobao 淘宝", "tmall": "Tmall 天猫", "jd": "JD 京东", "pdd": "Pinduoduo 拼多多",
                 "douyin": "Douyin 抖音", "api": "API", "csv": "CSV"}


def _channel(code: str | None) -> str:
    """The channel's name in both languages; a channel we do not know, as it came."""
    return CHANNEL_NAMES.get(str(code or "").lower(), str(code or ""))


def _yuan(cents: int | None) -> str:
    """A price in fen as the shelf shows it: ¥12.90 (empty when there is none)."""
    return "" if cents is None else f"¥{cents // 100}.{cents % 100:02d}"


def _kg(grams: float | None) -> str:
    return "" if grams is None else f"{grams / 1000:.2f} kg"


def _when(stamp: str | None) -> str:
    """An ISO timestamp as the packer reads it: date and minutes in the stamp's own offset (the server sends
    the warehouse's local time, server/local_time.py); UTC said as such."""
    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    zone = " UTC" if moment.utcoffset() is not None and not moment.utcoffset() else ""
    return moment.strftime("%Y-%m-%d %H:%M") + zone


# -- helpers templates call (positions and sizes in mm, so templates stay dpi- and size-independent) --


def _helpers(profile: LabelProfile) -> dict[str, Any]:
    draw = _Drawing(profile)
    return {
        "dpi": profile.dpi, "dpmm": profile.dpmm, "width": profile.width, "height": profile.height,
        "width_mm": profile.width_mm, "height_mm": profile.height_mm, "margin": MARGIN_MM,
        "chinese_font": profile.chinese_font,
        "mm": profile.dots, "text": draw.text, "code128": draw.code128, "ean13": draw.ean13, "hline": draw.hline,
        "box": draw.box,
        "font": draw.font,
    }


class _Drawing:
    """The ZPL fragments templates place; every method returns safe ZPL (`Zpl`)."""

    def __init__(self, profile: LabelProfile) -> None:
        self.profile = profile
        self._dpmm = profile.dpmm

    def _dots(self, mm: float) -> int:
        return round(mm * self._dpmm)

    def font(self, size: float, zh: bool = False) -> Zpl:
        """The font command: resident font 0, or the printer's Unicode font for Chinese."""
        dots = self._dots(size)
        if zh:
            return Zpl(f"^A@N,{dots},{dots},{self.profile.chinese_font}")
        return Zpl(f"^A0N,{dots},{dots}")

    def text(self, x: float, y: float, value: Any, size: float = 3.5, width: float | None = None,
             lines: int = 1, align: str = "L", zh: bool | None = None) -> Zpl:
        """Text at (x, y) mm, `size` mm high, wrapped into at most `lines` lines of `width` mm (default:
        to the right margin) and cut with "..." beyond; Chinese switches to the Unicode font by itself."""
        if align not in ("L", "C", "R", "J"):
            raise ValueError(f"align must be L, C, R or J, not {align!r}")
        value = "" if value is None else str(value)
        width = self.profile.width_mm - MARGIN_MM - x if width is None else width
        wrapped = wrap(value, width, size, lines)
        use_zh = _has_wide(value) if zh is None else zh
        spacing = self._dots(size * 0.2)
        # ^FB keeps the printer inside the block even if our width estimate was short; \& breaks a line.
        data = "\\&".join(_field(line) for line in wrapped)
        return Zpl(f"^FO{self._dots(x)},{self._dots(y)}{self.font(size, use_zh)}"
                   f"^FB{self._dots(width)},{lines},{spacing},{align},0^FH_^FD{data}^FS")

    def code128(self, x: float, y: float, data: Any, height: float = 15.0, width: float | None = None,
                caption: float | None = 3.0, align: str = "C") -> Zpl:
        """A Code 128 of `data`, bars `height` mm tall, as wide a module as fits in `width` mm (default: to
        the right margin), centred there unless align="L"; `caption` mm human-readable line below."""
        data = str(data)
        check_barcode_data(data)
        width = self.profile.width_mm - MARGIN_MM - x if width is None else width
        encoded, symbols = code128_data(data)
        modules = 11 * symbols + 13  # data and code symbols, check character, stop pattern
        module = min(self._dots(_MAX_MODULE_MM), self._dots(width) // (modules + 2 * _QUIET_ZONE_MODULES))
        if module < self._dots(_MIN_MODULE_MM):
            raise ValueError(f"barcode {data!r} does not fit in {width:g} mm at {_MIN_MODULE_MM} mm modules")
        left = self._dots(x) + ((self._dots(width) - modules * module) // 2 if align == "C" else 0)
        bars = self._dots(height)
        interpretation = "N" if caption is None else "Y"
        caption_font = "" if caption is None else self.font(caption)
        return Zpl(f"^FO{left},{self._dots(y)}^BY{module},3,{bars}{caption_font}"
                   f"^BCN,{bars},{interpretation},N,N^FD{encoded}^FS")

    def ean13(self, x: float, y: float, code: Any, height: float = 10.0, width: float | None = None,
              caption: float | None = 2.5, align: str = "C") -> Zpl:
        """An EAN-13 of `code` (13 digits, check digit included), bars `height` mm tall, as wide a module as fits
        in `width` mm (default: to the right margin; 0.33 mm at most), centred unless align="L"."""
        code = str(code)
        if not is_ean13(code):
            raise ValueError(f"{code!r} is not a valid EAN-13")
        width = self.profile.width_mm - MARGIN_MM - x if width is None else width
        modules = 95 + 11 + 7  # bars, and the quiet zones GS1 asks for left and right
        module = min(self._dots(0.33), self._dots(width) // modules)
        if module < self._dots(_MIN_MODULE_MM):
            raise ValueError(f"an EAN-13 does not fit in {width:g} mm at {_MIN_MODULE_MM} mm modules")
        left = self._dots(x) + ((self._dots(width) - 95 * module) // 2 if align == "C" else 11 * module)
        bars = self._dots(height)
        interpretation = "N" if caption is None else "Y"
        caption_font = "" if caption is None else self.font(caption)
        # ^BE takes the twelve digits and prints the check digit it computes (the same, checked above).
        return Zpl(f"^FO{left},{self._dots(y)}^BY{module},3,{bars}{caption_font}"
                   f"^BEN,{bars},{interpretation},N^FD{code[:12]}^FS")

    def hline(self, y: float, x: float = MARGIN_MM, width: float | None = None, thickness: float = 0.4) -> Zpl:
        """A horizontal rule, by default from margin to margin."""
        width = self.profile.width_mm - MARGIN_MM - x if width is None else width
        return self.box(x, y, width, thickness, thickness)

    def box(self, x: float, y: float, width: float, height: float, thickness: float = 0.4) -> Zpl:
        border = max(1, self._dots(thickness))
        wide, tall = max(border, self._dots(width)), max(border, self._dots(height))
        return Zpl(f"^FO{self._dots(x)},{self._dots(y)}^GB{wide},{tall},{border}^FS")


def code128_data(data: str) -> tuple[str, int]:
    """^BC field data choosing subset C for runs of digits (half the width for order numbers), and the
    number of Code 128 symbols it makes: start, data, subset switches, check character.

    A run goes to subset C when it saves space: 4+ digits at either end, 6+ in the middle, an odd
    run leaving its first digit in subset B.
    """
    segments: list[tuple[str, str]] = []  # ("B" | "C", text)
    i = 0
    while i < len(data):
        j = i
        while j < len(data) and data[j].isdigit():
            j += 1
        run = j - i
        at_edge = i == 0 or j == len(data)
        if run >= (4 if at_edge else 6):
            if run % 2:
                segments.append(("B", data[i]))
                i += 1
            segments.append(("C", data[i:j]))
            i = j
        else:
            k = max(j, i + 1)
            segments.append(("B", data[i:k]))
            i = k
    merged: list[tuple[str, str]] = []
    for subset, text in segments:
        if merged and merged[-1][0] == subset:
            merged[-1] = (subset, merged[-1][1] + text)
        else:
            merged.append((subset, text))
    encoded, symbols = "", 2  # start and check characters
    for n, (subset, text) in enumerate(merged):
        if n == 0:
            encoded += ">;" if subset == "C" else ">:"
        else:
            encoded += ">5" if subset == "C" else ">6"
            symbols += 1
        encoded += text
        symbols += len(text) // 2 if subset == "C" else len(text)
    return encoded, symbols


def wrap(value: str, width_mm: float, size_mm: float, max_lines: int) -> list[str]:
    """`value` broken into lines of at most `width_mm` at a `size_mm` font (at spaces where possible,
    anywhere in Chinese), at most `max_lines` of them, the last cut with "..." if text was left over."""
    if max_lines < 1:
        raise ValueError("a text needs at least one line")
    capacity = _FILL * width_mm / size_mm  # in em
    text = " ".join(value.split())
    lines: list[str] = []
    while text and len(lines) < max_lines:
        cut = _fitting(text, capacity)
        if cut < len(text):
            space = text.rfind(" ", 0, cut + 1)
            if space > cut // 2 and not _is_wide(text[cut]):
                cut = space
        lines.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        last = lines[-1]
        while last and _em(last + _ELLIPSIS) > capacity:
            last = last[:-1]
        lines[-1] = last.rstrip() + _ELLIPSIS
    return lines or [""]


def _fitting(text: str, capacity: float) -> int:
    """How many leading characters of `text` fit in `capacity` em (at least one, so wrapping advances)."""
    if text.isascii():  # the common case, and the hot path of the benchmark: no per-character work
        return max(1, min(len(text), math.floor(capacity / _NARROW_EM + 1e-9)))
    used = 0.0
    for n, char in enumerate(text):
        used += _WIDE_EM if _is_wide(char) else _NARROW_EM
        if used > capacity:
            return max(n, 1)
    return len(text)


def _em(text: str) -> float:
    if text.isascii():
        return len(text) * _NARROW_EM
    return sum(_WIDE_EM if _is_wide(c) else _NARROW_EM for c in text)


@functools.cache  # a label prints the same few hundred characters over and over
def _is_wide(char: str) -> bool:
    return char >= "\u1100" and unicodedata.east_asian_width(char) in ("W", "F")  # nothing below is wide


def _has_wide(text: str) -> bool:
    return not text.isascii() and any(_is_wide(c) for c in text)


def _field(value: str) -> str:
    """`_escape` for ^FH_, skipped for the usual field that has nothing to escape."""
    return _escape(value) if _NEEDS_ESCAPE.search(value) else value


def load_samples(templates: str | Path | None = None) -> dict[str, dict]:
    """The sample documents next to the templates (samples.json), for previews and the benchmark."""
    return json.loads((Path(templates or DEFAULT_TEMPLATES) / "samples.json").read_text(encoding="utf-8"))
