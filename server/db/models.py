"""The warehouse's tables. Stock is the append-only ledger; bin_stock is its always-recomputable sum."""
from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class User(db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(256))
    # A badge is a password you can scan: stored hashed like one, found by its SHA-256.
    badge_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    locale: Mapped[str] = mapped_column(String(8), default="zh")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The staff number (工号) from the staff list; imports match people by it.
    employee_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    # A person's own phone: shown only to those who manage people (admin, manager).
    phone: Mapped[str | None] = mapped_column(String(32))
    __table_args__ = (
        CheckConstraint("role IN ('picker','receiver','inspector','packer','supervisor','manager','admin',"
                        "'viewer')", name="role_known"),
    )


class Device(db.Model):
    __tablename__ = "devices"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(128), default="")
    token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_issued_at: Mapped[datetime | None] = mapped_column(DateTime)
    token_revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime)
    # A retired device keeps its history (ledger rows name it) but can no longer be paired or connect.
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (
        CheckConstraint("kind IN ('pda','scanner_bridge','printer_agent')", name="kind_known"),
    )


class Supplier(db.Model):
    __tablename__ = "suppliers"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(String(200), default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    # Its goods arrive without item labels (货品标签): receiving prints them.
    label_at_receiving: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class Product(db.Model):
    """A style sold in variants (colour/size); each variant is its own item (SKU)."""

    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))


class Item(db.Model):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    variant_en: Mapped[str] = mapped_column(String(200), default="")
    variant_zh: Mapped[str] = mapped_column(String(200), default="")
    uom: Mapped[str] = mapped_column(String(16), default="EA")
    safety_qty: Mapped[int] = mapped_column(Integer, default=0)
    # What one unit is worth (fen, 分): write-offs of scrapped returns and stock value in reports.
    unit_cost_cents: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    tracks_expiry: Mapped[bool] = mapped_column(Boolean, default=False)
    # The item master (货品资料): variant attributes as JSON ({"colour": "黑色", "size": "M"}), packing
    # data, shelf life (days; such items track expiry), prices in fen, and who supplies it.
    attributes: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    weight_g: Mapped[int | None] = mapped_column(Integer)
    length_mm: Mapped[int | None] = mapped_column(Integer)
    width_mm: Mapped[int | None] = mapped_column(Integer)
    height_mm: Mapped[int | None] = mapped_column(Integer)
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    lot_tracked: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    tag_price_cents: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(64), default="", server_default="")
    brand: Mapped[str] = mapped_column(String(64), default="", server_default="")
    default_supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    # Blocked (frozen) with a written reason: not allocated or moved until unblocked.
    block_reason: Mapped[str | None] = mapped_column(String(200))
    # Units arrive without item labels (货品标签): receiving prints them (so does the supplier's flag).
    label_at_receiving: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    product: Mapped[Product] = relationship(lazy="joined")
    barcodes: Mapped[list[ItemBarcode]] = relationship(back_populates="item",
                                                       order_by="ItemBarcode.id")


class KitComponent(db.Model):
    """A kit (组合装) is an item sold as one but made of others: `qty` of `component` in each kit. A kit may
    contain kits (expanded when ordered), never itself (server/services/catalogue/kits.py checks)."""

    __tablename__ = "kit_components"
    id: Mapped[int] = mapped_column(primary_key=True)
    kit_item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    component_item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    qty: Mapped[int] = mapped_column(Integer)
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("kit_item_id <> component_item_id", name="not_itself"),
        UniqueConstraint("kit_item_id", "component_item_id", name="uq_kit_components_kit_component"),
    )


class ItemBarcode(db.Model):
    __tablename__ = "item_barcodes"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    # GTINs compare as GTIN-14, internal codes upper-cased: see domain.barcodes.item_code_key.
    lookup_key: Mapped[str] = mapped_column(String(64), unique=True)
    symbology: Mapped[str] = mapped_column(String(16))
    # What one scan of this code is: a unit, an inner pack or a case of `qty` units.
    packaging: Mapped[str] = mapped_column(String(8), default="unit", server_default="unit")
    qty: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    item: Mapped[Item] = relationship(back_populates="barcodes")
    __table_args__ = (
        CheckConstraint("packaging IN ('unit','inner','case')", name="packaging_known"),
        CheckConstraint("qty > 0", name="qty_positive"),
    )


class Bin(db.Model):
    __tablename__ = "bins"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    zone: Mapped[str] = mapped_column(String(8), index=True)
    aisle: Mapped[str] = mapped_column(String(8))
    bay: Mapped[str] = mapped_column(String(8))
    level: Mapped[str] = mapped_column(String(8))
    x: Mapped[float] = mapped_column(Float)
    y: Mapped[float] = mapped_column(Float)
    # Places on the shelves: storage | pick_face | quarantine | staging | packing | dock | hold | returns;
    # units travelling: tote | parcel | work_order | transit (server/domain/places.py).
    kind: Mapped[str] = mapped_column(String(16), default="storage")
    warehouse: Mapped[str] = mapped_column(String(16), default="WH1", server_default="WH1", index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    block_reason: Mapped[str | None] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer, default=100)


