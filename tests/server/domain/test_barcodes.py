"""The decoder: what a scanned text is, and a clear refusal when it is nothing we can trust."""
from datetime import date

import pytest

from server.domain.barcodes import DecoderRules, decode, item_code_key
from server.domain.errors import WmsError

GS = "\x1d"


def refused(text: str) -> WmsError:
    with pytest.raises(WmsError) as caught:
        decode(text)
    return caught.value


@pytest.mark.parametrize("text, gtin", [
    ("5901234123457", "5901234123457"),       # EAN-13
    ("036000291452", "036000291452"),         # UPC-A
    ("96385074", "96385074"),                 # EAN-8
    ("]E05901234123457", "5901234123457"),    # with the AIM prefix of an EAN-13 reader
    ("5901234123457\r\n", "5901234123457"),   # the scanner's CR LF suffix
])
def test_valid_retail_barcodes_are_items_with_their_gtin(text, gtin):
    decoded = decode(text)
    assert decoded.kind == "gtin"
    assert decoded.gtin == gtin
    assert decoded.names_an_item


@pytest.mark.parametrize("text", ["5901234123450", "036000291453", "96385075"])
def test_a_wrong_check_digit_is_refused_as_a_misread(text):
    error = refused(text)
    assert error.code == "bad_check_digit"
    assert text in error.message()["en"] and text in error.message()["zh"]


def test_upc_a_and_its_ean13_form_find_the_same_item():
    assert decode("036000291452").key == decode("0036000291452").key == item_code_key("036000291452")


def test_gs1_128_with_fnc1_separators_gives_gtin_lot_expiry_and_serial():
    decoded = decode(f"]C1010950110153000310ABC123{GS}17261231{GS}21SN42")
    assert decoded.kind == "gs1"
    assert decoded.gtin == "09501101530003"
    assert decoded.lot == "ABC123"
    assert decoded.expiry == date(2026, 12, 31)
    assert decoded.serial == "SN42"
    assert decoded.symbology == "]C1"
    assert decoded.warnings == ()


def test_gs1_datamatrix_and_human_readable_form_decode_alike():
    a = decode(f"]d2010950110153000310LOT7{GS}17270131")
    b = decode("(01)09501101530003(10)LOT7(17)270131")
    assert (a.gtin, a.lot, a.expiry) == (b.gtin, b.lot, b.expiry) == (
        "09501101530003", "LOT7", date(2027, 1, 31))


def test_a_wedge_that_dropped_the_aim_prefix_still_reads_as_gs1():
    decoded = decode("0109501101530003")
    assert decoded.kind == "gs1" and decoded.gtin == "09501101530003"


def test_a_missing_separator_after_the_lot_is_tolerated_but_reported():
    decoded = decode("]C1010950110153000310ABC12317261231")
    assert decoded.gtin == "09501101530003"
    assert "gs_separator_missing" in decoded.warnings


def test_a_configured_substitute_for_the_group_separator_is_understood():
    rules = DecoderRules(gs_substitutes=("|",))
    decoded = decode("]C1010950110153000310ABC|17261231", rules)
    assert decoded.lot == "ABC" and decoded.expiry == date(2026, 12, 31)


@pytest.mark.parametrize("text, detail", [
    ("]d2010950110153000317261331", "17"),            # month 13
    ("]C1011234", "01"),                              # GTIN too short
    ("(10)ABC", "no GTIN"),                           # nothing to identify goods by
])
def test_malformed_gs1_is_refused_with_the_reason(text, detail):
    error = refused(text)
    assert error.code == "malformed_gs1"
    assert detail in error.message()["en"]


def test_a_gtin_with_a_bad_check_digit_inside_gs1_is_a_misread():
    assert refused("(01)09501101530004").code == "bad_check_digit"


def test_sscc_is_a_licence_plate():
    decoded = decode("00106141411234567897")
    assert decoded.kind == "sscc" and decoded.sscc == "106141411234567897"
    assert refused("00106141411234567890").code == "bad_check_digit"


def test_bins_badges_totes_and_lpns_are_told_apart():
    assert decode("a-03-02-1").kind == "bin"
    assert decode("A-03-02-1").key == "A-03-02-1"
    assert decode("BDG-PICKER-0001").kind == "badge"
    assert decode("TOTE-0042").kind == "tote"
    assert decode("LPN-000123").kind == "lpn"


def test_anything_else_is_an_internal_code_for_the_catalogue_to_resolve():
    decoded = decode("tb01-1-s")
    assert decoded.kind == "internal" and decoded.key == "TB01-1-S"


def test_empty_and_overlong_scans_are_refused():
    assert refused("  \r\n").code == "empty_code"
    assert refused("X" * 500).code == "code_too_long"


def test_gs1_digital_link_urls_name_the_item():
    decoded = decode("https://id.gs1.org/01/09501101530003/10/AB1")
    assert decoded.gtin == "09501101530003" and decoded.lot == "AB1"
