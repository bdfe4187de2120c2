"""The demo warehouse: two zones of bins, a catalogue with EAN-13 barcodes, stock, users per role."""
from __future__ import annotations

import csv
import random
from datetime import date, timedelta

from sqlalchemy import func, select

from server.config import CONFIG_DIR, load_demo_warehouse
from server.db.models import (
    DEMO_FACT,
    Bin,
    Device,
    Item,
    ItemBarcode,
    Lot,
    Printer,
    Product,
    SiteFact,
    Station,
    Supplier,
    User,
)
from server.domain import roles
from server.domain.barcodes import item_code_key
from server.domain.stock import Movement
from server.extensions import db
from server.services.receiving import inbound
from server.services.inventory import stock
from server.services.people.auth import Actor, digest, hash_password

DEMO_PASSWORD = "demo"
PEOPLE = {
    "picker": "Li Na 李娜", "receiver": "Wang Qiang 王强", "inspector": "Zhang Min 张敏",
    "packer": "Liu Yang 刘洋", "supervisor": "Chen Jie 陈杰", "manager": "Sun Hui 孙慧",
    "admin": "Zhao Lei 赵磊", "viewer": "Qian Yu 钱宇",
}
TAOBAO_NAMES = {
    "纯棉T恤": "Cotton T-shirt", "运动短裤": "Sports shorts", "保温杯500ml": "Insulated cup 500 ml",
    "手机支架": "Phone stand", "帆布包": "Canvas bag", "瑜伽垫": "Yoga mat",
    "数据线1米": "USB cable 1 m", "陶瓷马克杯": "Ceramic mug", "棒球帽": "Baseball cap",
    "收纳盒": "Storage box",
}
COLOURS = {"黑色": "Black", "白色": "White", "红色": "Red", "蓝色": "Blue", "灰色": "Grey"}
GENERATED_GOODS = [
    ("Notebook A5", "A5 笔记本"), ("Gel pen 0.5", "0.5 中性笔"), ("Desk lamp", "台灯"),
    ("Bath towel", "浴巾"), ("Water bottle 750 ml", "运动水壶 750ml"), ("Umbrella", "雨伞"),
    ("Socks (3 pairs)", "袜子（三双装）"), ("Slippers", "拖鞋"), ("Hair clip", "发夹"),
    ("Phone case", "手机壳"), ("Earphones", "耳机"), ("Power bank", "充电宝"),
    ("Lunch box", "饭盒"), ("Chopsticks set", "筷子套装"), ("Tea cup", "茶杯"),
    ("Cushion", "靠垫"), ("Backpack", "双肩包"), ("Wallet", "钱包"), ("Belt", "腰带"),
    ("Scarf", "围巾"), ("Gloves", "手套"), ("Toothbrush", "牙刷"), ("Mouse pad", "鼠标垫"),
    ("Key chain", "钥匙扣"), ("Sticky notes", "便利贴"), ("Rain coat", "雨衣"),
    ("Hand cream", "护手霜"), ("Mirror", "化妆镜"), ("Clothes hanger (10)", "衣架（10个）"),
    ("Shoe rack", "鞋架"),
]


