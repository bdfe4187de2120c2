"""Packing-station documents: they scan back, fit the printer's stock at either resolution, paginate
long lists, carry Chinese as UTF-8, follow edited templates, and refuse unsafe input or templates."""

from __future__ import annotations

import copy
import io
import math
import os
import re
import shutil
from pathlib import Path

import pytest
import zplkit
import zxingcpp
from PIL import Image

from printers.documents import (
    DEFAULT_TEMPLATES,
    PACKING_LIST_TABLE,
    LabelProfile,
    LabelTemplateError,
    DOCUMENTS,
    code128_data,
    exchange_notice,
    load_samples,
    packing_list,
    shipping_label,
)
from tests.conftest import label_texts

PROFILES = {
    "4x6in-203dpi": {"dpi": 203, "width_mm": 101.6, "height_mm": 152.4},
    "4x6in-300dpi": {"dpi": 300, "width_mm": 101.6, "height_mm": 152.4},
    "100x150mm-203dpi": {"dpi": 203, "width_mm": 100, "height_mm": 150},
    "100x150mm-300dpi": {"dpi": 300, "width_mm": 100, "height_mm": 150},
}


def a_parcel(**changes) -> dict:
    parcel = {
        "order": "2567012345678901", "channel": "taobao",
        "carrier": {"code": "SF", "name_en": "SF Express", "name_zh": "顺丰速运"},
        "service": {"en": "Standard", "zh": "标快"}, "tracking": "SF1000000017",
        "recipient": {"name": "张三", "phone": "138****0000", "address": "浙江省杭州市西湖区文三路 100 号"},
        "sender": {"name": "杭州云仓", "phone": "0571-88880000", "address": "浙江省杭州市余杭区良睦路 1399 号"},
        "parcel_no": 1, "parcels": 2, "weight_g": 1250, "packed_at": "2026-11-23T10:00:00Z", "items": 3,
    }
    return parcel | changes


def an_order_of(lines: int, **changes) -> dict:
    return {
        "order": "2567012345678901", "channel": "taobao", "customer": "张三", "parcel_no": 1, "parcels": 1,
        "packed_by": "packer01", "packed_at": "2026-11-23T10:00:00Z", "note": "易碎品 Fragile",
        "lines": [{"sku": f"SKU-{n:04d}", "name": {"en": "T-shirt", "zh": "T恤"},
                   "variant": {"en": "Black / M", "zh": "黑色 / M"}, "qty": 1 + n % 3} for n in range(lines)],
    } | changes


def an_exchange(**changes) -> dict:
    return {
        "notice": "EXN-000012", "order": "2567012345679999", "original_order": "2567012345678901",
        "customer": "张三", "reason": "尺码不合适 Size too small",
        "lines": [{"sku": "SKU-0001", "name": {"en": "T-shirt", "zh": "T恤"},
                   "variant": {"en": "Black / L", "zh": "黑色 / L"}, "qty": 1}],
    } | changes


def renderable(zpl: str) -> str:
    """zplkit has no CJK glyphs and no E:ANMDS.TTF: draw those fields in font 0, Chinese as "?"."""
    zpl = re.sub(r"\^A@N,(\d+),(\d+),[^^]*", r"^A0N,\1,\2", zpl)
    return "".join(c if ord(c) < 0x100 else "?" for c in zpl)


def render(zpl: str, profile: dict) -> list[Image.Image]:
    label = LabelProfile.of(profile)
    options = zplkit.Options(width=label.width, height=label.height, dpi=label.dpi)
    return [Image.open(io.BytesIO(scene.png())) for scene in zplkit.render(renderable(zpl), options).labels]


def barcodes(image: Image.Image) -> set[str]:
    return {barcode.text for barcode in zxingcpp.read_barcodes(image)}


def pages(zpl: str) -> list[str]:
    return re.findall(r"\^XA.*?\^XZ", zpl, flags=re.S)


def field_data(zpl: str) -> list[str]:
    return re.findall(r"\^FD(.*?)\^FS", zpl)


@pytest.mark.parametrize("profile", PROFILES.values(), ids=PROFILES.keys())
def test_a_shipping_label_scans_back_to_its_tracking_and_order_numbers(profile: dict) -> None:
    (image,) = render(shipping_label(a_parcel(), profile), profile)

    assert barcodes(image) == {"SF1000000017", "2567012345678901"}
    assert image.size == (LabelProfile.of(profile).width, LabelProfile.of(profile).height)


