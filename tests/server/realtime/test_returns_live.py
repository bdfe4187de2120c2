"""A customer return end to end on the live server over Socket.IO: an order shipped (packed at the
station, handed over), its parcel come back — opened by the tracking number, every unit inspected (one
that was never in the order), dispositions given, the sign-off chain signed in order (a skipped level
and a second signature by the same person refused), the good units put away with the ordinary
put-away journey, and the books balanced."""
import uuid

STATION = "PACK-01"


def send(client, mode, code=None, **payload):
    message = {"scan_id": str(uuid.uuid4()), "mode": mode, **payload}
    return client.call("scan", message | ({"code": code} if code else {}), timeout=10)


def ship(live_server, order) -> str:
    """Pack the picked order at the station and hand it over; the parcel's tracking number."""
    live_server.session("packer").post(f"{live_server.url}/api/v1/stations/{STATION}/sign-in",
                                       timeout=10).raise_for_status()
    page = live_server.floor_client("packer", station=STATION)
    try:
        assert send(page, "pack", order["tote"], station=STATION)["ok"]
        for _, qty, barcode in order["lines"]:
            for _ in range(qty):
                assert send(page, "pack", barcode, station=STATION)["ok"]
        closed = send(page, "pack.close", station=STATION)
        assert closed["ok"], closed
        tracking = closed["result"]["closed"]["tracking"]
        onto = send(page, "handover", tracking)
        assert onto["ok"], onto
        manifest = onto["result"]["id"]
        assert send(page, "handover.driver", manifest=manifest, driver_name="李师傅")["ok"]
        shipped = send(page, "handover.confirm", manifest=manifest)
        assert shipped["ok"] and shipped["result"]["status"] == "shipped", shipped
    finally:
        page.disconnect()
    return tracking


def test_a_shipped_parcel_comes_back_is_inspected_signed_off_and_put_away(live_server, pick_an_order):
    order = pick_an_order()
    tracking = ship(live_server, order)
    stranger = live_server.demo["item_barcode"]
    assert stranger not in {barcode for _, _, barcode in order["lines"]}
    (kept_sku, kept_qty, kept_barcode), (_, _, broken_barcode) = order["lines"]

    inspector = live_server.floor_client("inspector")
    supervisor = live_server.floor_client("supervisor")
    receiver = live_server.floor_client("receiver")
    try:
        # Opened from the label on the parcel: what shipped is what is expected back, inspected 100 %.
        opened = send(inspector, "return.open", tracking, reason="not_as_described")
        assert opened["ok"] and opened["next"] == "scan_unit", opened
        case = opened["result"]
        number = case["number"]
        assert case["order"] == order["number"] and case["plan"]["rate"] == 1.0
        assert case["plan"]["first_sample"] == case["plan"]["lot_size"] == 3
        assert send(inspector, "return.open", tracking, reason="whim")["error"]["code"] == "unknown_return_reason"

        # Every unit scanned and judged; the one that was never in the order is flagged and escalates.
        units = {}
        for _ in range(kept_qty):
            ack = send(inspector, "return.unit", kept_barcode, **{"return": number, "judgement": "good"})
            assert ack["ok"] and ack["sound"] == "ok", ack
            units.setdefault("restock", []).append(ack["result"]["unit"]["id"])
        ack = send(inspector, "return.unit", broken_barcode, **{"return": number, "judgement": "damaged"})
        units["scrap"] = [ack["result"]["unit"]["id"]]
        flagged = send(inspector, "return.unit", stranger, **{"return": number, "judgement": "good"})
        assert flagged["ok"] and flagged["sound"] == "error" and flagged["warnings"] == ["not_expected"]
        assert flagged["result"]["escalated"] and flagged["result"]["plan"]["remaining"] == 0
        units["rtv"] = [flagged["result"]["unit"]["id"]]
        assert send(inspector, "return.unit", kept_barcode,
                    **{"return": number, "judgement": "so-so"})["error"]["code"] == "unknown_judgement"

        early = send(inspector, "return.sign", **{"return": number, "level": 1})
        assert early["error"]["code"] == "return_not_ready"
        refused = send(inspector, "return.dispose", **{"return": number, "units": units["scrap"],
                                                       "disposition": "restock"})
        assert refused["error"]["code"] == "restock_needs_good"
        for disposition, ids in units.items():
            disposed = send(inspector, "return.dispose", **{"return": number, "units": ids, "disposition": disposition})
            assert disposed["ok"], disposed
        assert disposed["next"] == "sign" and disposed["result"]["status"] == "inspected"
        chain = disposed["result"]["chain"]
        needed = [level for level in chain["levels"] if level["needed"]]
        assert [level["role"] for level in needed][:2] == ["inspector", "supervisor"]
        assert "unexpected items" in needed[1]["why"] and "disposition scrap" in needed[1]["why"]

        # The chain: no level skipped, nobody signs twice, and nothing in stock before it is complete.
        skipped = send(supervisor, "return.sign", **{"return": number, "level": 2})
        assert skipped["error"]["code"] == "level_skipped" and "越级" in skipped["error"]["message"]["zh"]
        assert send(inspector, "return.sign", **{"return": number, "level": 1})["ok"]
        twice = send(inspector, "return.sign", **{"return": number, "level": 2})
        assert twice["error"]["code"] == "signs_once"
        http = live_server.session("supervisor")
        view = http.get(f"{live_server.url}/api/v1/returns/{number}", timeout=10).json()
        assert view["status"] == "signing" and all(u["putaway"] is None and u["bin"] is None for u in view["units"])
        signed = send(supervisor, "return.sign", **{"return": number, "level": 2})
        for level in needed[2:]:  # a valuable parcel also needs the manager
            manager = live_server.floor_client(level["role"])
            signed = send(manager, "return.sign", **{"return": number, "level": level["level"]})
            manager.disconnect()
        assert signed["ok"] and signed["result"]["status"] == "done" and signed["next"] == "putaway", signed

        # The good units go to their bin with the ordinary put-away journey: only then are they stock.
        result = signed["result"]
        [task] = {u["putaway"]["lpn"]: u["putaway"] for u in result["units"] if u["putaway"]}.values()
        assert task["qty"] == kept_qty and task["sku"] == kept_sku
        assert {u["bin"] for u in result["units"] if u["disposition"] in ("scrap", "rtv")} == {"RET-SCRAP", "RET-RTV"}
        before = http.get(f"{live_server.url}/api/v1/items/{kept_sku}", timeout=10).json()["total_qty"]
        taken = send(receiver, "putaway", task["lpn"])
        assert taken["ok"] and taken["next"] == "scan_bin", taken
        target = taken["result"]["suggested_bin"]
        put = send(receiver, "putaway", target, task=task["task"])
        assert put["ok"] and put["result"]["status"] == "done", put
        after = http.get(f"{live_server.url}/api/v1/items/{kept_sku}", timeout=10).json()["total_qty"]
        assert after == before + kept_qty
    finally:
        for client in (inspector, supervisor, receiver):
            client.disconnect()

    final = http.get(f"{live_server.url}/api/v1/returns/{number}", timeout=10).json()
    assert final["status"] == "done" and final["cost"]["write_off_cents"] > 0
    assert number in [c["number"] for c in http.get(f"{live_server.url}/api/v1/returns?escalated=1", timeout=10).json()]
    page = http.get(f"{live_server.url}/sup/returns/{number}", timeout=10)
    assert page.status_code == 200 and number in page.text
    assert http.get(f"{live_server.url}/api/v1/stock/check", timeout=10).json() == {"balanced": True,
                                                                                  "disagreements": []}