def ean13(body12: str) -> str:
    """Complete a 12-digit body with its EAN-13 check digit."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


def badge_for(role: str) -> str:
    return f"BDG-{role.upper()}-0001"


def is_seeded() -> bool:
    return bool(db.session.execute(select(func.count(User.id))).scalar())


def seed(printer_port: int | None = None) -> None:
    """Create the whole demo warehouse in one transaction (nothing half-made if it fails)."""
    spec = load_demo_warehouse()
    rng = random.Random(spec["catalogue"]["seed"])
    _users()
    devices = _devices(spec)
    suppliers = _suppliers(spec)
    bins = _bins(spec["layout"])
    items = _items(spec["catalogue"])
    db.session.flush()
    _printers(spec, devices, printer_port)
    _opening_stock(spec["catalogue"], bins, items, suppliers, rng)
    _purchase_orders(spec)
    db.session.add(SiteFact(key=DEMO_FACT, value="1"))
    db.session.commit()


def _users() -> None:
    for role in roles.ROLES:
        db.session.add(User(username=role, name=PEOPLE[role], role=role,
                            password_hash=hash_password(DEMO_PASSWORD),
                            badge_digest=digest(badge_for(role)), locale="zh"))


def _devices(spec: dict) -> dict[str, Device]:
    devices = {d["code"]: Device(code=d["code"], kind=d["kind"], name=d["name"])
               for d in spec["devices"]}
    db.session.add_all(devices.values())
    return devices


def _suppliers(spec: dict) -> list[Supplier]:
    suppliers = [Supplier(code=s["code"], name=s["name"]) for s in spec["suppliers"]]
    db.session.add_all(suppliers)
    return suppliers


def _bins(layout: dict) -> list[Bin]:
    bins = []
    for z, zone in enumerate(layout["zones"]):
        zone_x = z * ((layout["aisles_per_zone"] - 1) * layout["aisle_pitch_m"]
                      + layout["zone_gap_m"])
        for aisle in range(1, layout["aisles_per_zone"] + 1):
            for bay in range(1, layout["bays_per_aisle"] + 1):
                for level in range(1, layout["levels_per_bay"] + 1):
                    bins.append(Bin(
                        code=f"{zone}-{aisle:02d}-{bay:02d}-{level}", zone=zone,
                        aisle=f"{aisle:02d}", bay=f"{bay:02d}", level=str(level),
                        x=zone_x + (aisle - 1) * layout["aisle_pitch_m"],
                        y=(bay - 0.5) * layout["bay_width_m"]))
    for kind, zone_key, count_key, x in (("quarantine", "quarantine_zone", "quarantine_bins", -1),
                                         ("hold", "hold_zone", "hold_bins", -2)):
        zone = layout.get(zone_key)
        for n in range(1, layout.get(count_key, 0) + 1):
            bins.append(Bin(code=f"{zone}-01-{n:02d}-1", zone=zone, aisle="01", bay=f"{n:02d}", level="1",
                            x=x * layout["aisle_pitch_m"], y=(n - 0.5) * layout["bay_width_m"], kind=kind))
    db.session.add_all(bins)
    return bins


def _variant(text: str) -> tuple[str, str]:
    """'颜色分类:黑色;尺码:S' -> ('Black / S', '黑色 / S')."""
    values = [part.split(":", 1)[1] for part in text.split(";") if ":" in part]
    return " / ".join(COLOURS.get(v, v) for v in values), " / ".join(values)


def _items(catalogue: dict) -> list[Item]:
    prefix = catalogue["gs1_company_prefix"]
    items: list[Item] = []
    products: dict[str, Product] = {}

    def add(sku: str, product: Product, variant: tuple[str, str]) -> None:
        # A plausible unit cost (¥5–¥200, fixed per position) for return write-offs and stock value.
        item = Item(sku=sku, product=product, variant_en=variant[0], variant_zh=variant[1],
                    unit_cost_cents=500 + (len(items) * 7919) % 19500)
        code = ean13(f"{prefix}{len(items) + 1:06d}")
        item.barcodes.append(ItemBarcode(code=code, lookup_key=item_code_key(code),
                                         symbology="ean13"))
        items.append(item)

    with open(CONFIG_DIR / "demo_catalogue_taobao.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            name_zh = row["商品名称"]
            product_code = row["商家编码"].split("-")[0]
            if product_code not in products:
                products[product_code] = Product(code=product_code, name_zh=name_zh,
                                                 name_en=TAOBAO_NAMES.get(name_zh, name_zh))
            add(row["商家编码"], products[product_code], _variant(row["规格"]))

    colours = list(COLOURS.items())
    n = 0
    while n < catalogue["generated_items"]:
        for g, (name_en, name_zh) in enumerate(GENERATED_GOODS):
            if n >= catalogue["generated_items"]:
                break
            code = f"GEN{g + 1:02d}"
            if code not in products:
                products[code] = Product(code=code, name_en=name_en, name_zh=name_zh)
            colour_zh, colour_en = colours[(n // len(GENERATED_GOODS)) % len(colours)]
            add(f"{code}-{colour_en[:3].upper()}", products[code], (colour_en, colour_zh))
            n += 1
    db.session.add_all(items)
    return items


def _printers(spec: dict, devices: dict[str, Device], printer_port: int | None) -> None:
    printers = {}
    for p in spec["printers"]:
        printers[p["code"]] = Printer(
            code=p["code"], name=p["name"], transport=p["transport"], host=p.get("host"),
            port=printer_port or p.get("port"), queue=p.get("queue"), dpi=p["dpi"],
            label_width_mm=p.get("label_width_mm", 101.6), label_height_mm=p.get("label_height_mm", 152.4),
            agent_id=devices[p["agent"]].id)
    db.session.add_all(printers.values())
    db.session.flush()
    for s in spec["stations"]:
        db.session.add(Station(code=s["code"], name=s["name"], printer_id=printers[s["printer"]].id,
                               scanner_device_id=devices[s["scanner"]].id if s.get("scanner") else None))


def _opening_stock(catalogue: dict, bins: list[Bin], items: list[Item],
                   suppliers: list[Supplier], rng: random.Random) -> None:
    """Stock the first bins of every aisle, each with one to three items in dated lots."""
    storage = [b for b in bins if b.kind == "storage"]
    stocked = sorted(storage, key=lambda b: (b.level, b.code))[: catalogue["stocked_bins"]]
    today = date.today()
    lots: dict[tuple[int, int], Lot] = {}
    for n, bin_ in enumerate(sorted(stocked, key=lambda b: b.code)):
        for item in rng.sample(items, rng.randint(1, 3)):
            age = rng.randint(3, 120)
            key = (item.id, age)
            if key not in lots:
                lots[key] = Lot(item_id=item.id, code=f"L{(today - timedelta(age)):%y%m%d}-{n:03d}",
                                received_on=today - timedelta(age),
                                supplier_id=rng.choice(suppliers).id)
                db.session.add(lots[key])
                db.session.flush()
            stock.move(Movement(bin_.id, item.id, lots[key].id, rng.randint(1, 60),
                                "opening_balance"), ref="demo opening balance")


def _purchase_orders(spec: dict) -> None:
    """Open POs for the receiving journey: try them on the handheld as `receiver`."""
    admin = db.session.execute(select(User).where(User.username == "admin")).scalar_one()
    buyer = Actor(user_id=admin.id, username="admin", role="admin")
    for po in spec.get("purchase_orders", []):
        inbound.create_po(po["supplier"], po["lines"], buyer, number=po["number"], commit=False)


def set_printer_port(port: int) -> None:
    """The emulator's port is chosen at start; the demo printers follow it."""
    spec = load_demo_warehouse()
    for p in spec["printers"]:
        printer = db.session.execute(select(Printer).where(Printer.code == p["code"])).scalar()
        if printer is not None and printer.transport == "tcp9100":
            printer.port = port
    db.session.commit()


def facts() -> dict:
    """Things a demo user (or a test) needs to try the demo: a stocked bin, an item, an empty bin."""
    from server.db.models import BinStock

    stocked = db.session.execute(
        select(Bin.code, BinStock.item_id).join(BinStock, BinStock.bin_id == Bin.id)
        .where(BinStock.qty > 0).order_by(Bin.code).limit(1)).first()
    item = db.session.get(Item, stocked.item_id)
    empty = db.session.execute(
        select(Bin.code).where(~Bin.id.in_(select(BinStock.bin_id).where(BinStock.qty > 0)))
        .order_by(Bin.code).limit(1)).scalar()
    return {"bin_with_stock": stocked.code, "empty_bin": empty, "item_sku": item.sku,
            "item_barcode": item.barcodes[0].code, "printer": "PRN-PACK-01",
            "purchase_orders": [po["number"] for po in load_demo_warehouse().get("purchase_orders", [])],
            "users": {role: DEMO_PASSWORD for role in roles.ROLES},
            "badges": {role: badge_for(role) for role in roles.ROLES}}
