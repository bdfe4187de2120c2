"""ISO 2859-1 / Z1.4 plans: the tables against the generator in sampling.md, published cells, and
the arrows that many charts get wrong."""
import pytest

from server.domain.sampling import (AQLS, LEVELS, IsoDoublePlan, IsoPlan, code_letter, iso_double_plan,
                                    iso_single_plan)

LETTERS = "ABCDEFGHJKLMNPQR"
NORMAL_N = dict(zip(LETTERS, (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000),
                    strict=True))
REDUCED_N = dict(zip(LETTERS, (2, 2, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800), strict=True))
# A lot size whose level-II code letter is each letter A…R (level II stops at Q, level III reaches R).
LOT_FOR_LETTER = {"A": (5, "II"), "B": (10, "II"), "C": (20, "II"), "D": (40, "II"), "E": (60, "II"),
                  "F": (100, "II"), "G": (200, "II"), "H": (400, "II"), "J": (1000, "II"),
                  "K": (2000, "II"), "L": (5000, "II"), "M": (20000, "II"), "N": (100000, "II"),
                  "P": (300000, "II"), "Q": (600000, "II"), "R": (600000, "III")}


def generated_normal(row, column):
    """sampling.md §3's generator for Table II-A: (plan row, Ac, Re)."""
    z = 14 - column
    d = row - z
    if column == 15 and row == 0:
        return 2, 1, 2  # AQL 10, row A: ↓ to C
    if d <= 1:
        return z, 0, 1
    if d == 2:
        return (z + 3, 1, 2) if z + 3 <= 15 else (z, 0, 1)
    ladder = [(1, 2), (2, 3), (3, 4), (5, 6), (7, 8), (10, 11), (14, 15), (21, 22)]
    if d <= 10:
        return (row, *ladder[d - 3])
    return (z + 10, 21, 22)


def generated_tightened(row, column):
    """sampling.md §3's tightened generator (row 16 is the extra n = 3150); AQL 10 row A is ↓ to D,
    as in the published Table II-B."""
    if column == 15 and row == 0:
        return 3, 1, 2
    z = 15 - column
    d = row - z
    if d <= 0:
        return z, 0, 1
    if d <= 2:
        return (z + 3, 1, 2) if z + 3 <= 16 else (z, 0, 1)
    ladder = [(1, 2), (2, 3), (3, 4), (5, 6), (8, 9), (12, 13), (18, 19)]
    if d <= 9:
        return (row, *ladder[d - 3])
    return (z + 9, 18, 19)


REDUCED_LADDER = {(0, 1): (0, 1), (1, 2): (0, 2), (2, 3): (1, 3), (3, 4): (1, 4), (5, 6): (2, 5),
                  (7, 8): (3, 6), (10, 11): (5, 8), (14, 15): (7, 10), (21, 22): (10, 13)}


@pytest.mark.parametrize("letter", LETTERS)
def test_every_normal_cell_matches_the_generator_of_table_ii_a(letter):
    lot, level = LOT_FOR_LETTER[letter]
    for column, aql in enumerate(AQLS):
        row, ac, re = generated_normal(LETTERS.index(letter), column)
        plan = iso_single_plan(lot, aql, level)
        assert (plan.plan_letter, plan.ac, plan.re) == (LETTERS[row], ac, re), (letter, aql)
        assert plan.n == min(lot, NORMAL_N[LETTERS[row]])


@pytest.mark.parametrize("letter", LETTERS)
def test_every_tightened_cell_matches_the_generator_of_table_ii_b(letter):
    lot, level = LOT_FOR_LETTER[letter]
    for column, aql in enumerate(AQLS):
        row, ac, re = generated_tightened(LETTERS.index(letter), column)
        plan = iso_single_plan(lot, aql, level, "tightened")
        assert (plan.plan_letter, plan.ac, plan.re) == ((LETTERS + "S")[row], ac, re), (letter, aql)
        assert plan.n == min(lot, 3150 if row == 16 else NORMAL_N[LETTERS[row]])


@pytest.mark.parametrize("letter", LETTERS)
def test_every_reduced_cell_is_the_normal_cell_with_the_reduced_sample_and_ladder(letter):
    lot, level = LOT_FOR_LETTER[letter]
    for aql in AQLS:
        normal = iso_single_plan(lot, aql, level)
        reduced = iso_single_plan(lot, aql, level, "reduced")
        assert reduced.plan_letter == normal.plan_letter
        assert (reduced.ac, reduced.re) == REDUCED_LADDER[(normal.ac, normal.re)]
        assert reduced.n == min(lot, REDUCED_N[reduced.plan_letter])


@pytest.mark.parametrize("lot_size, level, letter", [
    (1, "II", "A"), (8, "II", "A"), (9, "II", "B"), (8, "III", "B"), (50, "S-2", "B"), (90, "II", "E"),
    (280, "I", "E"), (1200, "II", "J"), (1201, "II", "K"), (10000, "S-4", "G"), (35000, "III", "N"),
    (500000, "II", "P"), (500001, "II", "Q"), (10**7, "S-1", "D"), (10**7, "III", "R"),
])
def test_code_letters_follow_table_i_at_the_row_boundaries(lot_size, level, letter):
    assert code_letter(lot_size, level) == letter


