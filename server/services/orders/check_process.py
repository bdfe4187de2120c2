"""A big import's whole-file check, in a process of its own. Reading 100,000 lines of CSV is seconds of pure
Python; in the server's process it holds the interpreter's lock, and every scan's thread waits for it at
each step (measured: the median ack tripled during the check). In a child process it takes the other core.

The child reads (kind, files) as a pickle on stdin and answers with frames (8-byte length + pickle) on a
pipe of its own: first the verdict — ("refused", errors, errors_total, rows) or ("checked", rows, orders,
codes) — then the checked orders in chunks, in file order, read by the job as it writes them.
"""
from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from server.domain.errors import WmsError
from server.services.orders import order_import

CHUNK = 100  # orders a frame: each frame is read (unpickled) in about a millisecond
REPORT_LIMIT = 1000
IN_PROCESS_LINES = 2000  # a file this small is checked in the server's process (as the synchronous import)
_LENGTH = struct.Struct("!Q")
_ROOT = Path(__file__).resolve().parents[3]  # where `python -m server…` finds the package


@dataclass
class Verdict:
    refused: bool
    rows: int
    orders: int = 0
    codes: tuple[str, ...] = ()  # every SKU code (or barcode) the orders name
    errors: list[dict] | None = None
    errors_total: int = 0


class Check:
    """The child checking one file; its orders are read as the job writes them."""

    def __init__(self, kind: str, files: dict[str, bytes]) -> None:
        read, write = os.pipe()
        self.process = subprocess.Popen([sys.executable, "-m", "server.services.orders.check_process", str(write)],
                                        stdin=subprocess.PIPE, cwd=_ROOT, pass_fds=(write,),
                                        env=os.environ | {"PYTHONPATH": str(_ROOT)})
        os.close(write)
        self.frames = os.fdopen(read, "rb")
        try:
            self.process.stdin.write(pickle.dumps((kind, files), protocol=pickle.HIGHEST_PROTOCOL))
            self.process.stdin.close()
        except BrokenPipeError:
            pass  # the child is gone: the first read says so

    def _frame(self):
        head = self.frames.read(_LENGTH.size)
        if len(head) < _LENGTH.size:
            self.process.wait(30)
            raise RuntimeError(f"the import's check process ended without an answer (exit {self.process.returncode})")
        return pickle.loads(self.frames.read(_LENGTH.unpack(head)[0]))

    def verdict(self) -> Verdict:
        frame = self._frame()
        if frame[0] == "refused":
            return Verdict(True, frame[3], errors=frame[1], errors_total=frame[2])
        return Verdict(False, frame[1], frame[2], frame[3])

    def orders(self) -> Iterator[order_import.PlannedOrder]:
        while (frame := self._frame())[0] == "orders":
            yield from frame[1]

    def close(self) -> None:
        self.frames.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(30)


class CheckHere:
    """A small file's check in this process (milliseconds: not worth a process of its own)."""

    def __init__(self, kind: str, files: dict[str, bytes]) -> None:
        self.kind, self.files, self.checked = kind, files, None

    def verdict(self) -> Verdict:
        try:
            self.checked = check(self.kind, self.files)
        except WmsError as error:
            return Verdict(True, 0, errors=[error.as_dict()], errors_total=1)
        if self.checked.problems:
            return Verdict(True, self.checked.rows, errors=self.checked.problems[:REPORT_LIMIT],
                           errors_total=len(self.checked.problems))
        codes = tuple(sorted({line.sku for order in self.checked.orders for line in order.lines}))
        return Verdict(False, self.checked.rows, len(self.checked.orders), codes)

    def orders(self) -> Iterator[order_import.PlannedOrder]:
        return iter(self.checked.orders)

    def close(self) -> None:
        pass


def checker(kind: str, files: dict[str, bytes]) -> Check | CheckHere:
    """A process of its own for a big file, this one for a small file."""
    lines = sum(raw.count(b"\n") for raw in files.values())
    return Check(kind, files) if lines > IN_PROCESS_LINES else CheckHere(kind, files)


def check(kind: str, files: dict[str, bytes]) -> order_import.Checked:
    if kind == "taobao":
        return order_import.check_taobao(files["orders"], files["items"])
    return order_import.check_generic(files["file"])


def _child(fd: int) -> None:
    out = os.fdopen(fd, "wb")

    def send(frame) -> None:
        data = pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(_LENGTH.pack(len(data)) + data)

    kind, files = pickle.load(sys.stdin.buffer)
    try:
        checked = check(kind, files)
    except WmsError as error:  # the file as a whole cannot be read (columns missing, not text)
        send(("refused", [error.as_dict()], 1, 0))
        out.close()
        return
    if checked.problems:
        send(("refused", checked.problems[:REPORT_LIMIT], len(checked.problems), checked.rows))
        out.close()
        return
    codes = tuple(sorted({line.sku for order in checked.orders for line in order.lines}))
    send(("checked", checked.rows, len(checked.orders), codes))
    out.flush()
    for start in range(0, len(checked.orders), CHUNK):
        send(("orders", checked.orders[start:start + CHUNK]))
    send(("end",))
    out.close()


if __name__ == "__main__":
    os.nice(10)  # background work: the floor's server and its scans go first when the cores are busy
    sys.stdout = sys.stderr  # the frames have a pipe of their own: nothing else may write into it
    try:
        _child(int(sys.argv[1]))
    except BrokenPipeError:  # the job stopped reading (ended, or its server stopped)
        pass
