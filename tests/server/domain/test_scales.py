"""Reading packing scales: MT-SICS answers and the continuous "ST,GS,+001.234kg" lines, in g, kg and lb."""
from __future__ import annotations

import pytest

from server.domain.scales import Reading, ScaleError, allowance, grams, parse, parse_continuous, parse_mt_sics


@pytest.mark.parametrize("line, expected", [
    ("S S     1.234 kg", Reading(1234, True, "S S     1.234 kg")),
    ("S S      850 g", Reading(850, True, "S S      850 g")),
    ("S D     1.230 kg", Reading(1230, False, "S D     1.230 kg")),
    ("SI D    0.412 kg\r\n", Reading(412, False, "SI D    0.412 kg")),
    ("S S     2.000 lb", Reading(907, True, "S S     2.000 lb")),
    ("S S    -0.005 kg", Reading(-5, True, "S S    -0.005 kg")),
])
def test_mt_sics_weights(line, expected):
    assert parse_mt_sics(line) == expected


@pytest.mark.parametrize("line, code", [("S I", "busy"), ("S +", "overload"), ("S -", "underload"),
                                        ("ES", "command_error"), ("ET", "command_error")])
def test_mt_sics_errors_are_no_weight(line, code):
    assert parse_mt_sics(line) == ScaleError(code, line)


@pytest.mark.parametrize("line, expected", [
    ("ST,GS,+001.234kg", Reading(1234, True, "ST,GS,+001.234kg")),
    ("US,GS,+001.190kg", Reading(1190, False, "US,GS,+001.190kg")),
    ("ST,NT,+000850g", Reading(850, True, "ST,NT,+000850g", net=True)),
    ("ST,GS,+0002.50lb", Reading(1134, True, "ST,GS,+0002.50lb")),
    ("st,gs,  +1.5 KG", Reading(1500, True, "st,gs,  +1.5 KG")),
    ("ST,GS,-000.010kg", Reading(-10, True, "ST,GS,-000.010kg")),
])
def test_continuous_weights(line, expected):
    assert parse_continuous(line) == expected


def test_overload_and_noise_are_no_weight():
    assert parse_continuous("OL,GS,+999.999kg") == ScaleError("overload", "OL,GS,+999.999kg")
    assert parse_continuous("") is None
    assert parse_continuous("ST,GS,heavy") is None
    assert parse_mt_sics("S") is None  # our own command echoed back
    assert parse("continuous", "ST,GS,+001.234kg").grams == 1234
    with pytest.raises(ValueError, match="protocol"):
        parse("morse", "ST,GS,+001.234kg")


def test_units_in_grams():
    assert grams("1.2345", "kg") == 1235  # half up to the gram
    assert grams("1", "lb") == 454
    assert grams("16", "oz") == 454
    with pytest.raises(ValueError, match="unit"):
        grams("1", "stone")


def test_the_larger_allowance_wins():
    assert allowance(500, 30, 3) == 30      # 3 % of 500 g is 15 g: the grams win
    assert allowance(5000, 30, 3) == 150    # 3 % of 5 kg is 150 g: the share wins
    assert allowance(1000, 30, 3) == 30
