"""JSON text for the hot path (scan acks on the wire and in the scans table), written by orjson.

The standard json module took 18.8 µs to write a pick scan's ack (about 1.5 KB: it carries the list's
view), orjson 3.1 µs (scripts/bench_ack_encoding.py; docs/reliability.md).
Output is compact UTF-8; keys that are not strings are written as strings, as json does."""
from __future__ import annotations

from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS


def dumps(value: Any, **_: Any) -> str:
    """json.dumps's place (keyword arguments such as `separators` are accepted and not needed)."""
    return orjson.dumps(value, option=_OPTIONS).decode()


def loads(text: str | bytes, **_: Any) -> Any:
    return orjson.loads(text)
