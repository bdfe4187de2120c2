"""The protocol document is the contract: every error code the server can send is in it."""
import glob
import re
from pathlib import Path

from server.domain.errors import CATALOG

PROTOCOL = (Path(__file__).resolve().parent.parent / "docs" / "protocol.md").read_text()


def test_every_error_code_is_documented_in_both_languages():
    for code, (_, en, zh) in CATALOG.items():
        assert f"| `{code}` |" in PROTOCOL, code
        assert en in PROTOCOL and zh in PROTOCOL, code


ROOT = Path(__file__).resolve().parent.parent
# A path into the tree, as the docs write them: `server/services/floor/scans.py`, scripts/floor_sim.py, …
NAMED_PATH = re.compile(r"(?<![\w./-])((?:server|printers|handheld_web|scripts|bench|tests|config|docs)/[\w./*-]*\w)")
# A module as the docs write it in Python's dotted form: server.services.floor.scans, services.floor.scans.
# `server.threads` and the like are configuration keys, not modules: only names under a package are checked.
NAMED_MODULE = re.compile(r"(?<![\w.])((?:server|services|printers)(?:\.\w+)+)")


def named_in_docs() -> list[tuple[str, str]]:
    found = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for path in NAMED_PATH.findall(doc.read_text()):
            found.append((doc.name, path))
    return found


def test_every_file_and_folder_named_in_the_docs_exists():
    named = named_in_docs()
    assert len(named) > 100  # the docs were read
    missing = sorted({(doc, path) for doc, path in named
                      if not (glob.glob(str(ROOT / path)) if "*" in path else (ROOT / path).exists())})
    assert missing == []


def test_every_module_named_in_the_docs_in_dotted_form_exists():
    def is_module(parts: list[str]) -> bool:
        return (ROOT / Path(*parts)).with_suffix(".py").exists() or (ROOT / Path(*parts)).is_dir()

    checked, missing = 0, set()
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for dotted in NAMED_MODULE.findall(doc.read_text()):
            parts = dotted.split(".")
            parts = ["server", *parts] if parts[0] == "services" else parts
            if not (ROOT / Path(*parts[:2])).is_dir():
                continue  # server.app, printers.agent: a module (the paths test sees them) or a config key
            checked += 1
            if len(parts) > 2 and not is_module(parts[:3]):
                missing.add((doc.name, dotted))
    assert checked > 0 and sorted(missing) == []
