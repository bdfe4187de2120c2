"""A pick list and all its stops, read in two statements — what every pick scan needs to check the scan,
change the stop and answer with the list and the current stop — and the views the handheld shows."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import bindparam, text

from server.db.fast import Sql, read_together
from server.extensions import db

# Locked (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers): two devices of the picker
# scanning the same stop from different server processes take turns, and the second reads the stop
# as the first left it instead of adding its units to a stale count.
_LIST_TEXT = """
    SELECT id, wave_id, seq, status, claimed_by, totes, route_method, route_length
    FROM pick_lists WHERE id = :id"""
_LIST = Sql(_LIST_TEXT + " {lock}")
_LIST_UNLOCKED = Sql(_LIST_TEXT)
_USERNAME = Sql("SELECT username FROM users WHERE id = :id")
_STOPS_FROM = """
    SELECT t.id, t.seq, t.status, t.qty, t.picked_qty, t.bin_confirmed, t.put_confirmed, t.tote_slot,
           t.tote_bin_id, t.bin_id, t.item_id, t.lot_id, t.order_id, t.reservation_id,
           b.code, i.sku, p.name_en, p.name_zh, i.variant_en, i.variant_zh, l.code,
           tote.code, tote.kind, o.number, o.status, o.hold_reason
    FROM pick_tasks t
    JOIN bins b ON b.id = t.bin_id
    JOIN items i ON i.id = t.item_id
    JOIN products p ON p.id = i.product_id
    JOIN lots l ON l.id = t.lot_id
    JOIN sales_orders o ON o.id = t.order_id
    LEFT JOIN bins tote ON tote.id = t.tote_bin_id"""
_STOPS = Sql(_STOPS_FROM + " WHERE t.pick_list_id = :list ORDER BY t.seq")
# Many lists at once (REST and pages: up to hundreds of lists, in three statements instead of three each).
# The texts are fixed here, when the module loads, from the constants above; the ids are bound parameters.
_LISTS_OF_TEXT = _LIST_TEXT.replace("WHERE id = :id", "WHERE id IN :ids")
_STOPS_OF_TEXT = (_STOPS_FROM.replace("SELECT t.id,", "SELECT t.pick_list_id, t.id,", 1)
                  + " WHERE t.pick_list_id IN :ids ORDER BY t.pick_list_id, t.seq")
_LISTS_OF = text(_LISTS_OF_TEXT).bindparams(bindparam("ids", expanding=True))
_STOPS_OF = text(_STOPS_OF_TEXT).bindparams(bindparam("ids", expanding=True))
_USERNAMES = text("SELECT id, username FROM users WHERE id IN :ids").bindparams(bindparam("ids", expanding=True))
_AT_ONCE = 500  # ids in one IN (...): far under every database's limit on parameters


@dataclass(slots=True)
class Stop:
    """One pick task as the scan path reads it (with its bin, item, lot, tote and order)."""

    id: int
    seq: int
    status: str
    qty: int
    picked: int
    bin_confirmed: bool
    put_confirmed: bool
    tote_slot: int
    tote_bin_id: int | None
    bin_id: int
    item_id: int
    lot_id: int
    order_id: int
    reservation_id: int
    bin: str
    sku: str
    name_en: str
    name_zh: str
    variant_en: str | None
    variant_zh: str | None
    lot: str
    tote: str | None
    tote_kind: str | None
    order: str
    order_status: str
    hold_reason: str | None

    @property
    def on_hold(self) -> bool:
        return self.order_status == "on_hold"

    def view(self) -> dict:
        """The stop as the handheld shows it."""
        return {"task": self.id, "seq": self.seq, "bin": self.bin, "sku": self.sku,
                "name": {"en": self.name_en, "zh": self.name_zh},
                "variant": {"en": self.variant_en, "zh": self.variant_zh},
                "lot": self.lot, "qty": self.qty, "picked": self.picked, "tote_slot": self.tote_slot, "tote": self.tote,
                "order": self.order, "bin_confirmed": bool(self.bin_confirmed), "on_hold": self.on_hold}


@dataclass(slots=True)
class ListState:
    id: int
    wave_id: int
    seq: int
    status: str
    claimed_by: int | None
    totes: int
    route_method: str
    route_length: float
    stops: list[Stop] = field(default_factory=list)

    def current(self) -> Stop | None:
        """The next open stop in walking order. Stops of an order on hold are passed over (the rest of
        the cart goes on); when only held orders' stops are left, the first of them."""
        open_stops = [s for s in self.stops if s.status == "open"]
        return next((s for s in open_stops if not s.on_hold), open_stops[0] if open_stops else None)

    def stop(self, task_id: object) -> Stop | None:
        return next((s for s in self.stops if s.id == task_id), None)

    def view(self, claimed_by: str | None) -> dict:
        """The list as the handheld and the supervisor's pages show it (claimed_by: the user name)."""
        return {"pick_list": self.id, "wave": self.wave_id, "seq": self.seq, "status": self.status,
                "claimed_by": claimed_by, "totes": self.totes, "route_method": self.route_method,
                "route_length_m": self.route_length,
                "tote_codes": {str(s.tote_slot): s.tote for s in self.stops if s.tote_kind == "tote"},
                "stops": [{"seq": s.seq, "bin": s.bin, "sku": s.sku, "lot": s.lot, "qty": s.qty, "order": s.order,
                           "tote": s.tote_slot, "status": s.status, "on_hold": s.on_hold,
                           "hold_reason": s.hold_reason if s.on_hold else None} for s in self.stops]}

    def view_with_stop(self, claimed_by: str | None) -> dict:
        current = self.current()
        return self.view(claimed_by) | {"stop": current.view() if current else None}


