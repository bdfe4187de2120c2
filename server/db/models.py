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
    String,
    Text,
    UniqueConstraint,
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
    __table_args__ = (
        CheckConstraint("role IN ('picker','receiver','inspector','packer','supervisor','admin')",
                        name="role_known"),
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
    __table_args__ = (
        CheckConstraint("kind IN ('pda','scanner_bridge','printer_agent')", name="kind_known"),
    )


class Supplier(db.Model):
    __tablename__ = "suppliers"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))


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
    tracks_expiry: Mapped[bool] = mapped_column(Boolean, default=False)
    product: Mapped[Product] = relationship(lazy="joined")
    barcodes: Mapped[list[ItemBarcode]] = relationship(back_populates="item",
                                                       order_by="ItemBarcode.id")


class ItemBarcode(db.Model):
    __tablename__ = "item_barcodes"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    # GTINs compare as GTIN-14, internal codes upper-cased: see domain.barcodes.item_code_key.
    lookup_key: Mapped[str] = mapped_column(String(64), unique=True)
    symbology: Mapped[str] = mapped_column(String(16))
    item: Mapped[Item] = relationship(back_populates="barcodes")


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
    kind: Mapped[str] = mapped_column(String(16), default="storage")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Lot(db.Model):
    __tablename__ = "lots"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    received_on: Mapped[date] = mapped_column(Date)
    expiry: Mapped[date | None] = mapped_column(Date)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"))
    __table_args__ = (UniqueConstraint("item_id", "code", name="uq_lots_item_code"),)


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
    __table_args__ = (
        # Declared here, not on the column: Alembic drops column-level CHECKs silently.
        CheckConstraint("qty >= 0", name="qty_not_negative"),
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
    __tablename__ = "stations"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    printer_id: Mapped[int | None] = mapped_column(ForeignKey("printers.id"))


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
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
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
    printer: Mapped[Printer] = relationship(lazy="joined")
    __table_args__ = (
        CheckConstraint("status IN ('queued','waiting','sent','printed','failed')",
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
