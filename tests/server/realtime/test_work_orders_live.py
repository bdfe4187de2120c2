"""Assembly and disassembly work orders (加工单) on a live server with simulated handhelds: a supervisor orders
gift sets assembled over REST, a picker's handheld picks the components by bin and unit scans (a resent scan is
answered, not moved twice), a packer's handheld makes the kits, the picker puts them away; then one kit is taken
apart and its components put away; a third work order is cancelled halfway and its picked units go back by scans.
The ledger check of the server's own database agrees at the end.

The items, bins and stock are the test's own (zone WT, SKUs with a fresh suffix), made in the server's database
by a short script: the shared demo server's other tests never see them."""
import json
import subprocess
import sys
import uuid

from tests.conftest import ROOT
from tests.server.realtime.test_picking_live import send

SETUP = """
import json, sys
from datetime import date
from sqlalchemy import select
from server.__main__ import _app
from server.db.models import Bin, Item, ItemBarcode, Lot, Product
from server.domain.barcodes import item_code_key
from server.domain.stock import Movement
from server.extensions import db
from server.services.catalogue import kits
from server.services.inventory import stock
from server.services.people.auth import Actor

tag = sys.argv[1]
with _app().app_context():
    taken = set(db.session.execute(select(Bin.code).where(Bin.zone == "WT")).scalars())
    codes = [c for c in (f"WT-{n:02d}-01-1" for n in range(10, 100)) if c not in taken][:3]
    bins = [Bin(code=c, zone="WT", aisle=c[3:5], bay="01", level="1", x=90.0, y=float(n)) for n, c in enumerate(codes)]
    made = {}
    for sku, barcode in ((f"BOX-{tag}", f"BX{tag}"), (f"CANDLE-{tag}", f"CD{tag}")):
        item = Item(sku=sku, product=Product(code=sku, name_en=sku, name_zh=sku))
        item.barcodes.append(ItemBarcode(code=barcode, lookup_key=item_code_key(barcode), symbology="code128"))
        db.session.add(item)
        made[sku] = item
    db.session.add_all(bins)
    db.session.flush()
    box_lot = Lot(item_id=made[f"BOX-{tag}"].id, code="B1", received_on=date(2026, 11, 1))
    candle_lot = Lot(item_id=made[f"CANDLE-{tag}"].id, code="C1", received_on=date(2026, 11, 1),
                     expiry=date(2028, 3, 1))
    db.session.add_all([box_lot, candle_lot])
    db.session.flush()
    stock.move(Movement(bins[0].id, box_lot.item_id, box_lot.id, 10, "opening_balance"))
    stock.move(Movement(bins[1].id, candle_lot.item_id, candle_lot.id, 5, "opening_balance"))
    admin = Actor(user_id=None, username="admin", role="admin")
    kits.define(f"GIFT-{tag}", [kits.Component(f"CANDLE-{tag}", 2), kits.Component(f"BOX-{tag}", 1)], admin,
                name_zh="蜡烛礼盒", name_en="Candle gift set")
    db.session.commit()
    print(json.dumps({"bins": codes}))
"""


def own_stock(live_server, tag):
    done = subprocess.run([sys.executable, "-c", SETUP, tag], env=live_server.env, cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])["bins"]


def ok(ack):
    assert ack["ok"], ack
    return ack