def load(pick_list_id: object, lock: bool = False) -> ListState | None:
    """The list and its stops; None when there is no such list. `lock`: for a scan that changes it."""
    if not isinstance(pick_list_id, int) or isinstance(pick_list_id, bool):
        return None
    db.session.flush()  # hand-written SQL does not autoflush: ORM changes of this transaction first
    # One round trip on PostgreSQL; the stops are read after the list's lock is taken.
    found, stops = read_together((_LIST if lock else _LIST_UNLOCKED, {"id": pick_list_id}),
                                 (_STOPS, {"list": pick_list_id}))
    if not found:
        return None
    state = ListState(*found[0])
    state.stops = [Stop(*r) for r in stops]
    return state


def username(user_id: int | None) -> str | None:
    return _USERNAME.scalar(id=user_id) if user_id else None


def view(pick_list_id: int, with_stop: bool = False) -> dict:
    """The list's view for REST and pages (one list; never on the scan path)."""
    state = load(pick_list_id)
    name = username(state.claimed_by)
    return state.view_with_stop(name) if with_stop else state.view(name)


def views(pick_list_ids: list[int], with_stop: bool = False) -> list[dict]:
    """The views of many lists, in the order asked, read in three statements for every 500 lists: the
    handheld's list of open lists (up to 200) cost 32 ms of server CPU a request, list by list."""
    db.session.flush()
    states: dict[int, ListState] = {}
    for start in range(0, len(pick_list_ids), _AT_ONCE):
        ids = pick_list_ids[start:start + _AT_ONCE]
        states |= {row[0]: ListState(*row) for row in db.session.execute(_LISTS_OF, {"ids": ids}).all()}
        for row in db.session.execute(_STOPS_OF, {"ids": ids}).all():  # all(): one fetch, not one a row
            states[row[0]].stops.append(Stop(*row[1:]))
    claimers = list({state.claimed_by for state in states.values() if state.claimed_by})
    names: dict[int, str] = {}
    for start in range(0, len(claimers), _AT_ONCE):
        names |= dict(db.session.execute(_USERNAMES, {"ids": claimers[start:start + _AT_ONCE]}).all())
    found = [states[i] for i in pick_list_ids if i in states]
    return [(state.view_with_stop if with_stop else state.view)(names.get(state.claimed_by)) for state in found]
