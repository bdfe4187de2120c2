"""Service-level fixtures: the real app and a real SQLite file, migrated, with a tiny warehouse."""
from __future__ import annotations

import functools
import re
import shutil
import sqlite3
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import g
from flask_migrate import upgrade

from server.app import MIGRATIONS, create_app
from server.config import load_settings
from server.db.models import Bin, Device, Item, ItemBarcode, Lot, Printer, Product, Supplier, User
from server.domain.barcodes import item_code_key
from server.domain.stock import Movement
from server.extensions import db
from server.services.inventory import stock
from server.services.people.auth import Actor, digest, hash_password


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> Path:
    """An SQLite file with every migration applied, made once: each test's database starts as a copy of it
    (running the migrations takes 1.4 s; a copy, milliseconds)."""
    folder = tmp_path_factory.mktemp("migrated")
    app = create_app(load_settings({"WMS_DATA_DIR": str(folder), "WMS_DEMO": "1"}))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    path = folder / "wms.db"
    with sqlite3.connect(path) as conn:  # everything in the main file, so a copy of it alone is whole
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def app(tmp_path, migrated_database):
    shutil.copyfile(migrated_database, tmp_path / "wms.db")
    settings = load_settings({"WMS_DATA_DIR": str(tmp_path), "WMS_DEMO": "1"})
    settings["receiving"]["label_printer"] = "PRN-T"
    app = create_app(settings)
    with app.app_context():
        upgrade(directory=MIGRATIONS)  # at head already: a check, not a migration
        yield app
        db.session.remove()
        for engine in db.engines.values():  # the writer and (SQLite) the readers
            engine.dispose()


@functools.cache
def password_hash(password: str) -> str:
    """A password's hash, made once per test run (scrypt takes 0.2 s a hash, on purpose)."""
    return hash_password(password)


@pytest.fixture
def tiny_warehouse(app):
    """Two bins, two items, one lot; bin A-01-01-1 holds 3 tees and the last mug."""
    picker = User(username="pia", name="Pia", role="picker", password_hash=password_hash("pw"),
                  badge_digest=digest("BDG-PIA"))
    packer = User(username="pat", name="Pat", role="packer", password_hash=password_hash("pw"))
    agent = Device(code="AGENT-T", kind="printer_agent", name="agent")
    pda = Device(code="PDA-T", kind="pda", name="pda")
    tee_style = Product(code="TEE", name_en="T-shirt", name_zh="T恤")
    mug_style = Product(code="MUG", name_en="Mug", name_zh="马克杯")
    tee = Item(sku="TEE-BLK-M", product=tee_style, variant_en="Black / M", variant_zh="黑色 / M")
    mug = Item(sku="MUG-WHT", product=mug_style, variant_en="White", variant_zh="白色")
    tee.barcodes.append(ItemBarcode(code="5901234123457", lookup_key=item_code_key("5901234123457"),
                                    symbology="ean13"))
    mug.barcodes.append(ItemBarcode(code="036000291452", lookup_key=item_code_key("036000291452"),
                                    symbology="upca"))
    receiver = User(username="rex", name="Rex", role="receiver", password_hash=password_hash("pw"))
    inspector = User(username="ida", name="Ida", role="inspector", password_hash=password_hash("pw"))
    second_receiver = User(username="ray", name="Ray", role="receiver", password_hash=password_hash("pw"))
    boss = User(username="sue", name="Sue", role="supervisor", password_hash=password_hash("pw"))
    supplier = Supplier(code="SUP-T", name="Test supplier")
    full = Bin(code="A-01-01-1", zone="A", aisle="01", bay="01", level="1", x=0, y=0.6)
    empty = Bin(code="A-01-02-1", zone="A", aisle="01", bay="02", level="1", x=0, y=1.8)
    far = Bin(code="B-01-01-1", zone="B", aisle="01", bay="01", level="1", x=20, y=0.6)
    quarantine = Bin(code="Q-01-01-1", zone="Q", aisle="01", bay="01", level="1", x=-3, y=0.6,
                     kind="quarantine")
    db.session.add_all([picker, packer, receiver, second_receiver, boss, inspector, supplier, agent, pda,
                        tee, mug, full, empty, far, quarantine])
    db.session.flush()
    printer = Printer(code="PRN-T", name="test printer", transport="tcp9100", host="127.0.0.1",
                      port=9, dpi=203, agent_id=agent.id)
    tee_lot = Lot(item_id=tee.id, code="L1", received_on=date(2026, 10, 1))
    mug_lot = Lot(item_id=mug.id, code="L2", received_on=date(2026, 10, 2))
    db.session.add_all([printer, tee_lot, mug_lot])
    db.session.flush()
    stock.move(Movement(full.id, tee.id, tee_lot.id, 3, "opening_balance"))
    stock.move(Movement(full.id, mug.id, mug_lot.id, 1, "opening_balance"))
    db.session.commit()
    return SimpleNamespace(
        full=full, empty=empty, far=far, quarantine=quarantine, supplier=supplier,
        tee=tee, mug=mug, tee_lot=tee_lot, mug_lot=mug_lot, printer=printer,
        receiver=Actor(receiver.id, "rex", "Rex", "receiver", pda.id, "PDA-T", "pda"),
        inspector=Actor(inspector.id, "ida", "Ida", "inspector", pda.id, "PDA-T", "pda"),
        second_receiver=Actor(second_receiver.id, "ray", "Ray", "receiver"),
        supervisor=Actor(boss.id, "sue", "Sue", "supervisor"),
        picker=Actor(picker.id, "pia", "Pia", "picker", pda.id, "PDA-T", "pda"),
        packer=Actor(packer.id, "pat", "Pat", "packer"),
        agent=Actor(device_id=agent.id, device_code="AGENT-T", device_kind="printer_agent"))


