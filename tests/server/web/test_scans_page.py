"""The scans page: the floor's scans found by user, device, mode, code and result, a page at a time; a refused
scan says what the device was told, in the reader's language."""
import re
from datetime import datetime

from server.db.models import Scan
from server.extensions import db
from tests.server.conftest import log_in_on_the_pages


def test_the_scans_page_finds_scans_and_says_refusals_in_words(app, tiny_warehouse):
    w = tiny_warehouse
    refusal = '{"ok": false, "error": {"code": "wrong_bin", "message": {"en": "Wrong bin: go to A-01-02-1.", ' \
              '"zh": "货位错误：请去 A-01-02-1。"}}}'
    db.session.add_all([Scan(scan_id=f"s-{n}", at=datetime(2026, 3, 2, 0, 30, n), user_id=w.picker.user_id,
                             device_id=w.picker.device_id, mode="pick", code=f"A-01-01-{n}", kind="bin",
                             ok=n % 2 == 0, error_code=None if n % 2 == 0 else "wrong_bin",
                             ack_json="{}" if n % 2 == 0 else refusal) for n in range(1, 6)]
                       + [Scan(scan_id="s-other", at=datetime(2026, 3, 2, 0, 31), user_id=w.receiver.user_id,
                               mode="receive", code="PO-1", ok=True, ack_json="{}")])
    db.session.commit()
    client = log_in_on_the_pages(app.test_client(), "sue")
    page = client.get("/sup/scans?user=pia&result=refused").get_data(as_text=True)
    assert re.findall(r'data-code="([^"]+)"', page) == ["A-01-01-5", "A-01-01-3", "A-01-01-1"]
    assert "Wrong bin: go to A-01-02-1." in page and "wrong_bin" not in page
    assert re.findall(r'data-code="([^"]+)"', client.get("/sup/scans?device=PDA-T&code=A-01-01-2").get_data(
        as_text=True)) == ["A-01-01-2"]
    client.set_cookie("sup_lang", "zh")
    assert "货位错误" in client.get("/sup/scans?result=refused").get_data(as_text=True)
