"""Work that must wait for the current transaction's commit: pushes to devices and printer agents
are sent only for what is really stored (after commit, never before, never for a rollback)."""
from __future__ import annotations

from collections.abc import Callable

from flask import g

from server.extensions import db


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
