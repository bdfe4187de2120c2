"""How Socket.IO packets are written and read on this server: orjson, and no search for binary parts.

Why: every scan's ack carries the pick list's view (about 1.5 KB). python-socketio's default packet
walks the whole ack looking for bytes, then encodes it with the standard json module: 54 µs an ack on
this machine, on the one event loop every handheld shares. This packet takes 3.9 µs
(scripts/bench_ack_encoding.py; docs/reliability.md).
Nothing this server sends is binary; a binary packet a device sends is still read (its attachment count
comes from the packet itself)."""
from __future__ import annotations

import socketio

from server import fastjson


class Packet(socketio.packet.Packet):
    uses_binary_events = False
    json = fastjson
