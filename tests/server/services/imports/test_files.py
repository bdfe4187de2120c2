"""Spreadsheets in and out: text decoded strictly (never garbled), cells written out that no spreadsheet
runs as a formula."""
import csv
import io

import pytest

from server.domain.errors import WmsError
from server.services.imports.files import decode_text, safe_cell, to_csv
from server.services.reports.report_queries import Column
from server.services.reports import report_queries


@pytest.mark.parametrize("cell, written", [
    ("=HYPERLINK(\"http://evil\",\"click\")", "'=HYPERLINK(\"http://evil\",\"click\")"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"), ("@SUM(A1:A9)", "'@SUM(A1:A9)"), ("-2+3", "'-2+3"),
    ("\t=1", "'\t=1"), ("王伟", "王伟"), ("-12.50", "-12.50"), ("+86", "+86"), ("12.5%", "12.5%"), (-3, -3),
    (None, None),
])
def test_a_cell_that_would_run_as_a_formula_is_written_as_text(cell, written):
    assert safe_cell(cell) == written


def test_a_report_csv_carries_no_formula():
    columns = [Column("name", "Name", "名称"), Column("qty", "Qty", "数量", "number")]
    text = report_queries.to_csv(columns, [{"name": "=1+2", "qty": -3}, {"name": "保温杯", "qty": 4}])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [["Name · 名称", "Qty · 数量"], ["'=1+2", "-3.00"], ["保温杯", "4.00"]]


def test_to_csv_writes_the_header_and_rows():
    assert to_csv(["a"], [["@x"]]) == "\ufeffa\r\n'@x\r\n"


@pytest.mark.parametrize("raw", [
    "库位,名称\n".encode() + "A-01,Café crème\n".encode("latin-1"),  # Latin-1 accents
    "商品,数量\n".encode("shift_jis") + "テスト,1\n".encode("shift_jis"),  # Japanese
])
def test_a_file_in_another_encoding_is_refused(raw):
    with pytest.raises(WmsError) as refused:
        decode_text(raw)
    assert refused.value.code in ("file_encoding", "file_encoding_mixed")


def test_utf8_with_bom_and_gbk_decode_to_the_same_text():
    text = "库位编码,商品名称\nA01-01-1,保温杯\n"
    assert decode_text(text.encode("utf-8-sig")) == decode_text(text.encode("gbk")) == text