class Lot(db.Model):
    __tablename__ = "lots"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    received_on: Mapped[date] = mapped_column(Date)
    expiry: Mapped[date | None] = mapped_column(Date)
    block_reason: Mapped[str | None] = mapped_column(String(200))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"))
    po_line_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order_lines.id"))
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipts.id"))
    qty_received: Mapped[int | None] = mapped_column(Integer)
    # available: may be stocked and issued; inspecting: counted, waiting for its inspection;
    # rejected: going back to the supplier, never in stock.
    status: Mapped[str] = mapped_column(String(16), default="available")
    __table_args__ = (
        UniqueConstraint("item_id", "code", name="uq_lots_item_code"),
        CheckConstraint("status IN ('available','inspecting','rejected')", name="status_known"),
    )


class LedgerEntry(db.Model):
    """One stock movement. Never updated or deleted (triggers refuse it): corrections are new rows."""

    __tablename__ = "stock_ledger"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    qty: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(128), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    scan_id: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (
        CheckConstraint("qty <> 0", name="qty_nonzero"),
        Index("ix_stock_ledger_place", "bin_id", "item_id", "lot_id"),
    )


class BinStock(db.Model):
    __tablename__ = "bin_stock"
    id: Mapped[int] = mapped_column(primary_key=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    qty: Mapped[int] = mapped_column(Integer, default=0)
    # Units promised to orders (reservations); only qty - reserved_qty can be promised or taken freely.
    reserved_qty: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    __table_args__ = (
        # Declared here, not on the column: Alembic drops column-level CHECKs silently.
        CheckConstraint("qty >= 0", name="qty_not_negative"),
        CheckConstraint("reserved_qty >= 0 AND reserved_qty <= qty", name="reserved_within_qty"),
        UniqueConstraint("bin_id", "item_id", "lot_id", name="uq_bin_stock_place"),
    )


class Scan(db.Model):
    """Every scan, stored under the id the device made, with the exact ack it was answered."""

    __tablename__ = "scans"
    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[str] = mapped_column(String(64), unique=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    mode: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(256))
    kind: Mapped[str | None] = mapped_column(String(16))
    ok: Mapped[bool] = mapped_column(Boolean)
    error_code: Mapped[str | None] = mapped_column(String(64))
    ack_json: Mapped[str] = mapped_column(Text)


class Station(db.Model):
    """A packing station: a place with a label printer, optionally a fixed (serial) scanner. Its page is
    bound to it; the packer signed in there is who the fixed scanner's scans are attributed to."""

    __tablename__ = "stations"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    printer_id: Mapped[int | None] = mapped_column(ForeignKey("printers.id"))
    scanner_device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), unique=True)
    packer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_in_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The order being packed here now; one station packs one order at a time.
    order_id: Mapped[int | None] = mapped_column(ForeignKey("sales_orders.id"), unique=True)


class Printer(db.Model):
    __tablename__ = "printers"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    transport: Mapped[str] = mapped_column(String(16))
    host: Mapped[str | None] = mapped_column(String(128))
    port: Mapped[int | None] = mapped_column(Integer)
    queue: Mapped[str | None] = mapped_column(String(128))
    dpi: Mapped[int] = mapped_column(Integer, default=203)
    # The stock loaded (the printer profile): documents are laid out for it, not for a fixed 4 x 6 in.
    label_width_mm: Mapped[float] = mapped_column(Float, default=101.6, server_default="101.6")
    label_height_mm: Mapped[float] = mapped_column(Float, default=152.4, server_default="152.4")
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    # Which documents it prints, comma-separated (bin_label, lpn_label, shipping_label, packing_list,
    # badge, item_label); empty: any.
    documents: Mapped[str] = mapped_column(String(200), default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    __table_args__ = (
        CheckConstraint("transport IN ('tcp9100','cups')", name="transport_known"),
        CheckConstraint("dpi IN (203, 300)", name="dpi_known"),
    )


class PrintJob(db.Model):
    """A label stored before it is sent; the agent reports each state it reaches."""

    __tablename__ = "print_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    printer_id: Mapped[int] = mapped_column(ForeignKey("printers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    zpl: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    reason: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # A reprint names the job it repeats and why (audited: a second label is a second parcel risk).
    reprint_of: Mapped[int | None] = mapped_column(ForeignKey("print_jobs.id"))
    reprint_reason: Mapped[str | None] = mapped_column(String(200))
    # The parcel a shipping label, packing list or exchange notice is for: cancelling its order voids them.
    parcel_id: Mapped[int | None] = mapped_column(ForeignKey("parcels.id"), index=True)
    printer: Mapped[Printer] = relationship(lazy="joined")
    __table_args__ = (
        # voided: its parcel's order was cancelled; never sent (again), never reprinted.
        CheckConstraint("status IN ('queued','waiting','sent','printed','failed','voided')",
                        name="status_known"),
    )


class PrintJobEvent(db.Model):
    __tablename__ = "print_job_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("print_jobs.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(200))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PurchaseOrder(db.Model):
    __tablename__ = "purchase_orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    expected_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    supplier: Mapped[Supplier] = relationship(lazy="joined")
    lines: Mapped[list[PurchaseOrderLine]] = relationship(back_populates="po",
                                                          order_by="PurchaseOrderLine.line_no")
    __table_args__ = (
        CheckConstraint("status IN ('open','closed','cancelled')", name="status_known"),
    )


