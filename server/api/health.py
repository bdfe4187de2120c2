"""Liveness for load balancers and the run script: ok once the database answers."""
from flask import Blueprint, jsonify

from server.services import health, transaction

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        health.ping_database()
        transaction.rollback()
        database = "ok"
    except Exception as exc:  # any failure here means "cannot serve scans", with the reason shown
        transaction.rollback()
        return jsonify({"status": "error", "database": str(exc).splitlines()[0]}), 503
    dialect = health.dialect()
    return jsonify({"status": "ok", "database": database, "dialect": dialect})
