"""A peak day's order file on the live server: imported by a background job (202 + the job), followed over REST,
and the handhelds' scans answered while it runs."""
import time
import uuid

UPLOAD = {"X-Requested-With": "test"}
HEADER = "order_no,channel,customer_name,phone,address,carrier,sku,qty,paid_at,priority,cut_off\n"


def big_csv(prefix: str, orders: int) -> bytes:
    rows = "".join(f"{prefix}-{n:06d},peak,王芳,13912345678,浙江省杭州市西湖区文三路 100 号,中通快递,"
                   f"{'TB01-1-M' if n % 2 else 'TB04-3'},{1 + n % 3},2026-11-11T00:00:{n % 60:02d},0,\n"
                   for n in range(orders))
    return (HEADER + rows).encode()


def job_view(http, url: str, job_id: int) -> dict:
    answer = http.get(f"{url}/api/v1/orders/import-jobs/{job_id}", timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_big_file_is_a_background_job_and_scans_are_answered_while_it_writes(live_server):
    boss = live_server.session("supervisor")
    prefix = f"PEAK{uuid.uuid4().hex[:6]}"
    answer = boss.post(f"{live_server.url}/api/v1/orders/import", headers=UPLOAD, timeout=60,
                       files={"file": ("peak.csv", big_csv(prefix, 40_000))})
    assert answer.status_code == 202, answer.text
    job = answer.json()["job"]
    assert answer.headers["Location"].endswith(f"/api/v1/orders/import-jobs/{job['id']}")
    assert job["status"] == "queued" and job["filename"] == "peak.csv"
    # Wait for the writing to begin (the file is checked first), then scan while it runs.
    deadline = time.monotonic() + 60
    while (seen := job_view(boss, live_server.url, job["id"]))["phase"] != "writing":
        assert seen["status"] in ("queued", "running") and time.monotonic() < deadline, seen
        time.sleep(0.05)
    handheld = live_server.floor_client("picker")
    try:
        ack = handheld.call("scan", {"scan_id": str(uuid.uuid4()), "mode": "lookup", "code": "A-01-01-1"}, timeout=5)
    finally:
        handheld.disconnect()
    after = job_view(boss, live_server.url, job["id"])
    assert ack["ok"], ack
    assert after["status"] == "running" and 0 < after["rows_done"] < after["rows_total"] == 40_000, after
    # It ends with every order imported, the list of jobs shows it, and the same file again skips them all.
    deadline = time.monotonic() + 300
    while (done := job_view(boss, live_server.url, job["id"]))["status"] == "running":
        assert time.monotonic() < deadline, done
        time.sleep(0.2)
    assert (done["status"], done["imported"], done["stopped"], done["skipped"]) == ("done", 40_000, 0, 0), done
    assert done["percent"] == 100.0 and done["phase"] == "finished"
    listed = boss.get(f"{live_server.url}/api/v1/orders/import-jobs", timeout=10).json()
    assert listed[0]["id"] == job["id"]
    order = boss.get(f"{live_server.url}/api/v1/orders/{prefix}-000001", timeout=10).json()
    assert order["status"] == "pending_review" and order["review"] == [] and order["lines"][0]["sku"] == "TB01-1-M"


def test_a_small_file_may_ask_for_the_background_and_wrong_rows_refuse_it_whole(live_server):
    boss = live_server.session("supervisor")
    wrong = HEADER + "W-1,peak,王芳,1,某地,SF,TB01-1-M,1,,0,\nW-2,peak,王芳,1,某地,SF,TB01-1-M,zero,,0,\n"
    answer = boss.post(f"{live_server.url}/api/v1/orders/import?background=1", headers=UPLOAD, timeout=30,
                       data=wrong.encode())
    assert answer.status_code == 202, answer.text
    deadline = time.monotonic() + 60
    while (job := job_view(boss, live_server.url, answer.json()["job"]["id"]))["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
    assert job["status"] == "refused" and job["imported"] == 0
    [error] = job["report"]["errors"]
    assert error["row"] == 3 and error["code"] == "bad_request" and error["message"]["zh"]
    assert boss.get(f"{live_server.url}/api/v1/orders/W-1", timeout=10).status_code == 404


def test_only_order_managers_see_import_jobs(live_server):
    picker = live_server.session("picker")
    assert picker.get(f"{live_server.url}/api/v1/orders/import-jobs", timeout=10).status_code == 403
    assert picker.get(f"{live_server.url}/api/v1/orders/import-jobs/1", timeout=10).status_code == 403
