"""Bin labels: they scan back to the bin code, at the right size, and refuse unsafe input."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
import zplkit
import zxingcpp
from PIL import Image

from printers.labels import (
    CHINESE_FONT,
    DPMM,
    bin_label_zpl,
    label_size_dots,
    label_size_mm,
)

ScanLabel = Callable[..., list[str]]


def _a_03_02_1(dpi: int = 203, chinese_font: str | None = CHINESE_FONT) -> str:
    return bin_label_zpl("A-03-02-1", "A", "03", "02", "1", dpi, chinese_font=chinese_font)


@pytest.mark.parametrize("dpi", sorted(DPMM))
@pytest.mark.parametrize("code", ["A-03-02-1", "B-12-07-4", "WH2-COLD-Z9-099-12-3-XL"])
def test_a_bin_label_scans_back_to_its_bin_code(scan_label: ScanLabel, dpi: int, code: str) -> None:
    zpl = bin_label_zpl(code, "A", "03", "02", "1", dpi, chinese_font=None)

    assert scan_label(zpl, dpi) == [code]


@pytest.mark.parametrize("dpi", sorted(DPMM))
def test_the_label_is_four_by_two_inches_at_either_resolution(dpi: int) -> None:
    width, height = label_size_dots(dpi)
    zpl = _a_03_02_1(dpi)

    assert f"^PW{width}^LL{height}" in zpl
    assert (width / DPMM[dpi], height / DPMM[dpi]) == pytest.approx(label_size_mm(), abs=0.1)


def test_the_barcode_comes_out_the_same_physical_size_at_203_and_300_dpi() -> None:
    sizes_mm = []
    for dpi in sorted(DPMM):
        width, height = label_size_dots(dpi)
        zpl = _a_03_02_1(dpi, chinese_font=None)
        scene = zplkit.render(zpl, zplkit.Options(width=width, height=height, dpi=dpi)).labels[0]
        (barcode,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(scene.png())))
        corners = barcode.position
        sizes_mm.append(
            (
                (corners.top_right.x - corners.top_left.x) / DPMM[dpi],
                (corners.bottom_left.y - corners.top_left.y) / DPMM[dpi],
            )
        )

    (width_203, height_203), (width_300, height_300) = sizes_mm
    assert width_300 == pytest.approx(width_203, abs=0.5)
    assert height_300 == pytest.approx(height_203, abs=1.0)


def test_the_label_speaks_utf8_and_names_the_location_in_english_and_chinese() -> None:
    zpl = _a_03_02_1()

    assert zpl.startswith("^XA") and zpl.rstrip().endswith("^XZ")
    assert zpl.count("^XA") == zpl.count("^XZ") == 1
    assert "^CI28" in zpl
    assert re.search(r"\^BC[^\^]*\^FDA-03-02-1\^FS", zpl), "Code 128 of the bin code"
    assert "Zone A · Aisle 03 · Bay 02 · Level 1" in zpl
    assert "库区 A  巷道 03  货位 02  层 1" in zpl


def test_the_chinese_line_uses_the_unicode_font_the_site_installed() -> None:
    assert "E:ANMDS.TTF" in _a_03_02_1()
    assert "E:SIMSUN.FNT" in _a_03_02_1(chinese_font="E:SIMSUN.FNT")
    assert "库区" not in _a_03_02_1(chinese_font=None)


def test_zpl_command_characters_in_location_names_print_as_text(scan_label: ScanLabel) -> None:
    zpl = bin_label_zpl("A-03-02-1", "A^XZ", "~JA", "0_2", "1", chinese_font=None)

    assert zpl.count("^XZ") == 1
    assert "~" not in zpl
    assert "A_5EXZ" in zpl and "_7EJA" in zpl and "0_5F2" in zpl
    assert scan_label(zpl) == ["A-03-02-1"]


@pytest.mark.parametrize(
    "code",
    ["A^XZ", "A~JA", "A>5", "", "   ", "A-03\n", "库区-1", "X" * 25],
    ids=["caret", "tilde", "code128-invocation", "empty", "blank", "newline", "non-ascii", "long"],
)
def test_a_bin_code_the_label_cannot_carry_is_refused(code: str) -> None:
    with pytest.raises(ValueError):
        bin_label_zpl(code, "A", "03", "02", "1")


@pytest.mark.parametrize("dpi", [0, 200, 600])
def test_an_unsupported_printer_resolution_is_refused(dpi: int) -> None:
    with pytest.raises(ValueError, match="dpi"):
        _a_03_02_1(dpi)


def test_a_font_name_that_would_break_the_format_is_refused() -> None:
    with pytest.raises(ValueError):
        _a_03_02_1(chinese_font="E:X.TTF^XZ")
