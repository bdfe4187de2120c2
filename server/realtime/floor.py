"""/floor: handhelds and scanner bridges send scans here and get the ack back at once."""
from __future__ import annotations

import os
import sys
import time

from flask import current_app, session

from server.api.login_client import trust_device_names
from server.domain import roles
from server.domain.errors import WmsError, Words
from server.realtime import revocations
from server.realtime.connections import of_namespace
from server.realtime.hub import BlockingNamespace, ConnectionRefusedError, hub
from server.services.people import audit
from server.services.packing import packing_station
from server.services.packing import scales
from server.services.printing import print_jobs
from server.services.floor import scans
from server.services.floor import telemetry
from server.services.packing.modes import STATION_MODES
from server.services.people.auth import Actor, actor_for_token, actor_for_user, digest, session_device


def authenticate(auth: object) -> Actor:
    """A logged-in user's session cookie, or a device token in the connect payload."""
    auth = auth if isinstance(auth, dict) else {}
    if isinstance(auth.get("token"), str):
        return actor_for_token(auth["token"])
    user_id = session.get("user_id")
    device = session.get("device")
    if auth.get("device_token") or (trust_device_names() and isinstance(auth.get("device"), str)):
        # A socket may name its handheld as a log-in does: proven by its token (believed by name in the demo).
        device = session_device(auth.get("device"), auth.get("device_token"), trust_device_names())
    actor = actor_for_user(user_id, device, session.get("sid")) if user_id else None
    if actor is None:
        raise WmsError("not_authenticated")
    return actor


def station_room(code: str) -> str:
    return f"station:{code.upper()}"


def _tell_station(payload: dict, actor: Actor, ack: dict) -> None:
    """Echo a station's scan to its page, so scans of the fixed scanner show as if typed there."""
    code = payload.get("station")
    if not isinstance(code, str) and actor.device_kind == "scanner_bridge":
        station = packing_station.station_of_device(actor.device_id)
        code = station.code if station else None
    if isinstance(code, str):
        tell_station(code, payload.get("mode"), ack, actor, payload.get("code"))


def tell_station(code: str, mode: object, ack: dict, actor: Actor, scanned: object = None) -> None:
    hub.emit("station_scan", {"ack": ack, "mode": mode, "code": scanned, "device": actor.device_code,
                              "user": actor.username}, namespace="/floor", to=station_room(code))


def announce_job_state(job) -> None:
    """A print job's state to the stations printing on its printer: the packer sees why a label waits."""
    for station in packing_station.stations_printing_on(job.printer_id):
        hub.emit("print_job", print_jobs.job_view(job), namespace="/floor", to=station_room(station))


def announce_alert(event: dict) -> None:
    """A low-stock or replenishment alert (raised or cleared) to the supervisors' dashboards at once."""
    hub.emit("stock_alert", event, namespace="/floor", to="supervisors")


def announce_hold(event: dict) -> None:
    """A hold notice (or its release) to every floor device at once: whoever works on the order
    sees it now, and its next scan is refused anyway."""
    hub.emit("hold", event, namespace="/floor")


WATCH_PICK_LISTS = "watch:pick_lists"


def announce_cancel(event: dict) -> None:
    """An order cancelled (services/orders/cancellation.py), at once to whoever works on it: the picker whose
    list holds it (its stops are gone; its tote goes back through a put-back task), the station that was
    packing it, the screens watching the lists, and the supervisors (with the lists' progress)."""
    rooms = ["supervisors", WATCH_PICK_LISTS, *(f"user:{user_id}" for user_id in event["claimed_by"]),
             *(station_room(code) for code in event["stations"])]
    hub.emit("order_cancelled", {k: v for k, v in event.items() if k != "claimed_by"}, namespace="/floor", to=rooms)
    for pick_list in event["pick_lists"]:
        hub.emit("progress", {"event": "cancelled", "pick_list": pick_list, "order": event["order"]},
                 namespace="/floor", to="supervisors")


def announce_floor(event: dict) -> None:
    """New pick lists or a claim, to the supervisors and to the connections that asked to watch the lists
    (`auth.watch = ["pick_lists"]`, e.g. a screen choosing a list). Not to every device: with N handhelds
    claiming a list every minute or so, a floor-wide notice costs N² messages — at 300 handhelds it was
    most of the server's time, and the picking screens do not need it."""
    hub.emit("pick_lists", event, namespace="/floor", to=["supervisors", WATCH_PICK_LISTS])


def announce_progress(event: dict) -> None:
    """Pick progress to the supervisors' dashboards (they join the room when they connect)."""
    hub.emit("progress", event, namespace="/floor", to="supervisors")


def announce_weight(station: str, reading: dict | None) -> None:
    """The station's scale as it reads now (None: the scale went away) to the station's page."""
    hub.emit("scale_weight", {"station": station, "scale": reading}, namespace="/floor", to=station_room(station))


def _scale_station(actor: Actor, auth: object) -> str | None:
    """A scale bridge (`auth.scale`) runs with the token of its station's fixed scanner bridge: its
    readings are that station's. Anyone else asking to be a scale is refused."""
    if not (isinstance(auth, dict) and auth.get("scale") is True):
        return None
    bound = packing_station.station_of_device(actor.device_id) if actor.device_kind == "scanner_bridge" else None
    if bound is None:
        raise WmsError("station_not_found", station=actor.device_code or actor.username)
    return bound.code


