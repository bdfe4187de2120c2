"""ISO 2859-1 / ANSI Z1.4 single sampling (and double sampling on normal inspection): the tables as
data, arrows resolved, and the plan for a lot."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from server.domain.errors import Words

LEVELS = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
AQLS = (0.010, 0.015, 0.025, 0.040, 0.065, 0.10, 0.15, 0.25, 0.40, 0.65, 1.0, 1.5, 2.5, 4.0, 6.5, 10.0)
STATES = ("normal", "tightened", "reduced")

# Table I: sample size code letters; a row holds lots up to its first column.
_CODE_LETTERS = """
lot_max  S-1 S-2 S-3 S-4  I  II  III
8         A   A   A   A   A   A   B
15        A   A   A   A   A   B   C
25        A   A   B   B   B   C   D
50        A   B   B   C   C   D   E
90        B   B   C   C   C   E   F
150       B   B   C   D   D   F   G
280       B   C   D   E   E   G   H
500       B   C   D   E   F   H   J
1200      C   C   E   F   G   J   K
3200      C   D   E   G   H   K   L
10000     C   D   F   G   J   L   M
35000     C   D   F   H   K   M   N
150000    D   E   G   J   L   N   P
500000    D   E   G   J   M   P   Q
inf       D   E   H   K   N   Q   R
"""

_LETTERS = "ABCDEFGHJKLMNPQR"  # the code letters (no I, no O)

# Sample size of each row of the master tables (tightened has an extra row S for AQL 0.025).
_SAMPLE_SIZES = {
    "normal": dict(zip(_LETTERS,
                       (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000), strict=True)),
    "tightened": dict(zip(_LETTERS + "S",
                          (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000, 3150),
                          strict=True)),
    "reduced": dict(zip(_LETTERS,
                        (2, 2, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800), strict=True)),
}

# Tables II-A, II-B, II-C as printed: Ac/Re, or ↓ (use the first plan below, its sample size too),
# ↑ (the first plan above); "-" is a cell no lot ever reaches. Columns: the AQLs above, in order.
_MASTER_TABLES = {
    "normal": """
A    ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓
B    ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓
C    ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2
D    ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3
E    ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4
F    ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6
G    ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8
H    ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11
J    ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15
K    ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22
L    ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑
M    ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑
N    ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑
P    ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑
Q  0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑
R    ↑     ↑   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑
""",
    "tightened": """
A    ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
B    ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓
C    ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓
D    ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2
E    ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3
F    ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4
G    ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6
H    ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9
J    ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13
K    ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19
L    ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑
M    ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑
N    ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑
P    ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑
Q    ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑
R  0/1     ↑     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑
S    -     -   1/2     -     -     -     -     -     -     -     -     -     -     -     -     -
""",
    # Z1.4 / MIL-STD-105E reduced plans: Re may exceed Ac + 1 (accept, but return to normal).
    "reduced": """
