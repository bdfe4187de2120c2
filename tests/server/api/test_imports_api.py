"""POST /api/v1/imports/<kind> on the live demo server, with files that write nothing: strict encodings,
a column mapping for another system's file, the dry run, and who may import."""
import uuid

import pytest


def post(http, url, kind, name, raw, **params):
    return http.post(f"{url}/api/v1/imports/{kind}", params=params, files={"file": (name, raw)},
                     headers={"X-Requested-With": "test"}, timeout=30)


@pytest.fixture
def admin(live_server):
    return live_server.session("admin")


def test_a_latin1_file_is_refused_not_garbled(live_server, admin):
    raw = "库位编码,库区\nZ-01-01-1,Z\n".replace("库位编码", "code").replace("库区", "zone") + "Z-01-02-1,Zoné café\n"
    answer = post(admin, live_server.url, "bins", "bins.csv", raw.encode("latin-1"), dry_run=1)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "file_encoding"
    assert "UTF-8" in answer.json()["error"]["message"]["en"] and "UTF-8" in answer.json()["error"]["message"]["zh"]


def test_a_shift_jis_file_is_refused(live_server, admin):
    raw = "code,zone\nZ-01-01-1,倉庫ゾーン\n".encode("shift_jis")
    answer = post(admin, live_server.url, "bins", "bins.csv", raw, dry_run=1)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "file_encoding"


def test_a_utf8_file_with_one_gbk_row_names_both_lines(live_server, admin):
    raw = "库位编码,库区\n".encode() + "Z-01-01-1,存储区\n".encode() + "Z-01-02-1,存储区\n".encode("gbk")
    answer = post(admin, live_server.url, "bins", "bins.csv", raw, dry_run=1)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "file_encoding_mixed"
    message = answer.json()["error"]["message"]
    assert "line 3" in message["en"] and "第 3 行不是" in message["zh"]


def test_a_gbk_file_reads_as_chinese(live_server, admin):
    zone = "Q"  # the demo's quarantine zone: its bins exist, so the dry run plans them unchanged or changed
    raw = f"库位编码,库区,库位类型\n{zone}-01-01-1,{zone},次品区\n".encode("gbk")
    answer = post(admin, live_server.url, "bins", "bins.csv", raw, dry_run=1)
    assert answer.status_code == 200, answer.text
    assert answer.json()["errors"] == [] and answer.json()["rows"] == 1 and not answer.json()["written"]


def test_another_systems_columns_are_matched_by_a_mapping(live_server, admin):
    code = f"X-{uuid.uuid4().int % 90 + 10:02d}-01-1"
    raw = f"Location,Area,Slots\n{code},X,40\n".encode()
    unmapped = post(admin, live_server.url, "bins", "wms-export.csv", raw, dry_run=1)
    assert unmapped.status_code == 400 and unmapped.json()["error"]["code"] == "import_columns_missing"
    message = unmapped.json()["error"]["message"]
    assert "库位编码" in message["zh"] and "Location" in message["en"]
    mapped = post(admin, live_server.url, "bins", "wms-export.csv", raw, dry_run=1,
                  mapping='{"code": "Location", "zone": "Area", "capacity": "Slots"}')
    assert mapped.status_code == 200, mapped.text
    assert mapped.json()["created"] == 1 and mapped.json()["plan"][0]["changes"]["capacity"] == [None, 40]
    assert admin.get(f"{live_server.url}/api/v1/bins/{code}", timeout=10).status_code == 404  # a dry run


def test_a_wrong_row_refuses_the_file_with_422_and_writes_nothing(live_server, admin):
    raw = "商品编码,商品名称,国标码\nNEW-OK-1,好货,\nNEW-BAD-1,坏货,6901234567890\n".encode()
    answer = post(admin, live_server.url, "items", "items.csv", raw)
    assert answer.status_code == 422 and not answer.json()["written"]
    assert [(e["row"], e["column"], e["code"]) for e in answer.json()["errors"]] == [
        (3, "国标码", "import_bad_check_digit")]
    assert admin.get(f"{live_server.url}/api/v1/items?q=NEW-OK-1", timeout=10).json() == []


def test_only_roles_that_manage_the_master_may_import_and_unknown_kinds_are_named(live_server, admin):
    raw = b"code\nZ-01-01-1\n"
    for role in ("picker", "supervisor", "viewer"):
        refused = post(live_server.session(role), live_server.url, "bins", "bins.csv", raw, dry_run=1)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden", role
    unknown = post(admin, live_server.url, "pallets", "p.csv", raw)
    assert unknown.status_code == 400 and "items" in unknown.json()["error"]["message"]["en"]


def test_an_exported_master_runs_no_formula_from_a_name(live_server, admin):
    import io

    import openpyxl

    sku = f"EVIL-{uuid.uuid4().hex[:6].upper()}"
    made = admin.post(f"{live_server.url}/api/v1/items", json={"sku": sku, "name_zh": '=HYPERLINK("http://x","点")'},
                      timeout=10)
    assert made.status_code == 201, made.text
    text = admin.get(f"{live_server.url}/api/v1/items/export", params={"format": "csv"}, timeout=30).text
    assert f"{sku},'=HYPERLINK" in text.replace('"', "")
    book = openpyxl.load_workbook(io.BytesIO(admin.get(f"{live_server.url}/api/v1/items/export", timeout=30).content))
    [row] = [r for r in book.active.iter_rows() if r[1].value == sku]
    assert row[2].data_type == "s" and row[2].value.startswith("'=HYPERLINK")