class PurchaseOrderLine(db.Model):
    """What was ordered, and how much of it has been counted in (all receipts, all devices)."""

    __tablename__ = "purchase_order_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    po_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    ordered_qty: Mapped[int] = mapped_column(Integer)
    # Counted on receipts not rejected. Raised only by a conditional UPDATE that keeps it <= ordered.
    received_qty: Mapped[int] = mapped_column(Integer, default=0)
    expected_on: Mapped[date | None] = mapped_column(Date)
    po: Mapped[PurchaseOrder] = relationship(back_populates="lines")
    item: Mapped[Item] = relationship(lazy="joined")
    __table_args__ = (
        CheckConstraint("ordered_qty > 0", name="ordered_positive"),
        CheckConstraint("received_qty >= 0 AND received_qty <= ordered_qty", name="never_over_received"),
        UniqueConstraint("po_id", "line_no", name="uq_po_lines_po_line_no"),
    )


class Receipt(db.Model):
    """One delivery being received against one PO by one receiver (who signs it)."""

    __tablename__ = "receipts"
    id: Mapped[int] = mapped_column(primary_key=True)
    po_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="counting")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    returned_goods: Mapped[bool] = mapped_column(Boolean, default=False)
    po: Mapped[PurchaseOrder] = relationship(lazy="joined")
    __table_args__ = (
        CheckConstraint("status IN ('counting','confirmed','cancelled')", name="status_known"),
    )


class Carton(db.Model):
    __tablename__ = "cartons"
    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    condition: Mapped[str] = mapped_column(String(16))
    checked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # A flagged carton: the supplier was asked to replace the packaging (recorded here).
    replacement_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (
        CheckConstraint("condition IN ('intact','deformed','damaged','wet','mouldy')",
                        name="condition_known"),
        UniqueConstraint("receipt_id", "seq", name="uq_cartons_receipt_seq"),
    )


class ReceiptCount(db.Model):
    """Units of one PO line counted into one carton of a receipt."""

    __tablename__ = "receipt_counts"
    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"), index=True)
    carton_id: Mapped[int] = mapped_column(ForeignKey("cartons.id"))
    po_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_lines.id"))
    qty: Mapped[int] = mapped_column(Integer)
    expiry: Mapped[date | None] = mapped_column(Date)
    supplier_lot: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    scan_id: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (CheckConstraint("qty > 0", name="qty_positive"),)


class Inspection(db.Model):
    """The sampled inspection of one received lot: the plan applied and what was found."""

    __tablename__ = "inspections"
    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), unique=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"), index=True)
    po_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_lines.id"))
    lot_qty: Mapped[int] = mapped_column(Integer)
    flagged_qty: Mapped[int] = mapped_column(Integer, default=0)  # units in flagged cartons: all inspected
    policy: Mapped[str] = mapped_column(String(16))
    plan_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    inspected: Mapped[int] = mapped_column(Integer, default=0)
    defects: Mapped[int] = mapped_column(Integer, default=0)
    flagged_inspected: Mapped[int] = mapped_column(Integer, default=0)
    flagged_defects: Mapped[int] = mapped_column(Integer, default=0)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (
        CheckConstraint("status IN ('open','accepted','rejected')", name="status_known"),
        CheckConstraint("defects <= inspected AND flagged_defects <= flagged_inspected",
                        name="defects_within_inspected"),
    )


class InspectedUnit(db.Model):
    __tablename__ = "inspected_units"
    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    from_flagged_carton: Mapped[bool] = mapped_column(Boolean, default=False)
    defect: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(32))
    serial: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    scan_id: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SupplierQuality(db.Model):
    """Per supplier (and item family for ISO switching): where its inspections stand now."""

    __tablename__ = "supplier_quality"
    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    switching_json: Mapped[str] = mapped_column(Text)
    # ISO 2859-1: reduced inspection needs a supervisor's approval; resuming after a discontinuation
    # needs the supplier's corrective action, recorded by a supervisor.
    reduced_approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    corrective_action: Mapped[str | None] = mapped_column(String(500))
    corrective_action_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    corrective_action_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("supplier_id", "product_id", name="uq_supplier_quality_family"),)