@pytest.mark.parametrize(
    "tracking", ["JT0001234567890", "773012345678", "YT12345ABC6789012", "A123456B", "1234567", "A1"])
def test_tracking_numbers_of_any_shape_scan_back(tracking: str) -> None:
    (image,) = render(shipping_label(a_parcel(tracking=tracking), None), PROFILES["4x6in-203dpi"])

    assert tracking in barcodes(image)


@pytest.mark.parametrize("profile", PROFILES.values(), ids=PROFILES.keys())
def test_every_format_speaks_utf8_and_is_sized_from_the_printer_profile(profile: dict) -> None:
    label = LabelProfile.of(profile)
    for document in (shipping_label(a_parcel(), profile), packing_list(an_order_of(25), profile),
                     exchange_notice(an_exchange(), profile)):
        for page in pages(document):
            assert page.startswith(f"^XA^CI28^PW{label.width}^LL{label.height}")
        assert document.count("^XA") == document.count("^XZ") == len(pages(document))


def test_the_shipping_label_carries_chinese_as_utf8_in_the_unicode_font() -> None:
    zpl = shipping_label(a_parcel(), None)

    for chinese in ("顺丰速运", "标快", "张三", "浙江省杭州市西湖区文三路 100 号", "第1件 共2件",
                    "收件人", "寄件人"):
        assert chinese in zpl
        assert zpl.index("^CI28") < zpl.index(chinese)
    assert re.search(r"\^A@N,\d+,\d+,E:ANMDS\.TTF\^FB[^^]*\^FH_\^FD张三", zpl)
    assert "张三".encode() in zpl.encode("utf-8")
    assert "Parcel 1 of 2" in zpl and "1.25 kg" in zpl


def test_the_chinese_font_comes_from_the_profile() -> None:
    zpl = shipping_label(a_parcel(), {"dpi": 203, "width_mm": 101.6, "height_mm": 152.4,
                                      "chinese_font": "E:SIMSUN.TTF"})

    assert "E:SIMSUN.TTF" in zpl and "E:ANMDS.TTF" not in zpl


def test_a_parcel_without_weight_leaves_the_weight_out() -> None:
    assert " kg" not in shipping_label(a_parcel(weight_g=None), None)


def test_a_long_packing_list_spans_several_labels_with_every_line_exactly_once() -> None:
    profile = PROFILES["4x6in-203dpi"]
    order = an_order_of(40)
    zpl = packing_list(order, profile)
    per_page = PACKING_LIST_TABLE.rows_per_page(LabelProfile.of(profile))
    count = math.ceil(40 / per_page)

    assert count > 1 and len(pages(zpl)) == count
    data = field_data(zpl)
    for line in order["lines"]:
        assert sum(line["sku"] in field for field in data) == 1, line["sku"]
    for number, page in enumerate(pages(zpl), 1):
        assert f"Page 页 {number}/{count}" in page
        assert "Packing list · 发货清单" in page and "张三" in page
    total = sum(line["qty"] for line in order["lines"])
    assert f"合计 {total} 件" in pages(zpl)[-1] and "合计" not in pages(zpl)[0]


def test_every_page_of_a_packing_list_scans_back_to_the_order_number() -> None:
    profile = PROFILES["4x6in-300dpi"]
    images = render(packing_list(an_order_of(40), profile), profile)

    assert len(images) > 1
    assert all(barcodes(image) == {"2567012345678901"} for image in images)


def test_taller_stock_holds_more_lines_and_resolution_changes_nothing() -> None:
    order = an_order_of(40)
    four_by_six = len(pages(packing_list(order, {"dpi": 203, "width_mm": 101.6, "height_mm": 152.4})))
    at_300_dpi = len(pages(packing_list(order, {"dpi": 300, "width_mm": 101.6, "height_mm": 152.4})))
    four_by_eight = len(pages(packing_list(order, {"dpi": 203, "width_mm": 101.6, "height_mm": 203.2})))

    assert at_300_dpi == four_by_six
    assert four_by_eight < four_by_six


def test_a_short_packing_list_is_one_label_with_its_total() -> None:
    zpl = packing_list(an_order_of(2), None)

    assert len(pages(zpl)) == 1
    assert "Page 页 1/1" in zpl and "合计 3 件" in zpl and "易碎品 Fragile" in zpl


@pytest.mark.parametrize("profile", PROFILES.values(), ids=PROFILES.keys())
def test_an_exchange_notice_scans_back_to_its_notice_number(profile: dict) -> None:
    zpl = exchange_notice(an_exchange(), profile)
    (image,) = render(zpl, profile)

    assert barcodes(image) == {"EXN-000012"}
    assert "换货单" in zpl and "2567012345678901" in zpl and "尺码不合适 Size too small" in zpl


