"""The Moves journey (移库任务) of the handheld in a real phone-sized Chromium: a pick face needs refilling;
the picker sees the task in the list, scans the bin the units are in (that chooses the task), then the pick
face, and the units are there in the ledger. (The daily expiry sweep's tasks — an expired lot to quarantine —
are the same journey: tests/server/services/inventory/test_shelf_life.py completes one as the handheld sends it.)"""
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import stocked_lines
from tests.handheld_web.test_handheld_returns import scan, sign_in

pytestmark = pytest.mark.browser


def test_a_picker_refills_a_pick_face_by_scanning_both_bins(page: Page, live_server):
    admin = live_server.session("admin")
    sku, _ = stocked_lines(live_server, admin)[0]
    face = f"M-{uuid.uuid4().int % 90 + 10:02d}-01-1"
    answer = admin.post(f"{live_server.url}/api/v1/bins", json={"code": face, "kind": "pick_face"}, timeout=10)
    assert answer.status_code == 201, answer.text
    answer = admin.put(f"{live_server.url}/api/v1/pick-faces", timeout=10,
                       json={"bin": face, "sku": sku, "min_qty": 1, "max_qty": 2})
    assert answer.status_code == 200, answer.text
    answer = admin.post(f"{live_server.url}/api/v1/replenishments", json={"bin": face, "sku": sku}, timeout=10)
    assert answer.status_code == 201, answer.text
    task = answer.json()["task"]
    assert task["why"] == "refill" and task["to_bin"] == face

    page.set_viewport_size({"width": 390, "height": 800})
    sign_in(page, "picker")
    page.get_by_test_id("journey-moves").tap()
    entry = page.locator(f"[data-testid=moves-entry][data-task='{task['task']}']")
    expect(entry).to_contain_text(f"{task['from_bin']} → {face}")
    expect(entry).to_contain_text("Refill the pick face")

    scan(page, face)  # not where the units are: no task starts there
    expect(page.get_by_test_id("error-panel")).to_contain_text(f"No open move task takes units from {face}")
    scan(page, task["from_bin"])
    expect(page.get_by_test_id("moves-task")).to_have_attribute("data-task", str(task["task"]))
    expect(page.get_by_test_id("moves-goto")).to_have_attribute("data-bin", face)
    scan(page, face)
    done = page.get_by_test_id("moves-done")
    expect(done).to_contain_text(f"{task['qty']} × {sku} now in {face}")
    expect(page.locator(f"[data-testid=moves-entry][data-task='{task['task']}']")).to_have_count(0)

    held = admin.get(f"{live_server.url}/api/v1/bins/{face}", timeout=10).json()
    assert [(line["sku"], line["qty"]) for line in held["lines"]] == [(sku, task["qty"])]
