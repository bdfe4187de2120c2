"""Liveness for load balancers and the run script: ok once the database answers."""
from flask import Blueprint, jsonify
from sqlalchemy import text

from server.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1 FROM scans LIMIT 1"))
        db.session.rollback()
        database = "ok"
    except Exception as exc:  # any failure here means "cannot serve scans", with the reason shown
        db.session.rollback()
        return jsonify({"status": "error", "database": str(exc).splitlines()[0]}), 503
    dialect = db.engine.dialect.name
    return jsonify({"status": "ok", "database": database, "dialect": dialect})