class PutawayTask(db.Model):
    __tablename__ = "putaway_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    qty: Mapped[int] = mapped_column(Integer)
    zone: Mapped[str] = mapped_column(String(8))
    suggested_bin_id: Mapped[int | None] = mapped_column(ForeignKey("bins.id"))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    bin_id: Mapped[int | None] = mapped_column(ForeignKey("bins.id"))
    done_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("status IN ('open','done')", name="status_known"),
    )


class VendorReturn(db.Model):
    """A rejected lot going back to its supplier (return to vendor, RTV-000001): nothing of it entered
    stock. A manager approves it, its dispatch note prints, and it is marked sent when it leaves
    (awaiting_approval -> approved -> sent, or cancelled), each step with who and when."""

    __tablename__ = "vendor_returns"
    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    qty: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(24), default="awaiting_approval", server_default="awaiting_approval",
                                        index=True)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_note: Mapped[str] = mapped_column(String(200), default="", server_default="")  # carrier, waybill …
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancel_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")
    __table_args__ = (
        CheckConstraint("status IN ('awaiting_approval','approved','sent','cancelled')", name="status_known"),
    )


class SalesOrder(db.Model):
    """A customer's order from a channel (API, marketplace export). Ships only once released."""

    __tablename__ = "sales_orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    number: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending_review", index=True)
    # Why the order is stopped (unpaid, unknown SKU, no address, shortage …): JSON list of error dicts.
    review_json: Mapped[str] = mapped_column(Text, default="[]")
    customer_name: Mapped[str] = mapped_column(String(128), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    carrier: Mapped[str] = mapped_column(String(64), default="")
    buyer_note: Mapped[str] = mapped_column(String(500), default="")
    paid_at: Mapped[datetime | None] = mapped_column(DateTime)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    cut_off: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    released_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime | None] = mapped_column(DateTime)
    # A written hold notice (暂缓出货): stops the order wherever it is until a confirmed release.
    hold_reason: Mapped[str | None] = mapped_column(String(500))
    held_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    held_at: Mapped[datetime | None] = mapped_column(DateTime)
    status_before_hold: Mapped[str | None] = mapped_column(String(16))
    # An exchange (换货) ships a replacement for an earlier order, with the exchange notice in the parcel.
    kind: Mapped[str] = mapped_column(String(16), default="sale", server_default="sale")
    exchange_of: Mapped[str | None] = mapped_column(String(64))
    exchange_reason: Mapped[str | None] = mapped_column(String(200))
    # A cancellation (取消/退款) before handover: the written reason, who, when, and the status it was
    # cancelled from (server/services/orders/cancellation.py).
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancelled_from: Mapped[str | None] = mapped_column(String(16))
    lines: Mapped[list[SalesOrderLine]] = relationship(back_populates="order", order_by="SalesOrderLine.line_no")
    __table_args__ = (
        UniqueConstraint("channel", "number", name="uq_sales_orders_channel_number"),
        CheckConstraint("status IN ('pending_review','released','allocated','picking','picked','packed',"
                        "'shipped','on_hold','cancelled')", name="status_known"),
        CheckConstraint("kind IN ('sale','exchange')", name="kind_known"),
    )


class SalesOrderLine(db.Model):
    __tablename__ = "sales_order_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    sku_text: Mapped[str] = mapped_column(String(64))  # as the channel sent it, even if unknown
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    qty: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="open")
    # item: an item's demand. kit: a kit ordered (the shop's line, on documents and returns); from release
    # its demand is in its parts. part: a kit line's demand — ready-made kits or components —
    # reserved, picked and packed as any item's (server/services/orders/kit_lines.py).
    kind: Mapped[str] = mapped_column(String(8), default="item", server_default="item")
    kit_line_id: Mapped[int | None] = mapped_column(ForeignKey("sales_order_lines.id"), index=True)
    order: Mapped[SalesOrder] = relationship(back_populates="lines")
    item: Mapped[Item | None] = relationship(lazy="joined")
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("status IN ('open','cancelled')", name="status_known"),
        CheckConstraint("kind IN ('item','kit','part')", name="kind_known"),
        UniqueConstraint("order_id", "line_no", name="uq_sales_order_lines_order_line_no"),
        # orders.free_stock: what released orders claim of an item, without walking every released order.
        Index("ix_sales_order_lines_item_id_status", "item_id", "status"),
    )