def form_token(client, path: str = "/sup/login") -> str:
    """The session's CSRF token, as every supervisor page carries it (base.html's meta tag)."""
    # The fixture's app context outlives requests here, so flask-wtf's per-request cache in `g` would
    # hand back the token of the session before the log-in.
    g.pop("csrf_token", None)
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def log_in_on_the_pages(client, username: str, password: str = "pw"):
    """Log in through the supervisor pages' form as a browser does, with its CSRF token. The client's
    later form posts carry the new session's token too (flask-wtf also reads it from X-CSRFToken)."""
    client.post("/sup/login", data={"username": username, "password": password, "csrf_token": form_token(client)})
    client.environ_base["HTTP_X_CSRFTOKEN"] = form_token(client)
    client.set_cookie("sup_lang", "en")  # the pages in English (the language switch's cookie)
    return client


def pick_released(w, number: str, tote: str = "TOTE-0001") -> None:
    """Pick a released order of the tiny warehouse into one tote: wave, claim, bin and item at every stop."""
    from server.domain.barcodes import decode
    from server.domain.batching import Cart
    from server.services.orders import sales_orders
    from server.services.picking import pick_lists
    from server.services.picking import waves

    sales_orders.release(number, w.supervisor)
    wave = waves.release_wave(waves.WaveFilters(), Cart(totes=1, tote_capacity=20), w.supervisor)
    list_id = wave["pick_lists"][0]["pick_list"]
    waves.claim(list_id, w.picker)
    pick_lists.bind_tote(list_id, 1, decode(tote), w.picker)
    db.session.commit()
    barcodes = {w.tee.id: "5901234123457", w.mug.id: "036000291452"}
    while (task := pick_lists.current_task(db.session.get(pick_lists.PickList, list_id))) is not None:
        pick_lists.scan(list_id, decode(db.session.get(Bin, task.bin_id).code), 1, w.picker)
        pick_lists.scan(list_id, decode(barcodes[task.item_id]), task.qty, w.picker)
        db.session.commit()
    assert sales_orders.find_order(number).status == "picked"
