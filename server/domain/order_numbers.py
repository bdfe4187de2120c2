"""What an order number may be: it is printed as a barcode on labels and packing lists and typed or
scanned at the station, so it must be short, printable and carried by Code 128 as it is.

Allowed: 1–40 characters, ASCII letters and digits and `- _ . / #`, starting with a letter or digit.
Marketplace numbers (Taobao's 19 digits, JD's, Pinduoduo's `YYMMDD-…`) all fit. Not allowed: spaces
(a scanner's wedge may end the field there), Chinese or full-width characters (Code 128 cannot carry
them), ZPL's `^` and `~` (they would end the label's field), control characters."""
from __future__ import annotations

import re

from server.domain.errors import WmsError

MAX_LENGTH = 40
_ALLOWED = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./#-]*")


def problem(number: str) -> WmsError | None:
    """Why this order number cannot be used, or None."""
    if not number:
        return WmsError("order_number_missing")
    if len(number) > MAX_LENGTH:
        return WmsError("order_number_too_long", order=number[:MAX_LENGTH] + "…", max=MAX_LENGTH)
    if not _ALLOWED.fullmatch(number):
        bad = next((c for c in number if not _ALLOWED.fullmatch(c) and c not in "_./#-"), number[0])
        shown = repr(bad)[1:-1] if not bad.isprintable() or bad.isspace() else bad
        return WmsError("order_number_characters", order=number.encode("unicode_escape").decode()[:60],
                        char=shown or " ")
    return None


def check(number: str) -> str:
    """The number, or `WmsError` saying what is wrong with it."""
    error = problem(number)
    if error is not None:
        raise error
    return number
