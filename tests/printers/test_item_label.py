"""The item label (config/labels/item_label.zpl.j2) on 40 x 30 and 50 x 30 mm stock at 203 and 300 dpi: its
barcode scans back (EAN-13 when the item has one, else a Code 128 of the SKU), the names, variant, tag price,
lot and expiry are printed, copies repeat the label, and what cannot print is refused."""
from __future__ import annotations

import io

import pytest
import zplkit
import zxingcpp
from PIL import Image

from printers.documents import LabelProfile, item_label, load_samples
from tests.conftest import label_texts, renderable

ITEM = {"sku": "TB-1000", "ean13": "6901234567892", "name": {"en": "T-shirt", "zh": "T恤"},
        "variant": {"en": "Black / M", "zh": "黑色 / M"}, "tag_price_cents": 1290, "lot": "L2611",
        "expiry": "2027-06-30"}
STOCK = [{"dpi": dpi, "width_mm": width, "height_mm": 30} for dpi in (203, 300) for width in (40, 50)]


def scanned(zpl: str, profile: dict) -> list[list[tuple[str, str]]]:
    """Each label's barcodes as (format, text), read from the offline rendering as a scanner would."""
    label = LabelProfile.of(profile)
    document = zplkit.render(renderable(zpl), zplkit.Options(width=label.width, height=label.height, dpi=label.dpi))
    return [[(b.format.name, b.text) for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(page.png())))]
            for page in document.labels]


@pytest.mark.parametrize("profile", STOCK, ids=lambda p: f"{p['dpi']}dpi-{p['width_mm']}x30")
def test_an_item_with_an_ean13_prints_it_and_every_word(profile):
    zpl = item_label(ITEM, profile)
    assert scanned(zpl, profile) == [[("EAN13", "6901234567892")]]
    assert label_texts(zpl) == ["T恤", "T-shirt", "Black / M · 黑色 / M", "¥12.90", "Lot 批号 L2611",
                                "Exp 到期 2027-06-30"]
    label = LabelProfile.of(profile)
    assert zpl.startswith(f"^XA^CI28^PW{label.width}^LL{label.height}")
    assert "^A@N" in zpl and "E:ANMDS.TTF" in zpl  # the Chinese is drawn in the printer's Unicode font


@pytest.mark.parametrize("profile", STOCK, ids=lambda p: f"{p['dpi']}dpi-{p['width_mm']}x30")
def test_an_item_without_one_prints_a_code128_of_its_sku(profile):
    zpl = item_label(ITEM | {"ean13": "", "sku": "GEN01-BLA", "lot": "", "expiry": ""}, profile, copies=3)
    assert scanned(zpl, profile) == [[("Code128", "GEN01-BLA")]] * 3
    assert label_texts(zpl) == ["T恤", "T-shirt", "Black / M · 黑色 / M", "¥12.90"] * 3


def test_what_the_item_lacks_is_left_out():
    zpl = item_label({"sku": "HZK01", "name": {"en": "Gift set", "zh": ""}, "tag_price_cents": None},
                     STOCK[0])
    assert label_texts(zpl) == ["Gift set"]
    assert scanned(zpl, STOCK[0]) == [[("Code128", "HZK01")]]


def test_the_sample_previews():
    assert item_label(load_samples()["item_label"], STOCK[1]).count("^XA") == 1


@pytest.mark.parametrize("change", [{"ean13": "6901234567890"}, {"sku": "A^B"}, {"sku": ""},
                                    {"name": {"en": "", "zh": ""}}, {"tag_price_cents": -1},
                                    {"sku": "A-VERY-LONG-SKU-CODE", "ean13": ""}])
def test_what_cannot_print_is_refused(change):
    with pytest.raises(ValueError):
        item_label(ITEM | change, STOCK[0])  # a wrong check digit, ZPL in the SKU, too long a Code 128 for 40 mm


def test_stock_too_small_and_too_many_copies_are_refused():
    with pytest.raises(ValueError):
        item_label(ITEM, {"dpi": 203, "width_mm": 30, "height_mm": 20})
    with pytest.raises(ValueError):
        item_label(ITEM, STOCK[0], copies=0)
