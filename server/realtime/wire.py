"""How Socket.IO packets are written and read on this server: orjson, and no search for binary parts;
a packet that cannot be read is answered (`Server`).

Why: every scan's ack carries the pick list's view (about 1.5 KB). python-socketio's default packet
walks the whole ack looking for bytes, then encodes it with the standard json module: 54 µs an ack on
this machine, on the one event loop every handheld shares. This packet takes 3.9 µs
(scripts/bench_ack_encoding.py; docs/reliability.md).
Nothing this server sends is binary; a binary packet a device sends is still read (its attachment count
comes from the packet itself)."""
from __future__ import annotations

import logging
import re
import sys

import socketio

from server import fastjson
from server.domain.errors import WmsError, Words


log = logging.getLogger(__name__)


class _HandlerFailed(Exception):
    """An event handler raised: kept apart from a packet that cannot be read."""

    def __init__(self, event: str) -> None:
        super().__init__(event)
        self.event = event


class Packet(socketio.packet.Packet):
    uses_binary_events = False
    json = fastjson


class Server(socketio.AsyncServer):
    """The Socket.IO server, answering a packet it cannot read instead of dropping it without a word.

    python-socketio raises on a packet it cannot decode (broken JSON, an unknown type, a payload of the
    wrong shape); the error ends in its log and the device waits for an ack that never comes. Here the
    device is told: an ack `bad_packet` when the packet's ack id can be read (its `call` ends at once),
    else an `error` event on each namespace it joined. The connection stays open."""

    async def _handle_eio_message(self, eio_sid, data):
        try:
            await super()._handle_eio_message(eio_sid, data)
        except _HandlerFailed as failed:
            # Not the packet's fault: a handler broke (a bug, or the database away mid-connect). An event
            # waiting for its ack is told to send again, which is safe: a scan is applied once by its id.
            log.error("socket handler %r failed", failed.event, exc_info=failed.__cause__)
            await self._answer_try_again(eio_sid, data)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            self._binary_packet.pop(eio_sid, None)
            await self._refuse_packet(eio_sid, data, exc)

    async def _trigger_event(self, event, namespace, *args):
        try:
            return await super()._trigger_event(event, namespace, *args)
        except (socketio.exceptions.ConnectionRefusedError, ConnectionRefusedError):
            raise  # a refused connection: python-socketio answers it
        except TypeError:
            if event == "connect" and len(args) == 3:
                raise  # python-socketio tries the handler's older signature on a TypeError
            raise _HandlerFailed(event) from sys.exc_info()[1]
        except Exception as exc:
            raise _HandlerFailed(event) from exc

    async def _answer_try_again(self, eio_sid, data) -> None:
        head = _HEAD.match(data) if isinstance(data, str) else None
        if not head or not head.group("id"):
            return
        answer = {"ok": False, "sound": "error", "error": WmsError("try_again").as_dict()}
        ns = head.group("ns") or "/"
        if self.manager.sid_from_eio_sid(eio_sid, ns):
            await self._send_packet(eio_sid, self.packet_class(socketio.packet.ACK, namespace=ns, data=[answer],
                                                               id=int(head.group("id"))))

    async def _refuse_packet(self, eio_sid, data, exc: Exception) -> None:
        head = _HEAD.match(data) if isinstance(data, str) else None
        namespace = (head.group("ns") if head else None) or None
        ack_id = int(head.group("id")) if head and head.group("id") else None
        answer = {"ok": False, "sound": "error",
                  "error": WmsError("bad_packet", detail=Words(type(exc).__name__, "数据格式错误")).as_dict()}
        joined = [ns for ns in ([namespace] if namespace else list(self.manager.get_namespaces()))
                  if self.manager.sid_from_eio_sid(eio_sid, ns)]
        for ns in joined:
            if ack_id is not None:
                await self._send_packet(eio_sid, self.packet_class(socketio.packet.ACK, namespace=ns, data=[answer],
                                                                   id=ack_id))
            else:
                await self._send_packet(eio_sid, self.packet_class(socketio.packet.EVENT, namespace=ns,
                                                                   data=["error", answer]))


# A Socket.IO packet's head: type, attachments, namespace, ack id — readable even when its JSON is not.
_HEAD = re.compile(r"^\d(?:\d{1,10}-)?(?P<ns>/[^,]{0,64})?,?(?P<id>\d{1,9})?")
