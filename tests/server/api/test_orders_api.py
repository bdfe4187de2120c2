"""Orders over REST on the live server: the Taobao/Tmall export pair (GBK) imports out of the box,
wrong orders stop at review with their reasons, a broken file imports nothing."""
import uuid
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent.parent / "data"
ORDERS = (DATA / "taobao-orders.csv").read_bytes()
ITEMS = (DATA / "taobao-order-items.csv").read_bytes()
# Uploads on the session cookie name themselves as scripted requests: no cross-site form can (docs/security.md).
UPLOAD = {"X-Requested-With": "test"}


@pytest.fixture(scope="module")
def taobao_import(live_server):
    http = live_server.session("supervisor")
    answer = http.post(f"{live_server.url}/api/v1/orders/import/taobao",
                       files={"orders": ("orders.csv", ORDERS), "items": ("items.csv", ITEMS)}, headers=UPLOAD,
                       timeout=30)
    assert answer.status_code == 201, answer.text
    return answer.json()


def reasons(report):
    return {stop["order"]: [r["code"] for r in stop["reasons"]] for stop in report["stopped"]}


def test_the_taobao_pair_imports_every_order_with_its_lines(taobao_import):
    assert len(taobao_import["imported"]) == 40
    first = next(o for o in taobao_import["imported"] if o["number"] == "3900648212591256970")
    assert [(ln["sku"], ln["qty"]) for ln in first["lines"]] == [
        ("TB01-1-XL", 1), ("TB02-2-L", 1), ("TB02-3-M", 1), ("TB04-3", 3)]
    assert first["customer_name"] == "郭丽" and first["phone"] == "13866201164" and first["carrier"] == "申通快递"


def test_the_wrong_rows_come_back_with_clear_reasons(taobao_import):
    stopped = reasons(taobao_import)
    assert stopped["3900980813951548483"] == ["unpaid"]
    assert stopped["3900311414340734374"] == ["order_closed"]
    assert stopped["3900864457375359470"] == ["missing_address"]
    assert [codes for codes in stopped.values() if codes == ["unknown_sku"]]
    closed = next(o for o in taobao_import["imported"] if o["number"] == "3900311414340734374")
    assert closed["status"] == "cancelled"
    assert len(stopped) == 4


def test_importing_the_same_pair_again_changes_nothing(live_server, taobao_import):
    again = live_server.session("supervisor").post(
        f"{live_server.url}/api/v1/orders/import/taobao",
        files={"orders": ("orders.csv", ORDERS), "items": ("items.csv", ITEMS)}, headers=UPLOAD, timeout=30).json()
    assert again["imported"] == [] and len(again["skipped"]) == 40


def test_a_stopped_order_cannot_be_released_and_says_why(live_server, taobao_import):
    answer = live_server.session("supervisor").post(
        f"{live_server.url}/api/v1/orders/3900864457375359470/release", timeout=10)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "order_stopped"
    assert "missing_address" in answer.json()["error"]["message"]["en"]


def test_a_clean_order_is_released_or_its_shortage_is_reported(live_server, taobao_import):
    http = live_server.session("supervisor")
    number = taobao_import["released_ready"][0]
    answer = http.post(f"{live_server.url}/api/v1/orders/{number}/release", timeout=10)
    if answer.status_code == 200:
        assert answer.json()["order"]["status"] == "released"
    else:
        assert answer.json()["error"]["code"] == "shortage" and "缺" in answer.json()["error"]["message"]["zh"]
        assert answer.json()["order"]["review"][0]["choices"] == ["wait", "substitute", "cancel_line"]


def test_a_pair_whose_item_report_names_an_unknown_order_imports_nothing(live_server):
    http = live_server.session("supervisor")
    bad_items = ITEMS + "3999999999999999999,标题,9.90,1,,,,,买家已付款，等待卖家发货,TB01-1-S\r\n".encode("gbk")
    answer = http.post(f"{live_server.url}/api/v1/orders/import/taobao",
                       files={"orders": ("o.csv", ORDERS.replace(b"39006482", b"39106482")),
                              "items": ("i.csv", bad_items.replace(b"39006482", b"39106482"))},
                       headers=UPLOAD, timeout=30)
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "import_rejected"
    assert answer.json()["error"]["rows"][0]["order"] == "3999999999999999999"
    assert http.get(f"{live_server.url}/api/v1/orders/3910648212591256970", timeout=5).status_code == 404


def test_a_generic_csv_order_import_and_its_errors(live_server):
    http = live_server.session("supervisor")
    header = "order_no,channel,customer_name,phone,address,carrier,sku,qty,paid_at,priority,cut_off\n"
    good = header + ("G-1,jd,王强,13800000000,北京市 朝阳区 建国路1号,顺丰速运,TB03-1,2,"
                     "2026-11-23T09:00,1,2026-11-23T16:00\n")
    answer = http.post(f"{live_server.url}/api/v1/orders/import", data=good.encode(), headers=UPLOAD, timeout=10)
    assert answer.status_code == 201 and answer.json()["imported"][0]["channel"] == "jd"
    bad = header + "G-2,jd,王强,138,北京,顺丰速运,TB03-1,two,,,\n"
    refused = http.post(f"{live_server.url}/api/v1/orders/import", data=bad.encode(), headers=UPLOAD, timeout=10)
    assert refused.status_code == 422 and refused.json()["error"]["rows"][0]["row"] == 2


def test_two_rows_of_one_order_number_with_different_customers_are_refused_not_merged(live_server):
    http = live_server.session("supervisor")
    number = f"G-{uuid.uuid4().hex[:8].upper()}"
    header = "order_no,channel,customer_name,phone,address,carrier,sku,qty,paid_at,priority,cut_off\n"
    rows = (f"{number},jd,王强,13800000000,北京市 朝阳区 建国路1号,顺丰速运,TB03-1,1,,,\n"
            f"{number},jd,王强,13800000000,北京市 朝阳区 建国路1号,顺丰速运,TB01-1-S,1,,,\n"  # a second line: fine
            f"{number},jd,李娜,13900000000,上海市 徐汇区 漕溪路2号,顺丰速运,TB03-1,1,,,\n")  # another customer
    refused = http.post(f"{live_server.url}/api/v1/orders/import", data=(header + rows).encode(), headers=UPLOAD,
                        timeout=10)
    assert refused.status_code == 422, refused.text
    [row] = refused.json()["error"]["rows"]
    assert (row["row"], row["code"]) == (4, "order_rows_disagree")
    assert "customer_name, phone, address" in row["message"]["en"] and "第 2 行" in row["message"]["zh"]
    assert http.get(f"{live_server.url}/api/v1/orders/{number}", params={"channel": "jd"}, timeout=5).status_code == 404


def test_an_order_without_an_address_is_corrected_and_then_released(live_server, taobao_import):
    http = live_server.session("supervisor")
    number = "3900864457375359470"
    corrected = http.post(f"{live_server.url}/api/v1/orders/{number}/correct",
                          json={"address": "浙江省 杭州市 西湖区 文三路90号"}, timeout=10)
    assert corrected.status_code == 200 and corrected.json()["order"]["review"] == []
    released = http.post(f"{live_server.url}/api/v1/orders/{number}/release", timeout=10)
    assert released.status_code == 200 or released.json()["error"]["code"] == "shortage"
    assert live_server.session("picker").post(f"{live_server.url}/api/v1/orders/{number}/correct",
                                              json={"address": "x"}, timeout=10).status_code == 403
