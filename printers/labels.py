"""ZPL for the labels we print on 4 x 2 inch stock at 203 or 300 dpi: bin labels, and the licence
plate (LPN) and return-to-vendor labels of receiving — all one layout: a code, two lines, a barcode."""

from __future__ import annotations

DPMM = {203: 8, 300: 12}  # Zebra printheads are 8 or 12 dots per mm ("203" and "300" dpi)

LABEL_WIDTH_MM = 101.6
LABEL_HEIGHT_MM = 50.8

# Zebra's Andale Mono Simplified Chinese. Resident fonts (0, A–H) have no CJK glyphs, so the
# Chinese line needs a Unicode font installed on the printer; sites with another font (for
# example a SimSun on China-region models) pass its name instead.
CHINESE_FONT = "E:ANMDS.TTF"

# Code 128 at 0.25 mm modules: 24 characters (299 modules, ~75 mm) plus quiet zones fit 4 in.
MAX_CODE_LENGTH = 24
# Wide bars scan from further away; both widths are whole dots at 8 and 12 dots/mm.
_MODULE_CHOICES_MM = (0.5, 0.25)
_QUIET_ZONE_MODULES = 10
_MARGIN_MM = 4.0

# In ^BC data ">" starts an invocation code (subset switch, FNC), "^" and "~" start commands.
_FORBIDDEN_IN_CODE = set("^~>")


def label_size_mm() -> tuple[float, float]:
    """Width and height of the bin label stock in millimetres."""
    return LABEL_WIDTH_MM, LABEL_HEIGHT_MM


def label_size_dots(dpi: int = 203) -> tuple[int, int]:
    """Width and height of the bin label in printer dots (what ^PW/^LL say, and renderers need)."""
    return _dots(LABEL_WIDTH_MM, dpi), _dots(LABEL_HEIGHT_MM, dpi)


def bin_label_zpl(
    code: str,
    zone: str,
    aisle: str,
    bay: str,
    level: str,
    dpi: int = 203,
    *,
    chinese_font: str | None = CHINESE_FONT,
) -> str:
    """One bin label: big code, location in English and Chinese, Code 128 of the code."""
    return code_label_zpl(
        code,
        f"Zone {zone} · Aisle {aisle} · Bay {bay} · Level {level}",
        f"库区 {zone}  巷道 {aisle}  货位 {bay}  层 {level}",
        dpi,
        chinese_font=chinese_font,
    )


def code_label_zpl(
    code: str,
    english: str,
    chinese: str,
    dpi: int = 203,
    *,
    chinese_font: str | None = CHINESE_FONT,
) -> str:
    """A label that names one thing by its code: big code, a line in English and one in Chinese,
    Code 128 of the code.

    Positions and sizes are in millimetres scaled to the printer's dots, so a 203 dpi and a
    300 dpi printer produce the same physical label. `chinese_font=None` leaves the Chinese
    line out (for printers, or offline renderers, without a CJK font).
    """
    _check_code(code)
    dpmm = _dpmm(dpi)
    width, height = label_size_dots(dpi)
    x = _dots(_MARGIN_MM, dpi)
    code_mm = min(10.0, 150.0 / len(code))  # long codes shrink so they stay on the label
    line_mm = 4.0
    module_mm = _module_mm(code)
    module = round(module_mm * dpmm)
    barcode_x = (width - _code128_modules(code) * module) // 2
    bar_height = _dots(13.0, dpi)
    caption = _dots(3.0, dpi)
    commands = [
        "^XA",
        "^CI28",
        f"^PW{width}^LL{height}^LH0,0",
        _text(x, _dots(3.0, dpi), "^A0N", _dots(code_mm, dpi), code),
        _text(x, _dots(16.0, dpi), "^A0N", _dots(line_mm, dpi), english),
    ]
    if chinese_font is not None:
        _check_font(chinese_font)
        commands.append(_text(x, _dots(21.5, dpi), "^A@N", _dots(line_mm, dpi), chinese, font=chinese_font))
    commands += [
        (
            f"^FO{barcode_x},{_dots(28.0, dpi)}^BY{module},3,{bar_height}"
            f"^A0N,{caption},{caption}^BCN,{bar_height},Y,N,N^FD{code}^FS"
        ),
        "^XZ",
    ]
    return "\n".join(commands)