class OrderImportJob(db.Model):
    """A marketplace order file imported in the background (server/services/orders/import_jobs.py): checked
    whole, then written a batch of orders per transaction. Its progress and report live here, so any page
    or process can follow it, and a restarted server can carry it on."""

    __tablename__ = "order_import_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # taobao | generic
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    phase: Mapped[str] = mapped_column(String(16), default="waiting")  # waiting | checking | writing | finished
    filename: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The worker writes this with every batch: a running job whose heartbeat is old has lost its process.
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)  # order lines in the file
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    orders_total: Mapped[int] = mapped_column(Integer, default=0)
    orders_done: Mapped[int] = mapped_column(Integer, default=0)  # orders of the file dealt with, in file order
    imported: Mapped[int] = mapped_column(Integer, default=0)
    stopped: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    resumed: Mapped[int] = mapped_column(Integer, default=0)  # times carried on after a restart
    report_json: Mapped[str] = mapped_column(Text, default="{}")
    __table_args__ = (
        CheckConstraint("status IN ('queued','running','done','refused','failed')", name="status_known"),
        CheckConstraint("kind IN ('taobao','generic')", name="kind_known"),
    )


class OrderImportFile(db.Model):
    """An uploaded file of an import job, kept until the job ends (a restart reads it again)."""

    __tablename__ = "order_import_files"
    job_id: Mapped[int] = mapped_column(ForeignKey("order_import_jobs.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(16), primary_key=True)  # orders | items | file
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Reservation(db.Model):
    """Units of one bin/lot promised to one order line: no other order (or wave) can promise them."""

    __tablename__ = "reservations"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_lines.id"), index=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    qty: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="reserved", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("status IN ('reserved','picked','released')", name="status_known"),
    )


class Wave(db.Model):
    """Released orders sent to the floor together, batched onto carts, each cart a routed pick list."""

    __tablename__ = "waves"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="released", index=True)
    method: Mapped[str] = mapped_column(String(16))
    filters_json: Mapped[str] = mapped_column(Text, default="{}")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (CheckConstraint("status IN ('released','picking','done','cancelled')", name="status_known"),)


class PickList(db.Model):
    """One cart's trip: its orders (one per tote) and its stops in walking order."""

    __tablename__ = "pick_lists"
    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="open")
    route_method: Mapped[str] = mapped_column(String(16))
    route_length: Mapped[float] = mapped_column(Float)
    totes: Mapped[int] = mapped_column(Integer)
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (
        CheckConstraint("status IN ('open','claimed','done')", name="status_known"),
        # Open lists in the order they are taken (claims, the handheld's choice): walked, not sorted.
        Index("ix_pick_lists_status_wave_id_seq", "status", "wave_id", "seq"),
    )


class PickTask(db.Model):
    """A stop: take `qty` of an item's lot from a bin into the tote of one order."""

    __tablename__ = "pick_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    pick_list_id: Mapped[int] = mapped_column(ForeignKey("pick_lists.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    reservation_id: Mapped[int] = mapped_column(ForeignKey("reservations.id"), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    tote_slot: Mapped[int] = mapped_column(Integer)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    qty: Mapped[int] = mapped_column(Integer)
    picked_qty: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="open")
    bin_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    put_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)  # the tote was scanned after the pick
    tote_bin_id: Mapped[int | None] = mapped_column(ForeignKey("bins.id"), index=True)  # "is this tote busy?" per bind
    __table_args__ = (
        CheckConstraint("qty > 0 AND picked_qty >= 0 AND picked_qty <= qty", name="picked_within_qty"),
        # cancelled: its order was cancelled before the stop was picked (whatever was picked goes back).
        CheckConstraint("status IN ('open','picked','short','cancelled')", name="status_known"),
    )


