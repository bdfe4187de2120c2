"""The staff badge (config/labels/badge.zpl.j2): scans back to its badge code on bin-label stock and on 4 x 6
in, at either resolution, with the name, staff number and role in both languages; refuses what cannot print."""
from __future__ import annotations

import pytest

from printers.documents import LabelProfile, badge, load_samples
from tests.conftest import read_barcodes

PERSON = {"code": "BDG-E1001", "name": "王伟", "name_en": "Wang Wei", "employee_no": "E1001",
          "role": {"en": "picker", "zh": "拣货员"}}


@pytest.mark.parametrize("profile", [{"dpi": 203, "width_mm": 101.6, "height_mm": 50.8},
                                     {"dpi": 300, "width_mm": 101.6, "height_mm": 50.8},
                                     {"dpi": 203, "width_mm": 101.6, "height_mm": 152.4},
                                     {"dpi": 300, "width_mm": 100, "height_mm": 150}])
def test_a_badge_scans_back_to_its_code(profile):
    zpl = badge(PERSON, profile)
    label = LabelProfile.of(profile)
    assert read_barcodes(zpl, label.width, label.height, label.dpi) == [["BDG-E1001"]]
    for text in ("王伟", "Wang Wei", "E1001", "picker", "拣货员", "工号", "工牌"):
        assert text in zpl
    assert zpl.startswith(f"^XA^CI28^PW{label.width}^LL{label.height}")


def test_the_sample_is_a_badge_and_the_english_name_is_optional():
    assert badge(load_samples()["badge"]).count("^XA") == 1
    assert "Wang Wei" not in badge(PERSON | {"name_en": ""})


@pytest.mark.parametrize("change", [{"code": "BDG^E1"}, {"code": ""}, {"name": ""}])
def test_what_cannot_print_is_refused(change):
    with pytest.raises(ValueError):
        badge(PERSON | change)


def test_a_badge_needs_stock_tall_enough():
    with pytest.raises(ValueError):
        badge(PERSON, {"dpi": 203, "width_mm": 101.6, "height_mm": 30})
