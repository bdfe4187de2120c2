"""Fixtures for printer tests: an emulated Zebra on a free port, a CUPS scheduler, raw queues."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import zplkit
import zxingcpp
from PIL import Image

from printers.emulator import ZebraEmulator
from printers.labels import label_size_dots

CUPSD = "/usr/sbin/cupsd"
_INSTALL_HINT = "scripts/test installs it (apt-get install cups cups-client cups-bsd)"


@pytest.fixture
def printer() -> Iterator[ZebraEmulator]:
    """A fresh emulated Zebra on 127.0.0.1, any free port."""
    with ZebraEmulator() as emulator:
        yield emulator


def _scan(zpl: str, dpi: int = 203) -> list[str]:
    width, height = label_size_dots(dpi)
    document = zplkit.render(zpl, zplkit.Options(width=width, height=height, dpi=dpi))
    assert len(document.labels) == 1, "expected exactly one label"
    image = Image.open(io.BytesIO(document.labels[0].png()))
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


@pytest.fixture
def scan_label() -> Callable[..., list[str]]:
    """scan_label(zpl, dpi=203): render a bin-sized label offline, read back its barcodes."""
    return _scan


def _scheduler_running() -> bool:
    result = subprocess.run(
        ["lpstat", "-r"], capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"}
    )
    return "scheduler is running" in result.stdout


@pytest.fixture(scope="session")
def cups_scheduler() -> Iterator[None]:
    """A running CUPS scheduler; started here (as root) when none is, stopped afterwards."""
    if shutil.which("lpstat") is None or shutil.which("lpadmin") is None:
        pytest.fail(f"CUPS client tools (lpstat, lpadmin) are not installed; {_INSTALL_HINT}")
    if _scheduler_running():
        yield
        return
    if not os.path.exists(CUPSD):
        pytest.fail(f"the CUPS scheduler ({CUPSD}) is not installed; {_INSTALL_HINT}")
    if os.geteuid() != 0:
        pytest.fail("CUPS is not running and only root can start it: sudo systemctl start cups")
    # Foreground mode keeps cupsd our child, so we stop exactly the process we started.
    scheduler = subprocess.Popen([CUPSD, "-f"])
    deadline = time.monotonic() + 10
    while not _scheduler_running():
        if scheduler.poll() is not None and _scheduler_running():
            break  # another test worker started it at the same moment: ours could not bind; theirs serves
        if scheduler.poll() is not None or time.monotonic() > deadline:
            scheduler.kill()
            pytest.fail(f"{CUPSD} did not start (exit code {scheduler.poll()})")
        time.sleep(0.05)
    yield
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return  # other test workers may still print through it: it ends with the machine's CI run
    scheduler.terminate()
    scheduler.wait(timeout=10)


@pytest.fixture
def make_raw_queue(cups_scheduler: None) -> Iterator[Callable[[int], str]]:
    """make_raw_queue(port): a CUPS raw queue to 127.0.0.1:port, removed with its jobs after.

    No -m: CUPS 2.4 then makes a raw queue (no driver, bytes pass through untouched).
    """
    queues: list[str] = []

    def make(port: int) -> str:
        queue = f"wms_test_{uuid.uuid4().hex[:10]}"
        subprocess.run(
            ["lpadmin", "-p", queue, "-E", "-v", f"socket://127.0.0.1:{port}"],
            check=True,
            capture_output=True,
        )
        queues.append(queue)
        return queue

    yield make
    for queue in queues:
        subprocess.run(["lpadmin", "-x", queue], check=False, capture_output=True)


@pytest.fixture
def raw_queue(make_raw_queue: Callable[[int], str], printer: ZebraEmulator) -> str:
    """A CUPS raw queue that prints to the emulated printer."""
    return make_raw_queue(printer.port)