class Parcel(db.Model):
    """One box of an order, packed at a station. Its units sit in its own bin (kind `parcel`) in the
    ledger from the verifying scan until the handover ships them."""

    __tablename__ = "parcels"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    # How many parcels the packer said the order ships in ("parcel n of m" on the label).
    of_parcels: Mapped[int] = mapped_column(Integer, default=1)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"), unique=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    carrier: Mapped[str] = mapped_column(String(16))
    tracking: Mapped[str | None] = mapped_column(String(40), unique=True)
    weight_g: Mapped[int | None] = mapped_column(Integer)
    # Weighing at packing (docs/packing.md, "Weighing"): the box used (config [[packing.packaging]]),
    # what the parcel should weigh (units + tare; None when a unit's weight is unknown), and a
    # supervisor's written reason when it closed outside the tolerance.
    packaging: Mapped[str | None] = mapped_column(String(32))
    expected_weight_g: Mapped[int | None] = mapped_column(Integer)
    weight_override_reason: Mapped[str | None] = mapped_column(String(500))
    weight_override_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    packed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    manifest_id: Mapped[int | None] = mapped_column(ForeignKey("manifests.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (
        # voided: its order was cancelled before handover; its labels are voided, its units put back.
        CheckConstraint("status IN ('open','closed','shipped','voided')", name="status_known"),
        UniqueConstraint("order_id", "seq", name="uq_parcels_order_seq"),
    )


class PutBackTask(db.Model):
    """Units of a cancelled order going back to the shelves from where they wait (a tote, a parcel, a hold
    bin): the source is scanned, then each unit and the bin it goes into (ledger: reason put_back)."""

    __tablename__ = "put_back_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    source_bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    done_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime | None] = mapped_column(DateTime)
    lines: Mapped[list[PutBackLine]] = relationship(back_populates="task", order_by="PutBackLine.id")
    __table_args__ = (CheckConstraint("status IN ('open','done')", name="status_known"),)


class PutBackLine(db.Model):
    """One item and lot of a put-back task: `qty` to put back, `put_qty` put back so far."""

    __tablename__ = "put_back_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("put_back_tasks.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    qty: Mapped[int] = mapped_column(Integer)
    put_qty: Mapped[int] = mapped_column(Integer, default=0)
    # Where the units were picked from: the bin suggested (any sellable bin is taken).
    suggested_bin_id: Mapped[int | None] = mapped_column(ForeignKey("bins.id"))
    task: Mapped[PutBackTask] = relationship(back_populates="lines")
    __table_args__ = (CheckConstraint("qty > 0 AND put_qty >= 0 AND put_qty <= qty", name="put_within_qty"),)


class WorkOrder(db.Model):
    """A work order (加工单): assemble `qty` kits from their components (组装) or take `qty` ready-made kits
    apart (拆卸). Its units travel through its own ledger bin (kind `work_order`, zone W) from the pick to the
    put-away (server/services/assembly/work_orders.py)."""

    __tablename__ = "work_orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)  # the kit
    qty: Mapped[int] = mapped_column(Integer)
    # Kits made (assemble) or taken apart (disassemble) so far.
    done_qty: Mapped[int] = mapped_column(Integer, default=0)
    # open: nothing picked yet; picking; making: everything picked, kits being made or taken apart;
    # putting_away; done; cancelled (units already picked go back through put-away steps).
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"), unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    steps: Mapped[list[WorkOrderStep]] = relationship(back_populates="work_order", order_by="WorkOrderStep.id")
    __table_args__ = (
        CheckConstraint("kind IN ('assemble','disassemble')", name="kind_known"),
        CheckConstraint("status IN ('open','picking','making','putting_away','done','cancelled')",
                        name="status_known"),
        CheckConstraint("qty > 0 AND done_qty >= 0 AND done_qty <= qty", name="done_within_qty"),
    )


class WorkOrderStep(db.Model):
    """One step of a work order on the handheld. pick: `qty` of an item's lot from `bin` into the work order's
    bin (reserved there until picked); put_away: `qty` of an item's lot from the work order's bin onto a shelf,
    `bin` the one suggested (None: any shelf bin)."""

    __tablename__ = "work_order_steps"
    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    bin_id: Mapped[int | None] = mapped_column(ForeignKey("bins.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    qty: Mapped[int] = mapped_column(Integer)
    done_qty: Mapped[int] = mapped_column(Integer, default=0)
    work_order: Mapped[WorkOrder] = relationship(back_populates="steps")
    __table_args__ = (
        CheckConstraint("kind IN ('pick','put_away')", name="kind_known"),
        CheckConstraint("qty > 0 AND done_qty >= 0 AND done_qty <= qty", name="done_within_qty"),
    )


class Manifest(db.Model):
    """A carrier's handover (交接): parcels scanned onto it; final once the driver and the packer confirm."""

    __tablename__ = "manifests"
    id: Mapped[int] = mapped_column(primary_key=True)
    carrier: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    driver_name: Mapped[str | None] = mapped_column(String(64))
    driver_phone: Mapped[str | None] = mapped_column(String(32))
    vehicle: Mapped[str | None] = mapped_column(String(32))
    driver_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    packer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    packer_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (
        CheckConstraint("status IN ('open','shipped')", name="status_known"),
        # One open manifest per carrier: the first parcels of a carrier scanned at two stations at once
        # (two processes) must not start two manifests, one of which the driver would never confirm.
        Index("uq_manifests_open_carrier", "carrier", unique=True, sqlite_where=text("status = 'open'"),
              postgresql_where=text("status = 'open'")),
    )


# --- returns (退货入库) -----------------------------------------------------------------------------

class ReturnCase(db.Model):
    """Goods coming back from a customer: opened against a shipped order (or as an unknown parcel to
    identify), every unit inspected, each unit's disposition signed off level by level."""

    __tablename__ = "return_cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    parcel_tracking: Mapped[str | None] = mapped_column(String(40))
    # open (units being inspected) → inspected (dispositions set) → signing → done; escalated while a
    # supervisor must look (an item that was not in the order came back).
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(String(500), default="")
    received_on: Mapped[date] = mapped_column(Date)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    shipping_cost_cents: Mapped[int] = mapped_column(Integer, default=0)
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    exchange_order_id: Mapped[int | None] = mapped_column(ForeignKey("sales_orders.id"))
    __table_args__ = (
        CheckConstraint("status IN ('open','inspected','signing','done','cancelled')", name="status_known"),
    )


class ReturnLine(db.Model):
    """An item the customer said they send back (what is expected in the parcel)."""

    __tablename__ = "return_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("return_cases.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    qty: Mapped[int] = mapped_column(Integer)
    __table_args__ = (CheckConstraint("qty > 0", name="qty_positive"),)


class ReturnUnit(db.Model):
    """One unit that came back, as inspected (100 %) and then disposed of."""

    __tablename__ = "return_units"
    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("return_cases.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"))
    # good | damaged | wrong_item | missing_parts
    judgement: Mapped[str] = mapped_column(String(16))
    # The customer sent something that was not in the order: the case goes to a supervisor.
    unexpected: Mapped[bool] = mapped_column(Boolean, default=False)
    # restock | repair | scrap | rtv (return to vendor); set after inspection
    disposition: Mapped[str | None] = mapped_column(String(16))
    bin_id: Mapped[int | None] = mapped_column(ForeignKey("bins.id"))
    putaway_task_id: Mapped[int | None] = mapped_column(ForeignKey("putaway_tasks.id"))
    inspected_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    inspected_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    scan_id: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (
        CheckConstraint("judgement IN ('good','damaged','wrong_item','missing_parts')", name="judgement_known"),
        CheckConstraint("disposition IS NULL OR disposition IN ('restock','repair','scrap','rtv')",
                        name="disposition_known"),
    )


class ReturnSignoff(db.Model):
    """One level of a case's sign-off chain, signed by one user. No user signs two levels of a case;
    no level is signed before the one below it (checked by the service, the pairs by the database)."""

    __tablename__ = "return_signoffs"
    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("return_cases.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    note: Mapped[str] = mapped_column(String(200), default="")
    __table_args__ = (
        UniqueConstraint("return_id", "level", name="uq_return_signoffs_level"),
        UniqueConstraint("return_id", "user_id", name="uq_return_signoffs_user"),
    )


# --- inventory control (调拨 · 盘点 · 调整 · 补货) ---------------------------------------------------

class Transfer(db.Model):
    """Units moved bin → bin (done at once) or warehouse → warehouse (in transit until received)."""

    __tablename__ = "transfers"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # bin | warehouse
    status: Mapped[str] = mapped_column(String(16), default="done", index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    qty: Mapped[int] = mapped_column(Integer)
    from_bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    to_bin_id: Mapped[int | None] = mapped_column(ForeignKey("bins.id"))
    to_warehouse: Mapped[str | None] = mapped_column(String(16))
    transit_bin_id: Mapped[int | None] = mapped_column(ForeignKey("bins.id"))
    replenishment_id: Mapped[int | None] = mapped_column(ForeignKey("replenishment_tasks.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    received_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("kind IN ('bin','warehouse')", name="kind_known"),
        CheckConstraint("status IN ('done','in_transit')", name="status_known"),
    )


class CycleCount(db.Model):
    """A count a supervisor scheduled (by zone, by item, or bins not counted for N days)."""

    __tablename__ = "cycle_counts"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    scope_json: Mapped[str] = mapped_column(Text, default="{}")
    tolerance_units: Mapped[int] = mapped_column(Integer, default=0)
    tolerance_pct: Mapped[float] = mapped_column(Float, default=0.0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (CheckConstraint("status IN ('open','closed','cancelled')", name="status_known"),)


class CountLine(db.Model):
    """One bin × item of a count. The counter never sees `expected` (blind count)."""

    __tablename__ = "count_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    count_id: Mapped[int] = mapped_column(ForeignKey("cycle_counts.id"), index=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    # open → counted (within tolerance: posted) | recount → recounted → approved (posted) | rejected
    status: Mapped[str] = mapped_column(String(16), default="open")
    expected: Mapped[int | None] = mapped_column(Integer)
    counted: Mapped[int | None] = mapped_column(Integer)
    recounted: Mapped[int | None] = mapped_column(Integer)
    counted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    counted_at: Mapped[datetime | None] = mapped_column(DateTime)
    recounted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    posted_qty: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (
        CheckConstraint("status IN ('open','counted','recount','recounted','posted','rejected')", name="status_known"),
    )


class Adjustment(db.Model):
    """A correction of stock with its reason, by a permitted role; the ledger row carries the same."""

    __tablename__ = "adjustments"
    id: Mapped[int] = mapped_column(primary_key=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    qty: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(String(200), default="")
    count_line_id: Mapped[int | None] = mapped_column(ForeignKey("count_lines.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (CheckConstraint("qty <> 0", name="qty_nonzero"),)


class PickFace(db.Model):
    """A pick bin's replenishment rule: below `min_qty` of the item, refill it from reserve up to `max_qty`."""

    __tablename__ = "pick_faces"
    id: Mapped[int] = mapped_column(primary_key=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    min_qty: Mapped[int] = mapped_column(Integer)
    max_qty: Mapped[int] = mapped_column(Integer)
    __table_args__ = (
        UniqueConstraint("bin_id", "item_id", name="uq_pick_faces_bin_item"),
        CheckConstraint("min_qty >= 0 AND max_qty > min_qty", name="levels_sane"),
    )


class StockAlert(db.Model):
    """Stock fell below a threshold: the item's safety stock (low_stock) or a pick face's minimum
    (replenish). One open alert per item (and bin) at a time; it closes when stock is back."""

    __tablename__ = "stock_alerts"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    bin_id: Mapped[int | None] = mapped_column(ForeignKey("bins.id"))
    qty: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    raised_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (
        CheckConstraint("kind IN ('low_stock','replenish')", name="kind_known"),
        CheckConstraint("status IN ('open','cleared')", name="status_known"),
    )


class ReplenishmentTask(db.Model):
    """Refill a pick face from a reserve bin; done by the transfer that moves the units."""

    __tablename__ = "replenishment_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    from_bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    to_bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    qty: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("stock_alerts.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("status IN ('open','done','cancelled')", name="status_known"),
    )


class FloorTelemetry(db.Model):
    """How the floor's devices fare, per hour × device × user × zone: scan-to-ack latency as the device
    measured it (a histogram, so percentiles survive aggregation), errors, duplicate scans, replays,
    reconnects and time offline. Finds Wi-Fi dead spots and badly configured scanners."""

    __tablename__ = "floor_telemetry"
    id: Mapped[int] = mapped_column(primary_key=True)
    hour: Mapped[datetime] = mapped_column(DateTime, index=True)
    # Codes, not keys: a cell must be unique also where no user or device is known ("" is, NULL is not).
    device_code: Mapped[str] = mapped_column(String(32), default="")
    username: Mapped[str] = mapped_column(String(64), default="")
    zone: Mapped[str] = mapped_column(String(8), default="")
    scans: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    replays: Mapped[int] = mapped_column(Integer, default=0)
    reconnects: Mapped[int] = mapped_column(Integer, default=0)
    offline_ms: Mapped[int] = mapped_column(Integer, default=0)
    latency_count: Mapped[int] = mapped_column(Integer, default=0)
    latency_sum_ms: Mapped[float] = mapped_column(Float, default=0.0)
    latency_max_ms: Mapped[float] = mapped_column(Float, default=0.0)
    # Counts per latency bucket (upper bounds in services/floor/telemetry.py BUCKETS_MS), as JSON.
    latency_buckets: Mapped[str] = mapped_column(Text, default="[]")
    __table_args__ = (
        UniqueConstraint("hour", "device_code", "username", "zone", name="uq_floor_telemetry_cell"),
    )


class AuditEntry(db.Model):
    """Who changed what, from which device, when: one row per committed transaction of ORM writes (a
    JSON list of the rows inserted, updated and deleted, with their changed columns). Stock moves and
    scans are not repeated here: stock_ledger and scans are their own append-only audit (docs/security.md)."""

    __tablename__ = "audit_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), index=True)
    # As the device named itself: a handheld's name may not be a registered device.
    device_code: Mapped[str] = mapped_column(String(64), default="", index=True)
    # What did it: "POST /api/v1/orders", "/floor scan", "cli revoke-token", "system".
    via: Mapped[str] = mapped_column(String(200), default="")
    # The tables touched, comma-framed (",orders,order_lines,") so one can be filtered for.
    tables: Mapped[str] = mapped_column(String(500), default="")
    changes: Mapped[str] = mapped_column(Text, default="[]")


class LoginAttempt(db.Model):
    """Every log-in, failed or not: failures in the last minutes, per user name and per client address,
    throttle further attempts in every server process (they all read this table)."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))
    # "user:<name>" or "badge:<digest prefix>": never the badge or password itself.
    subject: Mapped[str] = mapped_column(String(128))
    ip: Mapped[str] = mapped_column(String(64), default="")
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    __table_args__ = (
        Index("ix_login_attempts_subject_at", "subject", "at"),
        Index("ix_login_attempts_ip_at", "ip", "at"),
    )


# site_facts key the demo seeder writes ("1"): servers outside the demo refuse such a database.
DEMO_FACT = "demo"


class SiteFact(db.Model):
    """Facts about this installation: whether it holds the demo warehouse, when opening stock was
    loaded per warehouse (and whether a supervisor reopened it)."""

    __tablename__ = "site_facts"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class EndedSession(db.Model):
    """A log-out: the session it ended, so its cookie (signed, not stored) no longer works, even copied.
    Kept as long as a session can live ([server] session_hours), then dropped."""

    __tablename__ = "ended_sessions"
    sid: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