def test_assembly_and_disassembly_work_orders_with_handhelds_and_the_books_balance(live_server):
    tag = uuid.uuid4().hex[:6].upper()
    box_bin, candle_bin, kit_bin = own_stock(live_server, tag)
    kit, box, candle = f"GIFT-{tag}", f"BX{tag}", f"CD{tag}"
    boss = live_server.session("supervisor")
    url = f"{live_server.url}/api/v1/work-orders"

    short = boss.post(url, json={"kind": "assemble", "sku": kit, "qty": 3}, timeout=10)
    assert short.status_code == 409, short.text
    assert short.json()["error"]["message"]["en"] == f"Not enough stock to assemble 3 × {kit}: CANDLE-{tag} short 1."
    made = boss.post(url, json={"kind": "assemble", "sku": kit, "qty": 2}, timeout=10)
    assert made.status_code == 201, made.text
    order = made.json()["work_order"]
    number = order["number"]
    # FEFO and by bin: the candles' bin comes after the boxes' (bin code order is the walk).
    assert [(s["bin"], s["sku"], s["qty"]) for s in order["steps"]] == [
        (box_bin, f"BOX-{tag}", 2), (candle_bin, f"CANDLE-{tag}", 4)]

    picker = live_server.floor_client("picker", device="PDA-01")
    packer = live_server.floor_client("packer", device="PDA-02")
    try:
        listed = live_server.session("picker").get(f"{url}?on_floor=1", timeout=10).json()
        assert number in [o["number"] for o in listed]
        taken = ok(send(picker, "assembly", number, work_order=number))
        assert (taken["next"], taken["result"]["current"]["bin"]) == ("scan_bin", box_bin)
        wrong = send(picker, "assembly.bin", kit_bin, work_order=number)
        assert wrong["ok"] is False and wrong["error"]["code"] == "work_order_wrong_bin"
        assert ok(send(picker, "assembly.bin", box_bin, work_order=number))["next"] == "scan_unit"
        first = {"scan_id": str(uuid.uuid4()), "mode": "assembly.pick", "code": box, "work_order": number,
                 "bin": box_bin}
        picked = ok(picker.call("scan", first, timeout=10))
        assert picker.call("scan", first, timeout=10) == picked  # a resend is answered, not picked twice
        assert ok(send(picker, "assembly.pick", box, work_order=number, bin=box_bin))["next"] == "scan_bin"
        ok(send(picker, "assembly.bin", candle_bin, work_order=number))
        answers = [ok(send(picker, "assembly.pick", candle, work_order=number, bin=candle_bin)) for _ in range(4)]
        assert [a["next"] for a in answers] == ["scan_unit"] * 3 + ["make"]

        # The packer at the bench makes the two kits: one by scanning the kit's code, one confirmed.
        wrong_kit = send(packer, "assembly.make", work_order=number, code=box)
        assert wrong_kit["ok"] is False and wrong_kit["error"]["code"] == "work_order_wrong_kit"
        assert ok(send(packer, "assembly.make", work_order=number, code=kit))["result"]["made"]["made"] == 1
        second = ok(send(packer, "assembly.make", work_order=number))
        assert (second["next"], second["result"]["status"], second["result"]["to_put_away"]) == (
            "scan_unit", "putting_away", 2)

        for _ in range(2):
            unit = ok(send(picker, "assembly.unit", kit, work_order=number))
            assert (unit["next"], unit["result"]["unit"]["lot"]) == ("scan_target", number)
            put = ok(send(picker, "assembly.put", kit_bin, work_order=number, unit=kit))
        assert (put["next"], put["result"]["status"], put["result"]["done_qty"]) == ("done", "done", 2)

        # One kit taken apart: its components go back to the shelves.
        apart = boss.post(url, json={"kind": "disassemble", "sku": kit, "qty": 1}, timeout=10).json()["work_order"]
        assert [(s["bin"], s["sku"], s["qty"]) for s in apart["steps"]] == [(kit_bin, kit, 1)]
        ok(send(picker, "assembly.bin", kit_bin, work_order=apart["number"]))
        assert ok(send(picker, "assembly.pick", kit, work_order=apart["number"], bin=kit_bin))["next"] == "make"
        taken_apart = ok(send(packer, "assembly.make", work_order=apart["number"]))
        assert sorted((s["sku"], s["bin"], s["qty"]) for s in taken_apart["result"]["steps"]
                      if s["kind"] == "put_away") == [(f"BOX-{tag}", box_bin, 1), (f"CANDLE-{tag}", candle_bin, 2)]
        for code, target in ((candle, candle_bin), (candle, candle_bin), (box, box_bin)):
            ok(send(picker, "assembly.unit", code, work_order=apart["number"]))
            last = ok(send(picker, "assembly.put", target, work_order=apart["number"], unit=code))
        assert last["result"]["status"] == "done"

        # A third is cancelled after one box was picked: the box goes back by scans.
        third = boss.post(url, json={"kind": "assemble", "sku": kit, "qty": 1}, timeout=10).json()["work_order"]
        ok(send(picker, "assembly.bin", box_bin, work_order=third["number"]))
        ok(send(picker, "assembly.pick", box, work_order=third["number"], bin=box_bin))
        cancelled = boss.post(f"{url}/{third['number']}/cancel", json={"reason": "礼盒缺货 no ribbons"}, timeout=10)
        assert cancelled.status_code == 200, cancelled.text
        view = cancelled.json()["work_order"]
        assert (view["status"], view["next"], view["to_put_away"]) == ("cancelled", "scan_unit", 1)
        refused = send(picker, "assembly.pick", box, work_order=third["number"], bin=box_bin)
        assert refused["ok"] is False and refused["error"]["code"] == "work_order_state"
        ok(send(picker, "assembly.unit", box, work_order=third["number"]))
        back = ok(send(picker, "assembly.put", box_bin, work_order=third["number"], unit=box))
        assert (back["next"], back["result"]["status"]) == ("done", "cancelled")
    finally:
        picker.disconnect()
        packer.disconnect()

    # What the shelves hold now: 2-1 kits, boxes 10-2+1 (and the one cancelled back), candles 5-4+2.
    item = boss.get(f"{live_server.url}/api/v1/items/{kit}", timeout=10).json()
    assert [(line["bin"], line["qty"]) for line in item["lines"]] == [(kit_bin, 1)]
    moves = boss.get(f"{live_server.url}/api/v1/ledger/items/{kit}", timeout=10).json()["moves"]
    assert [(m["reason"], m["bin"], m["qty"]) for m in moves] == [
        ("assembly", number, 1), ("assembly", number, 1), ("putaway", number, -1), ("putaway", kit_bin, 1),
        ("putaway", number, -1), ("putaway", kit_bin, 1),
        ("work_order", kit_bin, -1), ("work_order", apart["number"], 1), ("disassembly", apart["number"], -1)]
    for sku, expected in ((f"BOX-{tag}", 9), (f"CANDLE-{tag}", 3)):
        lines = boss.get(f"{live_server.url}/api/v1/items/{sku}", timeout=10).json()["lines"]
        assert sum(line["qty"] for line in lines) == expected, (sku, lines)
    # The server's own ledger check (exits non-zero, which raises here, when a place or a bin card disagrees).
    summary = json.loads(live_server.manage("check-ledger").strip().splitlines()[-1])
    assert (summary["balanced"], summary["disagreements"], summary["reservation_mismatches"]) == (True, 0, 0)