class FloorNamespace(BlockingNamespace):
    connections = of_namespace("/floor")
    # A scale bridge's socket -> the station its scale stands at (scripts/scale_bridge.py).
    scale_sids: dict[str, str] = {}

    def on_connect(self, sid, environ, auth=None) -> list[str]:
        # The session cookie of a logged-in user, read as Flask reads it for a page.
        with current_app.test_request_context(environ_base={"HTTP_COOKIE": environ.get("HTTP_COOKIE", "")}):
            try:
                actor = authenticate(auth)
                if actor.device_kind == "printer_agent" and actor.role is None:
                    # Agents print (/printers); /floor carries scans, holds and alerts they have no use for.
                    raise WmsError("forbidden", role="printer_agent")
                scale_station = _scale_station(actor, auth)
            except WmsError as error:
                raise ConnectionRefusedError(error.message()["en"], error.as_dict()) from None
        token = auth.get("token") if isinstance(auth, dict) else None
        self.connections.add(sid, actor, digest(token) if isinstance(token, str) else None)
        audit.act_as(actor, "/floor connect")
        if isinstance(token, str):
            revocations.watch(current_app._get_current_object())
        telemetry.recorder.start(current_app._get_current_object())
        telemetry.recorder.connected(actor.device_code or "", actor.username or "")
        rooms = []
        if actor.user_id:
            rooms.append(f"user:{actor.user_id}")
        if actor.device_id:
            rooms.append(f"device:{actor.device_id}")
        if actor.role and roles.can(actor.role, "floor.supervise"):
            rooms.append("supervisors")
        watch = auth.get("watch") if isinstance(auth, dict) else None
        if isinstance(watch, list) and "pick_lists" in watch and actor.role and roles.can(actor.role, "journey.pick"):
            rooms.append(WATCH_PICK_LISTS)
        station = auth.get("station") if isinstance(auth, dict) else None
        if isinstance(station, str) and actor.role and roles.can(actor.role, "journey.pack"):
            # A station's page: it sees every scan made for its station, its fixed scanner's too.
            rooms.append(station_room(station))
        if scale_station is not None:
            self.scale_sids[sid] = scale_station
        return rooms

    def on_disconnect(self, sid, reason=None):
        actor = self.connections.get(sid)
        if actor is not None:
            telemetry.recorder.disconnected(actor.device_code or "")
        self.connections.drop(sid)
        station = self.scale_sids.pop(sid, None)
        if station is not None and station not in self.scale_sids.values():
            scales.forget(station)
            announce_weight(station, None)

    def on_weight(self, sid, payload=None):
        """A scale bridge's reading: kept as the station's latest and shown live on its page."""
        station = self.scale_sids.get(sid)
        if station is None:
            refusal = WmsError("forbidden", role=Words("not a scale bridge", "非电子秤连接"))
            return {"ok": False, "error": refusal.as_dict()}
        payload = payload if isinstance(payload, dict) else {}
        if payload.get("gone") is True:  # unplugged: its last weight must not close a parcel
            scales.forget(station)
            announce_weight(station, None)
            return {"ok": True, "station": station}
        grams, stable, raw = payload.get("grams"), payload.get("stable"), payload.get("raw", "")
        if isinstance(grams, bool) or not isinstance(grams, int) or abs(grams) > 10_000_000 \
                or not isinstance(stable, bool) or not isinstance(raw, str):
            refusal = WmsError("bad_packet", detail=Words("grams, stable", "grams、stable 字段有误"))
            return {"ok": False, "error": refusal.as_dict()}
        scales.record(station, grams, stable, raw)
        announce_weight(station, scales.live_view(station))
        return {"ok": True, "station": station}

    def on_scan(self, sid, payload=None):
        return self.on_scan_batch([(sid, payload)])[0]

    def on_scan_batch(self, calls: list[tuple]) -> list[dict]:
        """The scans that queued up while the previous ones were worked, in arrival order: one
        transaction for all of them (services/floor/scans.handle_all), each ack only once it is stored."""
        calls = [(call[0], call[1] if len(call) > 1 else None) for call in calls]
        actors = [self.connections.get(sid) for sid, _ in calls]
        answers = scans.handle_all([(payload, actor) for (_, payload), actor in zip(calls, actors, strict=True)],
                                   via="/floor scan")
        _test_pause_after_commit()
        for (_, payload), actor, answer in zip(calls, actors, answers, strict=True):
            if actor is None or not isinstance(payload, dict):
                continue
            telemetry.recorder.scan(actor.device_code or "", actor.username or "", payload, answer.ack["ok"],
                                    answer.replayed)
            if payload.get("mode") in STATION_MODES:
                _tell_station(payload, actor, answer.ack)
        return [answer.ack for answer in answers]


# Tests only (scripts/fault_test.py): while the file this names exists, a stored batch's acks are held
# back, so the test's SIGKILL lands after the commit and before the ack. Demo warehouses only; never set.
PAUSE_AFTER_COMMIT_ENV = "WMS_TEST_PAUSE_AFTER_COMMIT"


def _test_pause_after_commit() -> None:
    path = os.environ.get(PAUSE_AFTER_COMMIT_ENV)
    if path and current_app.config["WMS"]["demo"] and os.path.exists(path):
        print("TEST PAUSE after_commit", file=sys.stderr, flush=True)
        while os.path.exists(path):
            time.sleep(0.05)
