"""Settings as data: config/default.toml, an optional WMS_CONFIG file, then environment overrides."""
from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "config"

# environment variable -> (section, key, type)
ENV_OVERRIDES: dict[str, tuple[str, str, type]] = {
    "WMS_DATABASE_URL": ("database", "url", str),
    "WMS_REDIS_URL": ("redis", "url", str),
    "WMS_SECRET_KEY": ("server", "secret_key", str),
    "WMS_HOST": ("server", "host", str),
    "WMS_PORT": ("server", "port", int),
    "WMS_THREADS": ("server", "threads", int),
    "WMS_WORKER": ("server", "worker", str),
    "WMS_DB_POOL_SIZE": ("database", "pool_size", int),
}

# gunicorn worker class -> Flask-SocketIO async mode. Nothing else is supported: eventlet is out
# (gunicorn 26 removed its worker), and a mismatch between the two hangs WebSockets.
WORKERS = {"gthread": "threading", "gevent": "gevent"}



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
            settings.setdefault(section, {})[key] = kind(env[var])
    settings["data_dir"] = str(data_dir(env))
    if not settings["database"].get("url"):
        settings["database"]["url"] = f"sqlite:///{Path(settings['data_dir']) / 'wms.db'}"
    settings["server"]["worker"] = worker_for(settings)
    return settings


def worker_for(settings: dict[str, Any]) -> str:
    """The gunicorn worker class: gthread unless `server.worker = "gevent"` is asked for, and gevent
    only on PostgreSQL: one SQLite lock wait stops the whole event loop (every device) for seconds.
    gthread is the default on PostgreSQL too: it measured faster here (docs/scale-out.md)."""
    chosen = str(settings["server"].get("worker") or "gthread").lower()
    if chosen not in WORKERS:
        raise ValueError(f"server.worker must be {' or '.join(WORKERS)}, not {chosen!r}")
    if chosen == "gevent" and settings["database"]["url"].startswith("sqlite"):
        raise ValueError("server.worker = gevent needs PostgreSQL: a SQLite lock wait stops every greenlet")
    return chosen


def async_mode(settings: dict[str, Any]) -> str:
    """Flask-SocketIO's async mode for the configured worker (never left to autodetection)."""
    return WORKERS[settings["server"].get("worker") or worker_for(settings)]


def load_demo_warehouse() -> dict[str, Any]:
    with open(CONFIG_DIR / "demo_warehouse.toml", "rb") as fh:
        return tomllib.load(fh)
