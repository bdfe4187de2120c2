"""Socket.IO entrypoints: floor devices (/floor) and printer agents (/printers). This package only
assembles them: who is behind each socket is in server/realtime/connections.py."""
from __future__ import annotations

import socketio


def register_namespaces(server: socketio.AsyncServer) -> None:
    from server.realtime.floor import FloorNamespace
    from server.realtime.printers import PrinterAgentNamespace, announce_job, announce_void
    from server.realtime.floor import (announce_alert, announce_cancel, announce_floor, announce_hold,
                                       announce_job_state, announce_progress)
    from server.services.orders import cancellation
    from server.services.inventory import alerts
    from server.services.picking import pick_lists
    from server.services.printing import print_jobs
    from server.services.picking import waves

    server.register_namespace(FloorNamespace("/floor"))
    server.register_namespace(PrinterAgentNamespace("/printers"))
    if announce_job not in print_jobs.job_listeners:
        print_jobs.job_listeners.append(announce_job)
    if announce_alert not in alerts.alert_listeners:
        alerts.alert_listeners.append(announce_alert)
    if announce_job_state not in print_jobs.state_listeners:
        print_jobs.state_listeners.append(announce_job_state)
    if announce_hold not in pick_lists.hold_listeners:
        pick_lists.hold_listeners.append(announce_hold)
    if announce_progress not in pick_lists.progress_listeners:
        pick_lists.progress_listeners.append(announce_progress)
    if announce_floor not in waves.floor_listeners:
        waves.floor_listeners.append(announce_floor)
    if announce_cancel not in cancellation.cancel_listeners:
        cancellation.cancel_listeners.append(announce_cancel)
    if announce_void not in cancellation.void_listeners:
        cancellation.void_listeners.append(announce_void)
