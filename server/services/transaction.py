"""Work that must wait for the current transaction's commit: pushes to devices and printer agents
are sent only for what is really stored (after commit, never before, never for a rollback)."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import g
from sqlalchemy.exc import IntegrityError

from server.extensions import db

Row = TypeVar("Row")


def after_commit(callback: Callable[[], None]) -> None:
    g.setdefault("wms_after_commit", []).append(callback)


def committed() -> None:
    """Call right after a successful commit: runs what was waiting for it."""
    for callback in g.pop("wms_after_commit", []):
        callback()


def rolled_back() -> None:
    g.pop("wms_after_commit", None)


def mark() -> int:
    """Where the waiting work stands: a savepoint rolled back drops what was added after it."""
    return len(g.get("wms_after_commit", ()))


def rollback_to(position: int) -> None:
    if "wms_after_commit" in g:
        del g.wms_after_commit[position:]


def commit() -> None:
    """Commit the request's transaction, for an entrypoint that ends a use case which leaves the commit to
    its caller. Only the commit: work waiting for it runs with `commit_and_notify`."""
    db.session.commit()


def commit_and_notify() -> None:
    """Commit, then run what was waiting for the commit (alerts, pushes to devices and printer agents)."""
    db.session.commit()
    committed()


def rollback() -> None:
    """Roll the request's transaction back (only the database's: see rolled_back for the waiting work)."""
    db.session.rollback()


def found_or_added(find: Callable[[], Row | None], make: Callable[[], Row]) -> Row:
    """The row `find` returns, else the one `make` builds, added in a savepoint. A row made on first use
    (a transit bin, a returns staging bin, a manifest…) has a unique key: when another transaction (another
    server process) added the same row a moment ago, its insert wins, this one is undone alone — the
    scan's other work stays — and `find` returns the winner's row."""
    found = find()
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            made = make()
            db.session.add(made)
        return made
    except IntegrityError:
        found = find()
        if found is None:
            raise
        return found