@pytest.mark.parametrize("lot_size, aql, level, state, letters, n, ac, re", [
    # sampling.md's worked cells
    (1000, 0.65, "II", "normal", "JJ", 80, 1, 2),
    (1000, 1.0, "II", "normal", "JJ", 80, 2, 3),
    (1000, 2.5, "II", "normal", "JJ", 80, 5, 6),
    (200, 1.0, "II", "normal", "GH", 50, 1, 2),
    (200, 2.5, "II", "normal", "GG", 32, 2, 3),
    (200, 4.0, "II", "normal", "GG", 32, 3, 4),
    (1000, 1.0, "II", "tightened", "JJ", 80, 1, 2),
    (1000, 2.5, "II", "tightened", "JJ", 80, 3, 4),
    # published Z1.4 / MIL-STD-105E cells, arrows included
    (40, 2.5, "II", "normal", "DC", 5, 0, 1),          # ↑ (a chart ignoring arrows says 1/2)
    (100, 0.25, "II", "normal", "FH", 50, 0, 1),        # ↓ to H
    (10, 6.5, "II", "normal", "BA", 2, 0, 1),           # ↑ to A
    (3000, 1.5, "S-3", "normal", "ED", 8, 0, 1),        # ↑ to D
    (500, 4.0, "I", "normal", "FF", 20, 2, 3),
    (5000, 0.65, "II", "normal", "LL", 200, 3, 4),
    (50000, 0.10, "III", "normal", "PP", 800, 2, 3),
    (3000, 10.0, "II", "normal", "KK", 125, 21, 22),
    (5000, 10.0, "II", "normal", "LK", 125, 21, 22),    # ↑ above 21/22
    (10**6, 0.010, "III", "normal", "RQ", 1250, 0, 1),  # ↑ to Q
    (10**6, 0.015, "III", "normal", "RP", 800, 0, 1),   # ↓ would leave the table: ↑ to P
    (5000, 4.0, "II", "tightened", "LL", 200, 12, 13),
    (10**6, 0.025, "III", "tightened", "RS", 3150, 1, 2),  # the extra tightened row
    (600000, 0.010, "II", "tightened", "QR", 2000, 0, 1),
    (1000, 1.0, "II", "reduced", "JJ", 32, 1, 3),
    (1000, 2.5, "II", "reduced", "JJ", 32, 2, 5),
    (200, 1.0, "II", "reduced", "GH", 20, 0, 2),
    (10000, 0.65, "II", "reduced", "LL", 80, 1, 4),
    (3000, 10.0, "II", "reduced", "KK", 50, 10, 13),
])
def test_plans_match_the_published_tables(lot_size, aql, level, state, letters, n, ac, re):
    plan = iso_single_plan(lot_size, aql, level, state)
    assert (plan.code_letter + plan.plan_letter, plan.n, plan.ac, plan.re) == (letters, n, ac, re)
    assert not plan.hundred_percent


def test_aql_10_on_a_tiny_lot_goes_down_to_letter_c_on_normal_and_d_on_tightened():
    assert (iso_single_plan(100, 10.0, "S-1").plan_letter, iso_single_plan(100, 10.0, "S-1").n) == ("C", 5)
    tightened = iso_single_plan(100, 10.0, "S-1", "tightened")
    assert (tightened.plan_letter, tightened.n, tightened.ac, tightened.re) == ("D", 8, 1, 2)


def test_a_sample_as_large_as_the_lot_means_inspecting_every_unit():
    plan = iso_single_plan(80, 0.010)  # E ↓ Q: n 1250 > 80
    assert (plan.n, plan.ac, plan.re, plan.hundred_percent) == (80, 0, 1, True)
    assert iso_single_plan(5, 10.0).hundred_percent  # A ↓ C: n 5 = N


def test_an_iso_plan_says_what_it_is_as_json():
    assert iso_single_plan(200, 1.0).as_dict() == {
        "policy": "iso2859", "lot_size": 200, "aql": 1.0, "level": "II", "state": "normal",
        "code_letter": "G", "plan_letter": "H", "n": 50, "ac": 1, "re": 2, "hundred_percent": False}


@pytest.mark.parametrize("args", [(1000, 2.0), (1000, 1.0, "IV"), (1000, 1.0, "II", "skip"),
                                  (1000, 1.0, "II", "discontinued"), (0, 1.0)])
def test_an_unknown_aql_level_or_state_is_refused(args):
    with pytest.raises(ValueError):
        iso_single_plan(*args)


def test_aqls_and_levels_are_the_standards():
    assert len(AQLS) == 16 and LEVELS[-1] == "III"
    assert iso_single_plan(1000, 0.1).aql == 0.10


@pytest.mark.parametrize("lot_size, aql, n, ac1, re1, ac2, re2", [
    (1000, 1.0, 50, 0, 3, 3, 4),
    (1000, 2.5, 50, 2, 5, 6, 7),
    (200, 1.0, 32, 0, 2, 1, 2),
    (200, 2.5, 20, 0, 3, 3, 4),
    (3000, 10.0, 80, 11, 16, 26, 27),
    (1000, 6.5, 50, 5, 9, 12, 13),
])
def test_double_plans_match_table_iii_a(lot_size, aql, n, ac1, re1, ac2, re2):
    plan = iso_double_plan(lot_size, aql)
    assert isinstance(plan, IsoDoublePlan)
    assert (plan.n1, plan.n2, plan.ac1, plan.re1, plan.ac2, plan.re2) == (n, n, ac1, re1, ac2, re2)


def test_where_table_iii_a_says_use_the_single_plan_the_single_plan_is_returned():
    assert isinstance(iso_double_plan(1000, 0.25), IsoPlan)  # a 0/1 single plan
    assert isinstance(iso_double_plan(5, 10.0), IsoPlan)  # code letter A
