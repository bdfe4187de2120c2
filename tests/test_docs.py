"""The protocol document is the contract: every error code the server can send is in it."""
from pathlib import Path

from server.domain.errors import CATALOG

PROTOCOL = (Path(__file__).resolve().parent.parent / "docs" / "protocol.md").read_text()


def test_every_error_code_is_documented_in_both_languages():
    for code, (_, en, zh) in CATALOG.items():
        assert f"| `{code}` |" in PROTOCOL, code
        assert en in PROTOCOL and zh in PROTOCOL, code