A    ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓
B    ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓
C    ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   0/2
D    ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   0/2   1/3
E    ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   0/2   1/3   1/4
F    ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5
G    ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6
H    ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8
J    ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10
K    ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13
L    ↓     ↓     ↓     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ↑
M    ↓     ↓     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ↑     ↑
N    ↓     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ↑     ↑     ↑
P    ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ↑     ↑     ↑     ↑
Q  0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ↑     ↑     ↑     ↑     ↑
R    ↑     ↑   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ↑     ↑     ↑     ↑     ↑     ↑
""",
}

# Table III-A: the double plan that replaces a single normal plan (Ac/Re) on the same cell:
# (Ac1, Re1, Ac2, Re2), each of the two samples the size of the row above the single plan's row.
_DOUBLE_LADDER = {(1, 2): (0, 2, 1, 2), (2, 3): (0, 3, 3, 4), (3, 4): (1, 4, 4, 5), (5, 6): (2, 5, 6, 7),
                  (7, 8): (3, 7, 8, 9), (10, 11): (5, 9, 12, 13), (14, 15): (7, 11, 18, 19),
                  (21, 22): (11, 16, 26, 27)}


def _parse_code_letters(text: str) -> tuple[tuple[float, dict[str, str]], ...]:
    header, *rows = text.split("\n")[1:-1]
    levels = header.split()[1:]
    return tuple((float(lot_max), dict(zip(levels, letters, strict=True)))
                 for lot_max, *letters in (row.split() for row in rows))


def _resolve(text: str, sizes: dict[str, int]) -> dict[tuple[str, int], tuple[str, int, int, int]]:
    """Every (letter, AQL column) → (plan row, n, Ac, Re), following the arrows."""
    grid = {row.split()[0]: row.split()[1:] for row in text.strip().split("\n")}
    letters = list(grid)
    plans = {}
    for start in _LETTERS:
        for column in range(len(AQLS)):
            row = letters.index(start)
            while (cell := grid[letters[row]][column]) in ("↓", "↑"):
                row += 1 if cell == "↓" else -1
            if cell == "-":
                raise AssertionError(f"table cell {start}/{AQLS[column]} leads nowhere")
            ac, re = (int(x) for x in cell.split("/"))
            plans[(start, column)] = (letters[row], sizes[letters[row]], ac, re)
    return plans


_TABLE_I = _parse_code_letters(_CODE_LETTERS)
_PLANS = {state: _resolve(_MASTER_TABLES[state], _SAMPLE_SIZES[state]) for state in STATES}


def _aql_column(aql: float) -> int:
    for column, known in enumerate(AQLS):
        if math.isclose(aql, known, rel_tol=1e-9):
            return column
    # Words, so that a page or an API refusing the plan can say it in Chinese too (str() stays English).
    raise ValueError(Words(f"AQL {aql} is not one of the standard's AQLs {AQLS}",
                           f"AQL {aql} 不是标准规定的 AQL 值（{'、'.join(f'{known:g}' for known in AQLS)}）"))


def code_letter(lot_size: int, level: str) -> str:
    """Table I: the sample size code letter of a lot at an inspection level."""
    if level not in LEVELS:
        raise ValueError(Words(f"unknown inspection level {level!r}; use one of {LEVELS}",
                               f"未知的检验水平 {level}：请从 {'、'.join(LEVELS)} 中选择"))
    if lot_size < 1:
        raise ValueError(Words("a lot has at least one unit", "一个批次至少要有一件"))
    return next(letters[level] for lot_max, letters in _TABLE_I if lot_size <= lot_max)


@dataclass(frozen=True)
class IsoPlan:
    """A single sampling plan: inspect n units; accept with at most Ac defectives, reject with Re or
    more. `code_letter` is the lot's letter, `plan_letter` the row used after following arrows."""

    lot_size: int
    aql: float
    level: str
    state: str
    code_letter: str
    plan_letter: str
    n: int
    ac: int
    re: int
    hundred_percent: bool

    def accept_but_return_to_normal(self, defects: int) -> bool:
        """Reduced inspection: a lot with Ac < defects < Re is accepted, but the supplier goes back to
        normal inspection."""
        return self.ac < defects < self.re

    def as_dict(self) -> dict[str, Any]:
        return {"policy": "iso2859", "lot_size": self.lot_size, "aql": self.aql, "level": self.level,
                "state": self.state, "code_letter": self.code_letter, "plan_letter": self.plan_letter,
                "n": self.n, "ac": self.ac, "re": self.re, "hundred_percent": self.hundred_percent}


def iso_single_plan(lot_size: int, aql: float, level: str = "II", state: str = "normal") -> IsoPlan:
    """The single sampling plan of ISO 2859-1 / Z1.4 for a lot; when the plan's sample is the whole
    lot or more, every unit is inspected (n = N, hundred_percent)."""
    if state not in STATES:
        raise ValueError(Words(f"unknown inspection state {state!r}; use one of {STATES}",
                               f"未知的检验严格度 {state}：请从 {'、'.join(STATES)} 中选择"))
    column = _aql_column(aql)
    letter = code_letter(lot_size, level)
    plan_letter, n, ac, re = _PLANS[state][(letter, column)]
    return IsoPlan(lot_size, AQLS[column], level, state, letter, plan_letter, min(n, lot_size), ac, re,
                   n >= lot_size)


@dataclass(frozen=True)
class IsoDoublePlan:
    """A double sampling plan (normal inspection): inspect n1; accept with ≤ Ac1 defectives, reject
    with ≥ Re1; otherwise inspect n2 more and accept with ≤ Ac2 defectives in all, reject with ≥ Re2."""

    lot_size: int
    aql: float
    level: str
    state: str
    code_letter: str
    plan_letter: str
    n1: int
    n2: int
    ac1: int
    re1: int
    ac2: int
    re2: int

    def as_dict(self) -> dict[str, Any]:
        return {"policy": "iso2859_double", "lot_size": self.lot_size, "aql": self.aql,
                "level": self.level, "state": self.state, "code_letter": self.code_letter,
                "plan_letter": self.plan_letter, "n1": self.n1, "n2": self.n2, "ac1": self.ac1,
                "re1": self.re1, "ac2": self.ac2, "re2": self.re2}


def iso_double_plan(lot_size: int, aql: float, level: str = "II") -> IsoDoublePlan | IsoPlan:
    """The double sampling plan on normal inspection (Table III-A). Where the table says "use the
    single plan" (*) — every cell whose single plan is 0/1, and the whole row of code letter A — or
    where the two samples would not fit in the lot, the single plan is returned instead."""
    single = iso_single_plan(lot_size, aql, level)
    if single.code_letter == "A" or (single.ac, single.re) not in _DOUBLE_LADDER:
        return single
    ac1, re1, ac2, re2 = _DOUBLE_LADDER[(single.ac, single.re)]
    each = _SAMPLE_SIZES["normal"][_LETTERS[_LETTERS.index(single.plan_letter) - 1]]
    if 2 * each > lot_size:
        return single
    return IsoDoublePlan(lot_size, single.aql, level, "normal", single.code_letter, single.plan_letter,
                         each, each, ac1, re1, ac2, re2)