def test_long_text_wraps_inside_the_label_and_is_cut_after_its_last_line() -> None:
    address = "浙江省杭州市西湖区文三路 100 号 " * 12
    profile = PROFILES["100x150mm-203dpi"]
    zpl = shipping_label(a_parcel(recipient={"name": "欧阳" * 30, "phone": "1", "address": address}), profile)
    width = LabelProfile.of(profile).width

    for x, block in re.findall(r"\^FO(\d+),\d+\^A[^^]*\^FB(\d+)", zpl):
        assert int(x) + int(block) <= width
    (address_field,) = re.findall(r"\^FB\d+,3,[^^]*\^FH_\^FD(浙江[^^]*)\^FS", zpl)
    assert address_field.count("\\&") == 2 and address_field.endswith("...")
    assert render(zpl, profile)  # the layout still renders


def test_field_data_cannot_inject_zpl_commands() -> None:
    zpl = shipping_label(a_parcel(recipient={"name": "A^XZ~JA_", "phone": "^FS", "address": "x"}), None)

    assert zpl.count("^XZ") == 1 and "~" not in zpl
    assert "A_5EXZ_7EJA_5F" in zpl and "_5EFS" in zpl


def test_code128_uses_subset_c_for_runs_of_digits() -> None:
    assert code128_data("2567012345678901") == (">;2567012345678901", 10)
    assert code128_data("SF1000000017") == (">:SF>51000000017", 10)
    assert code128_data("EXN-000012") == (">:EXN->5000012", 10)
    assert code128_data("1234567") == (">:1>5234567", 7)
    assert code128_data("A123456B") == (">:A>5123456>6B", 9)
    assert code128_data("A12B") == (">:A12B", 6)


def test_an_edited_template_in_another_directory_is_picked_up(tmp_path: Path) -> None:
    templates = tmp_path / "labels"
    shutil.copytree(DEFAULT_TEMPLATES, templates)
    shipping = templates / "shipping_label.zpl.j2"
    shipping.write_text(shipping.read_text(encoding="utf-8") + '{{ text(margin, 135, "FRAGILE 易碎") }}\n',
                        encoding="utf-8")

    assert "FRAGILE 易碎" in shipping_label(a_parcel(), None, templates=templates)
    assert "FRAGILE" not in shipping_label(a_parcel(), None)

    shipping.write_text('{{ text(margin, 3, "edited again " ~ parcel.tracking) }}\n', encoding="utf-8")
    later = shipping.stat().st_mtime + 5  # the loader notices changes by modification time
    os.utime(shipping, (later, later))
    assert "edited again SF1000000017" in shipping_label(a_parcel(), None, templates=templates)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{{ parcel.__class__.__mro__ }}", "unsafe"),
        ("{{ text.__func__.__globals__ }}", "unsafe"),
        ("{{ text.__self__.profile }}", "unsafe"),
        ("{% for n in range(10**9) %}{% endfor %}", "range"),
        ("{{ no_such_helper(1) }}", "no_such_helper"),
        ("{{ text(margin, 3, 'x') }}^XZ^XA", "^XA and ^XZ are added for you"),
        ("{% if %}", "shipping_label.zpl.j2"),
    ],
    ids=["dunder", "globals", "private-state", "huge-range", "unknown-name", "format-break", "syntax"],
)
def test_a_template_the_sandbox_forbids_is_refused_with_a_clear_error(tmp_path: Path, body: str,
                                                                      message: str) -> None:
    (tmp_path / "shipping_label.zpl.j2").write_text(body, encoding="utf-8")

    with pytest.raises(LabelTemplateError, match=re.escape(message)):
        shipping_label(a_parcel(), None, templates=tmp_path)


def test_the_shipping_label_footer_says_the_order_channel_and_how_many_items() -> None:
    texts = label_texts(shipping_label(a_parcel(items=3), None))

    footer = next(text for text in texts if text.startswith("Order 订单"))
    assert footer.startswith("Order 订单 · Taobao 淘宝 · 3 items 件 · packed 打包 2026-11-23")  # time: docs/labels.md