def test_a_case_is_opened_disposed_and_signed_over_rest_and_another_cancelled(live_server, pick_an_order):
    """What the returns desk page does: open by the tracking number, dispositions and signatures as
    people (the next level by default), a stray parcel opened as unknown and called off with a reason."""
    order = pick_an_order()
    tracking = ship(live_server, order)
    inspector_http, supervisor_http = live_server.session("inspector"), live_server.session("supervisor")
    url = f"{live_server.url}/api/v1/returns"
    opened = inspector_http.post(url, json={"code": tracking, "reason": "changed_mind"}, timeout=10)
    assert opened.status_code == 201, opened.text
    number = opened.json()["case"]["number"]
    assert opened.json()["case"]["order"] == order["number"]

    handheld = live_server.floor_client("inspector")
    try:
        ids = [send(handheld, "return.unit", barcode, **{"return": number, "judgement": "good"})["result"]["unit"]["id"]
               for _, qty, barcode in order["lines"] for _ in range(qty)]
    finally:
        handheld.disconnect()
    early = inspector_http.post(f"{url}/{number}/sign", json={}, timeout=10)
    assert early.status_code == 409 and early.json()["error"]["code"] == "return_not_ready"
    disposed = inspector_http.post(f"{url}/{number}/dispose", json={"units": ids[:-1], "disposition": "restock"},
                                   timeout=10)
    assert disposed.status_code == 200 and disposed.json()["case"]["status"] == "open"  # one unit still to decide
    disposed = inspector_http.post(f"{url}/{number}/dispose", json={"units": ids[-1:], "disposition": "scrap"},
                                   timeout=10)  # a scrapped unit needs the supervisor's signature too
    assert disposed.status_code == 200 and disposed.json()["case"]["status"] == "inspected"

    first = inspector_http.post(f"{url}/{number}/sign", json={"note": "全部完好"}, timeout=10)
    assert first.status_code == 200 and first.json()["case"]["chain"]["levels"][0]["signed_by"]
    twice = inspector_http.post(f"{url}/{number}/sign", json={}, timeout=10)
    assert twice.status_code in (403, 409) and twice.json()["error"]["code"] in ("signs_once", "wrong_signer_role")
    signed = first.json()["case"]
    while signed["status"] != "done":
        role = signed["chain"]["next"]["role"]
        answer = live_server.session(role).post(f"{url}/{number}/sign", json={}, timeout=10)
        assert answer.status_code == 200, answer.text
        signed = answer.json()["case"]
    assert all(bool(u["putaway"]) == (u["disposition"] == "restock") for u in signed["units"])

    stray = inspector_http.post(url, json={"code": "YT9988776655", "reason": "other", "unknown_parcel": True},
                                timeout=10)
    assert stray.status_code == 201 and stray.json()["case"]["escalated"] is True
    stray_number = stray.json()["case"]["number"]
    no_reason = inspector_http.post(f"{url}/{stray_number}/cancel", json={"reason": " "}, timeout=10)
    assert no_reason.status_code == 400
    cancelled = supervisor_http.post(f"{url}/{stray_number}/cancel", json={"reason": "顺丰送错仓库，已退回"},
                                     timeout=10)
    assert cancelled.status_code == 200 and cancelled.json()["case"]["status"] == "cancelled"
    assert "顺丰送错仓库" in cancelled.json()["case"]["note"]
    closed = supervisor_http.post(f"{url}/{stray_number}/cancel", json={"reason": "again"}, timeout=10)
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "return_closed"
    picker = live_server.session("picker").post(url, json={"code": tracking, "reason": "other"}, timeout=10)
    assert picker.status_code == 403
