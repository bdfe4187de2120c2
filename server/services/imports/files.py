"""Spreadsheets in: an XLSX sheet or a CSV file as rows of text, numbered as the person sees them.

CSV text is UTF-8 (with or without BOM) or GBK/GB18030, decided by decoding and never guessed into
garbage: GB18030 takes almost any bytes, so text decoded as GBK must also read as Chinese (below)."""
from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import openpyxl

from server.domain.errors import WmsError, Words


@dataclass
class Sheet:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as in the file: the header is row 1, cells as text)


def read_sheet(raw: bytes, filename: str = "", sheet_names: tuple[str, ...] = ()) -> Sheet:
    """The first sheet (or the first of `sheet_names` present) of an XLSX file, or a CSV file."""
    if raw[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm")):
        return _xlsx(raw, sheet_names)
    return _csv(decode_text(raw))


def _xlsx(raw: bytes, sheet_names: tuple[str, ...]) -> Sheet:
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        # openpyxl's and zipfile's words are English only: the Chinese says what is wrong in general.
        raise WmsError("file_unreadable", detail=Words(str(error)[:200] or "not an XLSX workbook",
                                                       "不是可以读取的 XLSX 工作簿")) from None
    try:
        sheet = next((book[name] for name in sheet_names if name in book.sheetnames), book.worksheets[0])
        lines = [(number, [_cell_text(value) for value in values])
                 for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        book.close()
    return _sheet(lines)


def _cell_text(value: object) -> str:
    """A cell as the person typed it: 24 not 24.0, 0.32 not 0.32000000000000001, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _csv(text: str) -> Sheet:
    try:
        lines = [(number, [cell.strip() for cell in row])
                 for number, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1)]
    except csv.Error as error:
        raise WmsError("file_unreadable", detail=Words(str(error), "CSV 格式有误，无法按行和列读取")) from None
    return _sheet(lines)


def _sheet(lines: list[tuple[int, list[str]]]) -> Sheet:
    lines = [(number, cells) for number, cells in lines if any(cells)]
    if not lines:
        raise WmsError("file_empty")
    (_, header), *rows = lines
    width = len(header)
    return Sheet([h.strip().lstrip("\ufeff") for h in header], [(n, (cells + [""] * width)[:max(width, len(cells))])
                                                              for n, cells in rows])


def decode_text(raw: bytes) -> str:
    """UTF-8 (BOM or not), else GBK/GB18030 that reads as Chinese; anything else is refused, never garbled."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    lines = raw.split(b"\n")
    for number, line in enumerate(lines, start=1):
        if not line.isascii() and _utf8_chinese(line):
            # Some lines are UTF-8 Chinese and some are not: one file saved in two encodings.
            bad = next(n for n, other in enumerate(lines, start=1) if not _is_utf8(other))
            raise WmsError("file_encoding_mixed", line=bad, utf8_line=number)
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        raise WmsError("file_encoding") from None
    if not _reads_as_chinese(text):
        raise WmsError("file_encoding")
    return text


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _utf8_chinese(line: bytes) -> bool:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


_ASCII = re.compile(r"[\x00-\x7f]+")
_PUNCTUATION = set("·×÷—–‘’“”…‰′″℃№、。〈〉《》「」『』【】〔〕（），：；！？～　")


def _reads_as_chinese(text: str) -> bool:
    """Text decoded as GBK is Chinese when its characters are the common ones (GB2312) with few exceptions.
    Latin-1 or Shift-JIS bytes decode as GBK too, but into rare characters of its extension areas."""
    # Judged by distinct character, weighted by how often it occurs: a 双11 export of 100,000 lines holds
    # a few thousand distinct characters among millions (one at a time took 4 s of a 100k import).
    total = len(text) - len(text.encode("ascii", "ignore"))
    unusual: list[str] = []
    for ch in set(text):
        if ch.isascii():
            continue
        category = unicodedata.category(ch)
        if category in ("Co", "Cn", "Cs") or (category == "Cc" and ch not in "\r\n\t"):
            return False
        if ch in _PUNCTUATION or "\uff01" <= ch <= "\uff5e":
            continue
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            unusual.append(ch)
    if len(unusual) > 50:  # many rare characters: count them all at once
        counts = Counter(_ASCII.sub("", text))
        return sum(counts[ch] for ch in unusual) * 20 <= total
    return sum(text.count(ch) for ch in unusual) * 20 <= total  # a rare name (喆, 堃) among common words


# --- spreadsheets out -----------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?%?")


def safe_cell(value: object) -> object:
    """A cell a spreadsheet will not run: text starting with = + - @ (or a tab or CR) gets a leading
    apostrophe, as OWASP advises against CSV injection — a customer's name "=HYPERLINK(…)" stays text.
    Numbers, negative ones included, stay numbers."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_START) or _NUMBER.fullmatch(value):
        return value
    return "'" + value


def to_csv(header: list[str], rows: Iterable[Iterable[object]]) -> str:
    """UTF-8 with a byte-order mark first (without it Excel reads Chinese as GBK and garbles it); every
    cell made safe (safe_cell)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return "\ufeff" + out.getvalue()
