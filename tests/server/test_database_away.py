"""A REST call made while the database is away (restart, failover, SQLite's writer busy past its timeout)
gets a 503 the handheld and pages retry; a wrong statement stays a 500 (it is a bug, not an outage)."""
from sqlalchemy.exc import OperationalError


def _app_failing_with(app, message):
    @app.get("/api/v1/test-db-away")
    def fails():
        raise OperationalError("SELECT 1", {}, Exception(message))
    return app.test_client()


def test_a_busy_database_is_answered_503_with_a_retry_after(app):
    answer = _app_failing_with(app, "database is locked").get("/api/v1/test-db-away")
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "2"
    error = answer.get_json()["error"]
    assert error["code"] == "database_unavailable"
    assert "try again" in error["message"]["en"] and "重试" in error["message"]["zh"]


def test_a_wrong_statement_is_still_an_internal_error(app):
    answer = _app_failing_with(app, "no such column: bins.colour").get("/api/v1/test-db-away")
    assert answer.status_code == 500 and answer.get_json()["error"]["code"] == "internal_error"