def _code128_modules(code: str) -> int:
    """Width in modules of a subset-B Code 128: start, data, check character, stop."""
    return 11 * (len(code) + 2) + 13


def _module_mm(code: str) -> float:
    room = LABEL_WIDTH_MM - 2 * _MARGIN_MM
    modules = _code128_modules(code) + 2 * _QUIET_ZONE_MODULES
    return next(m for m in _MODULE_CHOICES_MM if modules * m <= room)


def _text(x: int, y: int, font_command: str, size: int, value: str, font: str = "") -> str:
    font_name = f",{font}" if font else ""
    return f"^FO{x},{y}{font_command},{size},{size}{font_name}^FH_^FD{_escape(value)}^FS"


def _escape(value: str) -> str:
    """Field data safe for ^FH_: command prefixes and control bytes become _XX hex escapes."""
    out = []
    for char in value:
        if char in "^~_" or ord(char) < 0x20 or ord(char) == 0x7F:
            out.extend(f"_{byte:02X}" for byte in char.encode("utf-8"))
        else:
            out.append(char)
    return "".join(out)


def _check_code(code: str) -> None:
    if not code or not code.strip():
        raise ValueError("a bin code is required")
    if len(code) > MAX_CODE_LENGTH:
        raise ValueError(f"bin code {code!r} is longer than {MAX_CODE_LENGTH} characters")
    bad = sorted({c for c in code if c in _FORBIDDEN_IN_CODE or not 0x20 <= ord(c) < 0x7F})
    if bad:
        raise ValueError(f"bin code {code!r} contains characters a label cannot carry: {bad}")


def _check_font(font: str) -> None:
    if not font or any(c in font for c in "^~,") or not font.isprintable():
        raise ValueError(f"font name {font!r} is not a printer font path like E:ANMDS.TTF")


def _dpmm(dpi: int) -> int:
    try:
        return DPMM[dpi]
    except KeyError:
        raise ValueError(f"unsupported dpi {dpi}; supported: {sorted(DPMM)}") from None


def _dots(mm: float, dpi: int) -> int:
    return round(mm * _dpmm(dpi))


def printer_test_label_zpl(
    code: str,
    name: str,
    dpi: int,
    width_mm: float,
    height_mm: float,
    printed_at: str,
    *,
    chinese_font: str | None = CHINESE_FONT,
) -> str:
    """A printer's test label, laid out for the stock it says it holds: what the server knows of the
    printer (code, name, dpi, label size) and when the test was asked for, a frame drawn 2 mm inside the
    label's edges (a wrong size or dpi shows as a frame cut off or not reaching the edges) and a
    Code 128 of the printer's code."""
    _check_code(code)
    dpmm = _dpmm(dpi)
    width, height = _dots(width_mm, dpi), _dots(height_mm, dpi)
    x, line = _dots(_MARGIN_MM, dpi), _dots(min(4.0, height_mm / 12), dpi)
    frame = _dots(2.0, dpi)
    lines = [
        f"TEST PRINT {code}",
        name,
        f"{dpi} dpi, {width_mm:g} x {height_mm:g} mm",
        printed_at,
    ]
    commands = [
        "^XA",
        "^CI28",
        f"^PW{width}^LL{height}^LH0,0",
        f"^FO{frame},{frame}^GB{width - 2 * frame},{height - 2 * frame},{max(2, dpmm // 4)}^FS",
    ]
    y = _dots(4.0, dpi)
    for text in lines:
        commands.append(_text(x, y, "^A0N", line, text))
        y += round(line * 1.4)
    if chinese_font is not None:
        _check_font(chinese_font)
        commands.append(_text(x, y, "^A@N", line, f"测试打印 {code}", font=chinese_font))
        y += round(line * 1.4)
    module = max(1, round(0.25 * dpmm))
    bar_height = min(_dots(10.0, dpi), max(height - y - frame - 2 * line, line))
    commands += [f"^FO{x},{y}^BY{module},3,{bar_height}^BCN,{bar_height},Y,N,N^FD{code}^FS", "^XZ"]
    return "\n".join(commands)
