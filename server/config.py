"""Settings as data: config/default.toml, an optional WMS_CONFIG file, then environment overrides."""
from __future__ import annotations

import os
import secrets
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "config"

# The demo's own secret key, made on its first run and kept in the data dir (docs/setup.md).
SECRET_KEY_FILE = "secret-key"
# What config/default.toml shipped until it had no key: anyone could sign an admin's cookie with it.
OLD_SHIPPED_SECRET_KEY = "demo-secret-change-me"
SHORTEST_SECRET_KEY = 32


def flag(text: str) -> bool:
    """An on/off environment variable: 1, true, yes or on (any case) is on; anything else off."""
    return text.strip().lower() in ("1", "true", "yes", "on")


# environment variable -> (section, key, type); section "" is the top level
ENV_OVERRIDES: dict[str, tuple[str, str, Callable[[str], Any]]] = {
    "WMS_DEMO": ("", "demo", flag),
    "WMS_DATABASE_URL": ("database", "url", str),
    "WMS_REDIS_URL": ("redis", "url", str),
    "WMS_SECRET_KEY": ("server", "secret_key", str),
    "WMS_HOST": ("server", "host", str),
    "WMS_PORT": ("server", "port", int),
    "WMS_THREADS": ("server", "threads", int),
    "WMS_SCAN_BATCH": ("server", "scan_batch", int),
    "WMS_DB_POOL_SIZE": ("database", "pool_size", int),
    "WMS_TIME_ZONE": ("warehouse", "time_zone", str),
}

def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def data_dir(env: dict[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("WMS_DATA_DIR") or ROOT / "var").resolve()


def load_settings(env: dict[str, str] | None = None) -> dict[str, Any]:
    """Read the settings the way every process of the system reads them."""
    env = dict(os.environ if env is None else env)
    with open(CONFIG_DIR / "default.toml", "rb") as fh:
        settings = tomllib.load(fh)
    if env.get("WMS_CONFIG"):
        with open(env["WMS_CONFIG"], "rb") as fh:
            settings = _merge(settings, tomllib.load(fh))
    for var, (section, key, kind) in ENV_OVERRIDES.items():
        if env.get(var):
            (settings.setdefault(section, {}) if section else settings)[key] = kind(env[var])
    settings["demo"] = bool(settings.get("demo"))
    settings["data_dir"] = str(data_dir(env))
    settings["server"]["secret_key"] = _secret_key(settings)
    if not settings["database"].get("url"):
        settings["database"]["url"] = f"sqlite:///{Path(settings['data_dir']) / 'wms.db'}"
    return settings


def _secret_key(settings: dict[str, Any]) -> str:
    """The configured key; in the demo without one, the data dir's own (made on first use). Outside
    the demo a missing or weak key is refused where a process starts (server/startup.py)."""
    configured = str(settings["server"].get("secret_key") or "")
    if configured or not settings["demo"]:
        return configured
    return demo_secret_key(Path(settings["data_dir"]))


def demo_secret_key(folder: Path) -> str:
    """The key in `folder`/secret-key, made (random, mode 0600) if there is none yet. Written aside and
    linked into place, so processes starting together never read a half-written key and all agree."""
    path = folder / SECRET_KEY_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        handle, aside = tempfile.mkstemp(dir=folder, prefix=".secret-key-")  # mode 0600
        try:
            with os.fdopen(handle, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
            os.link(aside, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            os.unlink(aside)
    return path.read_text().strip()


def load_demo_warehouse() -> dict[str, Any]:
    with open(CONFIG_DIR / "demo_warehouse.toml", "rb") as fh:
        return tomllib.load(fh)
