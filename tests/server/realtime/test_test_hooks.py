"""The fault test's server hook (WMS_TEST_PAUSE_AFTER_COMMIT) holds acks only in a demo warehouse, only
while its file exists; a production server (not the demo) ignores it."""
from __future__ import annotations

import threading
import time

from server.app import create_app
from server.config import load_settings
from server.realtime import floor


def _hold_in_thread(app) -> threading.Thread:
    def run() -> None:
        with app.app_context():
            floor._test_pause_after_commit()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_outside_the_demo_the_pause_hook_is_inert(tmp_path, monkeypatch):
    armed = tmp_path / "pause"
    armed.touch()
    monkeypatch.setenv(floor.PAUSE_AFTER_COMMIT_ENV, str(armed))
    app = create_app(load_settings({"WMS_DATA_DIR": str(tmp_path), "WMS_DEMO": "0", "WMS_SECRET_KEY": "k" * 32}))
    thread = _hold_in_thread(app)
    thread.join(10)  # a bound, not a window: inert returns at once, a pause would never return
    try:
        assert not thread.is_alive()
    finally:
        armed.unlink()


def test_in_the_demo_the_acks_wait_while_the_file_exists(tmp_path, monkeypatch, capfd):
    armed = tmp_path / "pause"
    armed.touch()
    monkeypatch.setenv(floor.PAUSE_AFTER_COMMIT_ENV, str(armed))
    app = create_app(load_settings({"WMS_DATA_DIR": str(tmp_path), "WMS_DEMO": "1"}))
    thread = _hold_in_thread(app)
    said, deadline = "", time.monotonic() + 10
    # (The captured stream can lose the line's first byte to a capture switch made by the thread: match its body.)
    while "PAUSE after_commit" not in said and time.monotonic() < deadline:
        said += capfd.readouterr().err
        time.sleep(0.01)
    assert "PAUSE after_commit" in said and thread.is_alive()
    armed.unlink()
    thread.join(10)
    assert not thread.is_alive()
