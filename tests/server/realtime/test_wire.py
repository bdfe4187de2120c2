"""The packets the floor's acks travel in (server/realtime/wire.py) read exactly as python-socketio's own."""
from __future__ import annotations

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