@pytest.mark.parametrize("name", ["shipping_label", "packing_list", "exchange_notice", "badge", "rtv_dispatch_note"])
def test_no_label_prints_a_python_object_instead_of_a_value(name: str) -> None:
    """Every template rendered with its demo data (config/labels/samples.json): no method or object
    printed where a value belongs (a dict's `.items` read as the method printed one on every label)."""
    zpl = DOCUMENTS[name](load_samples()[name], {"dpi": 203, "width_mm": 101.6, "height_mm": 152.4})

    printed = " ".join(label_texts(zpl))
    assert printed and not re.search(r"<built-in|<bound method|object at 0x|<function", printed)


def test_the_packing_list_names_the_channel_and_an_unknown_channel_prints_as_it_came() -> None:
    assert "Taobao 淘宝" in label_texts(packing_list(an_order_of(1)))
    assert "Kuaishou" in label_texts(packing_list(an_order_of(1, channel="Kuaishou")))


def test_a_template_that_prints_a_method_is_refused(tmp_path: Path) -> None:
    (tmp_path / "shipping_label.zpl.j2").write_text("{{ parcel.get }}", encoding="utf-8")

    with pytest.raises(LabelTemplateError, match="not a value"):
        shipping_label(a_parcel(), None, templates=tmp_path)


def test_a_missing_template_is_named() -> None:
    with pytest.raises(LabelTemplateError, match="shipping_label.zpl.j2"):
        shipping_label(a_parcel(), None, templates="/nonexistent")


def _without(key: str) -> dict:
    parcel = a_parcel()
    del parcel[key]
    return parcel


@pytest.mark.parametrize(
    "parcel",
    [
        _without("tracking"), a_parcel(tracking=""), a_parcel(tracking="SF100^XZ"), a_parcel(tracking="SF>5100"),
        a_parcel(tracking="SF~JA"), a_parcel(tracking="顺丰123"), a_parcel(tracking="SF 1000"),
        a_parcel(tracking="X" * 41), a_parcel(order="25^67"), _without("order"),
        a_parcel(recipient={"name": "张三"}), a_parcel(parcel_no=3, parcels=2), a_parcel(parcel_no=0),
        a_parcel(weight_g=-1), a_parcel(weight_g="heavy"), a_parcel(carrier={}),
    ],
    ids=["no-tracking", "empty-tracking", "caret", "code128-invocation", "tilde", "chinese", "space", "long",
         "order-caret", "no-order", "no-address", "parcel-3-of-2", "parcel-0", "negative-weight", "text-weight",
         "no-carrier"],
)
def test_a_parcel_the_label_cannot_carry_is_refused(parcel: dict) -> None:
    with pytest.raises(ValueError):
        shipping_label(parcel, None)


@pytest.mark.parametrize(
    "change",
    [{"lines": []}, {"lines": [{"sku": "A", "qty": 0}]}, {"lines": [{"sku": "", "qty": 1}]},
     {"lines": [{"sku": "A", "qty": 1.5}]}, {"order": "A^B"}, {"customer": ""}],
    ids=["no-lines", "zero-qty", "no-sku", "fractional-qty", "order-caret", "no-customer"],
)
def test_a_packing_list_the_label_cannot_carry_is_refused(change: dict) -> None:
    with pytest.raises(ValueError):
        packing_list(an_order_of(3) | change, None)


@pytest.mark.parametrize("change", [{"notice": "EXN^1"}, {"notice": ""}, {"reason": ""}, {"original_order": None}])
def test_an_exchange_notice_the_label_cannot_carry_is_refused(change: dict) -> None:
    with pytest.raises(ValueError):
        exchange_notice(an_exchange() | change, None)


@pytest.mark.parametrize(
    "profile",
    [{"dpi": 600}, {"dpi": 203, "width_mm": 5}, {"dpi": 203, "height_mm": "tall"},
     {"dpi": 203, "chinese_font": "E:X.TTF^XZ"}, {"dpi": 203, "height_mm": 101.6}],
    ids=["dpi", "too-narrow", "not-a-number", "font-injection", "too-short-for-a-shipping-label"],
)
def test_a_profile_the_printer_cannot_use_is_refused(profile: dict) -> None:
    with pytest.raises(ValueError):
        shipping_label(a_parcel(), profile)


def test_a_packing_list_on_stock_too_short_for_its_table_is_refused() -> None:
    with pytest.raises(ValueError, match="lines"):
        packing_list(an_order_of(3), {"dpi": 203, "width_mm": 101.6, "height_mm": 60})


def test_documents_do_not_change_the_data_they_are_given() -> None:
    order = an_order_of(30)
    before = copy.deepcopy(order)
    packing_list(order, None)

    assert order == before
