"""The packets the floor's acks travel in (server/realtime/wire.py) read exactly as python-socketio's own."""
from __future__ import annotations

import asyncio
import concurrent.futures

import socketio
from socketio import packet

from server.realtime import wire

ACK = {"ok": True, "scan_id": "s-1", "result": {"stop": {"name": {"en": "Phone case", "zh": "手机壳"}, "qty": 3,
                                                          "lot": None, "route_length_m": 67.2},
                                                 "tote_codes": {1: "TOTE-1", "2": "TOTE-2"}}}


def test_an_ack_reads_the_same_as_with_the_default_packet():
    ours = wire.Packet(packet.ACK, data=[ACK], namespace="/floor", id=7).encode()
    theirs = packet.Packet(packet.ACK, data=[ACK], namespace="/floor", id=7).encode()
    assert ours.startswith("3/floor,7[")
    assert "手机壳" in ours  # UTF-8 text, not \u escapes: shorter on the wire
    read = packet.Packet(encoded_packet=ours)
    assert (read.packet_type, read.namespace, read.id) == (packet.ACK, "/floor", 7)
    assert read.data == packet.Packet(encoded_packet=theirs).data


def test_a_scan_a_device_sends_is_read_as_before():
    sent = '2/floor,12["scan",{"scan_id":"s-2","mode":"pick","code":"6901230001482","qty":2}]'
    ours, theirs = wire.Packet(encoded_packet=sent), packet.Packet(encoded_packet=sent)
    assert (ours.packet_type, ours.namespace, ours.id, ours.data) == (theirs.packet_type, theirs.namespace,
                                                                      theirs.id, theirs.data)


class _Broken(socketio.AsyncNamespace):
    async def on_scan(self, sid, payload):
        return payload["ack"].get("x")  # a bug: a list has no get (AttributeError), not the packet's fault


def _run(coroutine):
    """On a loop of its own thread: another test may have left a loop running in this one."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=10)


def _server_with_one_device() -> tuple[wire.Server, list]:
    server = wire.Server(async_mode="asgi", serializer=wire.Packet, async_handlers=False)
    server.register_namespace(_Broken("/floor"))
    sent: list = []

    async def send_packet(eio_sid, pkt):
        sent.append(pkt)

    server._send_packet = send_packet
    return server, sent


def test_a_handler_that_breaks_answers_try_again_not_bad_packet():
    """A scan whose handler raised was answered bad_packet ("the message could not be read"): the device
    dropped a scan it had sent correctly. It is told to send it again (applied once, by its scan id)."""
    async def run():
        server, sent = _server_with_one_device()
        server.environ["e1"] = {}
        await server._handle_eio_message("e1", "0/floor,")  # CONNECT
        sent.clear()
        await server._handle_eio_message("e1", '2/floor,5["scan",{"ack":[1]}]')
        return sent

    (answer,) = _run(run())
    assert (answer.packet_type, answer.id) == (packet.ACK, 5)
    assert answer.data[0]["error"]["code"] == "try_again"


def test_a_packet_that_cannot_be_read_is_still_bad_packet():
    async def run():
        server, sent = _server_with_one_device()
        server.environ["e1"] = {}
        await server._handle_eio_message("e1", "0/floor,")
        sent.clear()
        await server._handle_eio_message("e1", '2/floor,6["scan",{"ack":')
        return sent

    (answer,) = _run(run())
    assert answer.id == 6 and answer.data[0]["error"]["code"] == "bad_packet"
