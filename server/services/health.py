"""Whether the database answers: the liveness check of load balancers and the run script."""
from __future__ import annotations

from sqlalchemy import text

from server.extensions import db


def ping_database() -> None:
    """Read the scans table once; raises what the database raised. The caller ends the read (rollback)."""
    db.session.execute(text("SELECT 1 FROM scans LIMIT 1"))


def dialect() -> str:
    return db.engine.dialect.name
