"""The audit trail: every change names the user, the device, the time and what changed, and a
supervisor (never a picker) can browse it."""
from __future__ import annotations

import json
import re
from datetime import datetime
import sqlite3
import uuid

import pytest

from server.services.people import auth


def entries(live_server, where: str, *params) -> list[dict]:
    """Audit rows as stored, newest first (read-only, straight from the server's database)."""
    connection = sqlite3.connect(f"file:{live_server.data_dir / 'wms.db'}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    try:
        rows = connection.execute(
            "SELECT a.*, u.username FROM audit_entries a LEFT JOIN users u ON u.id = a.user_id "
            f"WHERE {where} ORDER BY a.id DESC", params).fetchall()
    finally:
        connection.close()
    return [dict(row) | {"changes": json.loads(row["changes"])} for row in rows]


def new_order(live_server, http) -> str:
    number = f"AU-{uuid.uuid4().hex[:8].upper()}"
    answer = http.post(f"{live_server.url}/api/v1/orders", timeout=10, json={
        "number": number, "customer_name": "李雷", "phone": "13912345678", "carrier": "SF",
        "address": "浙江省杭州市西湖区文三路 100 号", "paid_at": "2026-11-23T07:00:00",
        "lines": [{"sku": "TB03-1", "qty": 1}]})
    assert answer.status_code == 201, answer.text
    return number


def test_an_order_created_over_rest_is_recorded_with_its_user_and_values(live_server):
    number = new_order(live_server, live_server.session("supervisor"))
    entry = next(e for e in entries(live_server, "a.tables LIKE '%,sales_orders,%'")
                 if any(c.get("values", {}).get("number") == number for c in e["changes"]))
    assert entry["username"] == "supervisor" and entry["via"] == "POST /api/v1/orders"
    order = next(c for c in entry["changes"] if c["table"] == "sales_orders")
    assert order["op"] == "insert" and order["values"]["customer_name"] == "李雷"
    assert order["id"] == order["values"]["id"]
    assert any(c["table"] == "sales_order_lines" and c["op"] == "insert" for c in entry["changes"])


def test_a_hold_placed_from_a_handheld_names_the_user_the_device_and_the_change(live_server):
    number = new_order(live_server, live_server.session("supervisor"))
    handheld = live_server.session("supervisor")
    handheld.post(f"{live_server.url}/api/v1/auth/login", timeout=5,
                  json={"username": "supervisor", "password": "demo", "device": "PDA-01"}).raise_for_status()
    answer = handheld.post(f"{live_server.url}/api/v1/orders/{number}/hold", json={"reason": "客户要求改地址"},
                           timeout=10)
    assert answer.status_code == 200, answer.text
    entry = entries(live_server, "a.via = ?", f"POST /api/v1/orders/{number}/hold")[0]
    assert entry["username"] == "supervisor" and entry["device_code"] == "PDA-01" and entry["device_id"]
    order = next(c for c in entry["changes"] if c["table"] == "sales_orders")
    assert order["op"] == "update" and "客户要求改地址" in json.dumps(order["changed"], ensure_ascii=False)


def test_a_reprint_on_the_supervisor_page_is_recorded_and_shown_on_the_audit_page(live_server):
    boss = live_server.session("supervisor")
    job = boss.post(f"{live_server.url}/api/v1/print-jobs/bin-labels", timeout=10, json={
        "printer": live_server.demo["printer"], "zone": "B", "bins": ["B-01-02-1"]}).json()["job"]
    form = boss.get(f"{live_server.url}/sup/print-jobs", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    page = boss.post(f"{live_server.url}/sup/print-jobs/{job['id']}/reprint", timeout=10,
                     data={"reason": "label torn · 标签破损", "csrf_token": token})
    assert page.status_code == 200
    entry = entries(live_server, "a.via = ?", f"POST /sup/print-jobs/{job['id']}/reprint")[0]
    assert entry["username"] == "supervisor"
    reprint = next(c for c in entry["changes"] if c["table"] == "print_jobs" and c["op"] == "insert")
    assert reprint["values"]["title"].startswith("Reprint") and len(reprint["values"]["zpl"]) < 300  # kept short

    trail = boss.get(f"{live_server.url}/sup/audit", params={"user": "supervisor", "table": "print_jobs"}, timeout=10)
    assert trail.status_code == 200 and f'data-entry="{entry["id"]}"' in trail.text
    assert f"POST /sup/print-jobs/{job['id']}/reprint" in trail.text
    others = boss.get(f"{live_server.url}/sup/audit", params={"user": "picker", "table": "print_jobs"}, timeout=10)
    assert f'data-entry="{entry["id"]}"' not in others.text


def test_a_picker_cannot_open_the_audit_trail(live_server):
    assert live_server.session("picker").get(f"{live_server.url}/sup/audit", timeout=10).status_code == 403


def test_the_trail_pages_through_older_entries(live_server):
    boss = live_server.session("supervisor")
    first = boss.get(f"{live_server.url}/sup/audit", params={"per_page": 2}, timeout=10).text
    assert 'data-testid="older"' in first and "per_page=2" in first  # the filters stay on the next page's link
    older = boss.get(f"{live_server.url}/sup/audit", params={"page": 2, "per_page": 2}, timeout=10).text
    newest_on_two = int(re.search(r'data-entry="(\d+)"', older).group(1))
    assert newest_on_two < int(re.search(r'data-entry="(\d+)"', first).group(1))


def test_secrets_are_recorded_as_changed_never_by_value(live_server):
    admin = live_server.session("admin")
    code = f"BR-{uuid.uuid4().hex[:6].upper()}"
    admin.post(f"{live_server.url}/api/v1/devices", json={"code": code, "kind": "scanner_bridge"},
               timeout=10).raise_for_status()
    token = admin.post(f"{live_server.url}/api/v1/devices/{code}/token", timeout=10).json()["token"]
    entry = entries(live_server, "a.via = ?", f"POST /api/v1/devices/{code}/token")[0]
    assert entry["username"] == "admin"
    assert entry["changes"][0]["changed"]["token_digest"] == [None, "(secret)"]
    assert auth.digest(token) not in json.dumps(entries(live_server, "1 = 1"))


def test_the_trail_cannot_be_edited(live_server):
    connection = sqlite3.connect(live_server.data_dir / "wms.db", timeout=15)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            connection.execute("UPDATE audit_entries SET via = 'nobody'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            connection.execute("DELETE FROM audit_entries")
    finally:
        connection.close()


# -- the hook itself, on the service level -------------------------------------------------------

def test_a_conditional_update_is_recorded_and_a_rolled_back_change_is_not(app, tiny_warehouse):
    from sqlalchemy import select, update

    from server.db.models import AuditEntry, Supplier
    from server.extensions import db
    from server.services.people import audit

    audit.act_as(tiny_warehouse.supervisor, "test")
    db.session.execute(update(Supplier).where(Supplier.code == "SUP-T").values(name="Renamed"))
    db.session.commit()
    entry = db.session.execute(select(AuditEntry).order_by(AuditEntry.id.desc())).scalars().first()
    change = json.loads(entry.changes)[0]
    assert entry.via == "test" and change["table"] == "suppliers" and change["params"]["name"] == "Renamed"

    db.session.get(Supplier, tiny_warehouse.supplier.id).name = "Never"
    db.session.flush()
    db.session.rollback()
    assert db.session.execute(select(AuditEntry).order_by(AuditEntry.id.desc())).scalars().first().id == entry.id


def test_a_scan_that_changes_nothing_but_stock_writes_no_audit_row(app, tiny_warehouse):
    from sqlalchemy import func, select

    from server.db.models import AuditEntry
    from server.extensions import db
    from server.services.floor import scans

    before = db.session.execute(select(func.count(AuditEntry.id))).scalar()
    ack = scans.handle({"scan_id": str(uuid.uuid4()), "mode": "lookup", "code": "A-01-01-1"}, tiny_warehouse.picker)
    assert ack["ok"], ack
    assert db.session.execute(select(func.count(AuditEntry.id))).scalar() == before


def test_a_pick_scans_changes_to_the_stop_and_the_list_are_in_the_trail(app, tiny_warehouse):
    """Pick scans write with prebuilt SQL, which the session hooks cannot see: their changes are
    recorded through audit.Write, in the scan's transaction, under the picker and the device."""
    from sqlalchemy import select

    from server.db.models import AuditEntry
    from server.extensions import db
    from server.services.people import audit
    from server.services.floor import scans
    from tests.server.services.picking.test_pick_lists import claimed_list

    w = tiny_warehouse
    list_id = claimed_list(w, qty=2)

    def scan(code, **payload):
        audit.act_as(w.picker, "/floor scan")  # what the /floor scan event does
        ack = scans.handle({"scan_id": str(uuid.uuid4()), "code": code, "pick_list": list_id, **payload}, w.picker)
        assert ack["ok"], ack
        return db.session.execute(select(AuditEntry).order_by(AuditEntry.id.desc())).scalars().first()

    def changed(entry, table):
        return [c for c in json.loads(entry.changes) if c["table"] == table]

    entry = scan("A-01-01-1", mode="pick")
    assert [c["changed"] for c in changed(entry, "pick_tasks")] == [{"bin_confirmed": [False, True]}]
    entry = scan("5901234123457", mode="pick", qty=2)
    [stop] = changed(entry, "pick_tasks")
    assert stop["changed"] == {"picked_qty": [0, 2], "status": ["open", "picked"]}
    assert changed(entry, "reservations")[0]["changed"] == {"status": ["reserved", "picked"]}
    assert changed(entry, "pick_lists")[0]["changed"] == {"status": ["claimed", "done"]}
    assert changed(entry, "sales_orders")[0]["changed"]["status"] == ["allocated", "picked"]
    assert (entry.user_id, entry.device_id, entry.via) == (w.picker.user_id, w.picker.device_id, "/floor scan")
    entry = scan("TOTE-0001", mode="pick.put", task=stop["id"])
    assert changed(entry, "pick_tasks")[0]["changed"] == {"put_confirmed": [False, True]}


def test_a_pick_list_claim_is_in_the_trail_under_the_picker(app, tiny_warehouse):
    """Claims are a prebuilt conditional UPDATE (services/picking/waves._claim), an audit.Write, in the
    claim's transaction; a refused second claim leaves nothing."""
    from sqlalchemy import select

    from server.db.models import AuditEntry
    from server.domain.errors import WmsError
    from server.extensions import db
    from server.services.people import audit
    from server.services.picking import waves
    from tests.server.services.picking.test_pick_lists import claimed_list

    w = tiny_warehouse
    audit.act_as(w.picker, "POST /api/v1/pick-lists/next/claim")
    list_id = claimed_list(w, qty=2)
    claim = next(e for e in db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
                 if '"table":"pick_lists"' in e.changes and '"claimed"' in e.changes)
    [change] = [c for c in json.loads(claim.changes) if c["table"] == "pick_lists"]
    assert change["id"] == list_id
    assert change["changed"]["status"] == ["open", "claimed"]
    assert change["changed"]["claimed_by"] == [None, w.picker.user_id]
    assert claim.user_id == w.picker.user_id
    count = db.session.query(AuditEntry).count()
    with pytest.raises(WmsError) as refused:
        waves.claim(list_id, w.supervisor)
    assert refused.value.code == "already_claimed"
    db.session.rollback()
    assert db.session.query(AuditEntry).count() == count


def test_a_tote_seen_for_the_first_time_is_a_new_bin_in_the_trail(app, tiny_warehouse):
    """Binding an unknown tote makes it a bin of kind `tote` (prebuilt SQL): the trail shows the insert
    with its values, under the picker, as it shows the ORM's inserts."""
    from sqlalchemy import select

    from server.db.models import AuditEntry, Bin
    from server.extensions import db
    from server.services.people import audit
    from tests.server.services.picking.test_pick_lists import claimed_list

    w = tiny_warehouse
    audit.act_as(w.picker, "/floor scan")
    claimed_list(w, qty=2)  # binds TOTE-0001, unknown until now
    tote = db.session.execute(select(Bin).where(Bin.code == "TOTE-0001")).scalar_one()
    assert (tote.kind, tote.zone, tote.warehouse, tote.active) == ("tote", "T", "WH1", True)
    inserted = [(entry, change) for entry in db.session.execute(select(AuditEntry)).scalars()
                for change in json.loads(entry.changes)
                if change["table"] == "bins" and change["op"] == "insert" and change["values"]["code"] == "TOTE-0001"]
    [(entry, change)] = inserted
    assert change["id"] == change["values"]["id"] == tote.id
    assert change["values"]["kind"] == "tote"
    assert entry.user_id == w.picker.user_id


# Written out here, not imported from the code under test: the tables whose writes are their own record.
SELF_RECORDED = {"audit_entries", "login_attempts", "scans", "stock_ledger", "bin_stock", "floor_telemetry"}
WRITE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)


def test_every_table_a_scan_writes_is_in_that_scans_audit_row(app, tiny_warehouse):
    """Whatever a scan writes — through the ORM or a prebuilt statement straight to the driver — is in
    the audit row of that scan, but for the tables that are their own record. Every statement is
    watched where it leaves for SQLite (SQLAlchemy's cursor and the driver path of server/db/fast.py)."""
    from sqlalchemy import event, select

    from server.db import fast
    from server.db.models import AuditEntry, PickTask
    from server.extensions import db
    from server.services.floor import scans
    from server.services.people import audit
    from server.services.picking import waves
    from server.services.orders import sales_orders
    from server.services.orders.sales_orders import NewLine
    from server.domain.batching import Cart

    w = tiny_warehouse
    sales_orders.create_order("api", "O-1", [NewLine("TEE-BLK-M", 2)], w.supervisor, address="上海市",
                              paid_at=datetime(2026, 11, 22, 9, 0))
    db.session.commit()
    sales_orders.release("O-1", w.supervisor)
    wave = waves.release_wave(waves.WaveFilters(), Cart(totes=2, tote_capacity=20), w.supervisor)
    list_id = wave["pick_lists"][0]["pick_list"]
    waves.claim(list_id, w.picker)
    db.session.commit()

    statements: list[str] = []
    engine = db.engine

    def orm_statement(_conn, _cursor, text, *_rest):
        statements.append(text)

    event.listen(engine, "before_cursor_execute", orm_statement)
    fast.on_execute.append(lambda text, _params: statements.append(text))
    seen: dict[str, set[str]] = {}
    try:
        def scan(code, **payload):
            statements.clear()
            last = db.session.execute(select(AuditEntry.id).order_by(AuditEntry.id.desc())).scalar() or 0
            audit.act_as(w.picker, "/floor scan")
            ack = scans.handle({"scan_id": str(uuid.uuid4()), "code": code, "pick_list": list_id, **payload},
                               w.picker)
            assert ack["ok"], ack
            written = {m.group(1).lower() for text in statements if (m := WRITE.match(text))}
            in_trail = {table for entry in db.session.execute(select(AuditEntry).where(AuditEntry.id > last))
                        .scalars() for table in entry.tables.strip(",").split(",") if table}
            assert written - SELF_RECORDED <= in_trail, (payload.get("mode"), code, written, in_trail)
            seen[payload["mode"] + " " + code] = written
            return ack

        scan("TOTE-0042", mode="pick.tote", slot=1)  # a tote never seen: a new bin
        scan("A-01-01-1", mode="pick")
        scan("5901234123457", mode="pick", qty=2)
        task = db.session.execute(select(PickTask.id).where(PickTask.pick_list_id == list_id)).scalar_one()
        scan("TOTE-0042", mode="pick.put", task=task)
        scan("A-01-01-1", mode="lookup")
    finally:
        fast.on_execute.pop()
        event.remove(engine, "before_cursor_execute", orm_statement)
    every = set().union(*seen.values())
    # The flow reached the scan path's prebuilt writes, not only its reads.
    assert {"bins", "pick_tasks", "reservations", "pick_lists", "sales_orders", "bin_stock", "stock_ledger",
            "scans"} <= every, every


def test_a_prebuilt_write_on_an_audited_table_cannot_be_built_without_its_audit_record():
    from server.db.fast import Sql
    from server.services.people import audit

    with pytest.raises(TypeError):
        Sql("UPDATE pick_tasks SET picked_qty = :n WHERE id = :id")
    with pytest.raises(TypeError):
        Sql("insert into sales_orders (number) values (:n)")
    with pytest.raises(TypeError):
        audit.Write("SELECT 1 FROM pick_tasks")
    Sql("UPDATE bin_stock SET qty = qty + :n WHERE id = :id")  # its own record: the ledger row beside it
    write = audit.Write("UPDATE pick_tasks SET picked_qty = :n WHERE id = :id")
    with pytest.raises(TypeError):
        write.run(n=1, id=1)  # no change to record: refused before anything runs
