"""/printers: printer agents fetch their printers and open jobs, receive new jobs, report states."""
from __future__ import annotations

from flask import current_app

from server.domain.errors import WmsError, Words
from server.realtime import revocations
from server.realtime.connections import of_namespace
from server.realtime.hub import BlockingNamespace, ConnectionRefusedError, hub
from server.services.people import audit
from server.services.printing import print_jobs
from server.services.people.auth import actor_for_token, digest

NAMESPACE = "/printers"


def agent_room(agent_id: int) -> str:
    return f"agent:{agent_id}"


def announce_job(job) -> None:
    """Push a committed job to its printer's agent. If the agent is away it fetches it on connect."""
    if job.printer.agent_id:
        hub.emit("print_job", print_jobs.job_view(job, with_zpl=True) |
                      {"printer_config": print_jobs.printer_view(job.printer)},
                      namespace=NAMESPACE, to=agent_room(job.printer.agent_id))


def announce_void(job) -> None:
    """A job voided (its parcel's order cancelled): its agent drops it if it has not printed it yet."""
    if job.printer.agent_id:
        hub.emit("print_job_voided", {"id": job.id, "printer": job.printer.code}, namespace=NAMESPACE,
                 to=agent_room(job.printer.agent_id))


class PrinterAgentNamespace(BlockingNamespace):
    connections = of_namespace(NAMESPACE)

    def on_connect(self, sid, environ, auth=None) -> list[str]:
        try:
            token = auth.get("token") if isinstance(auth, dict) else None
            if not isinstance(token, str):
                raise WmsError("not_authenticated")
            actor = actor_for_token(token)
            actor.require("printing.agent")
        except WmsError as error:
            raise ConnectionRefusedError(error.message()["en"], error.as_dict()) from None
        self.connections.add(sid, actor, digest(token))
        audit.act_as(actor, "/printers connect")
        revocations.watch(current_app._get_current_object())
        return [agent_room(actor.device_id)]

    def on_disconnect(self, sid, reason=None):
        self.connections.drop(sid)

    def on_agent_hello(self, sid, _payload=None):
        """The agent's first call after every (re)connect: its printers and every unfinished job."""
        agent = self.connections.get(sid)
        audit.act_as(agent, "/printers agent_hello")
        return {"ok": True, "agent": agent.device_code,
                "printers": print_jobs.printers_for_agent(agent),
                "jobs": [print_jobs.job_view(j, with_zpl=True) for j in
                         print_jobs.unfinished_jobs_for_agent(agent)]}

    def on_job_state(self, sid, payload=None):
        agent = self.connections.get(sid)
        audit.act_as(agent, "/printers job_state")
        try:
            if not isinstance(payload, dict) or not isinstance(payload.get("job_id"), int):
                raise WmsError("bad_request", detail=Words("job_id and status are required", "须填写 job_id 和 status"))
            job = print_jobs.record_state(payload["job_id"], str(payload.get("status")),
                                        payload.get("reason"), agent)
        except WmsError as error:
            return {"ok": False, "error": error.as_dict()}
        return {"ok": True, "job": print_jobs.job_view(job)}
