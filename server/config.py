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
    "WMS_SCAN_BATCH": ("server", "scan_batch", int),
    "WMS_DB_POOL_SIZE": ("database", "pool_size", int),
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
            settings.setdefault(section, {})[key] = kind(env[var])
    settings["data_dir"] = str(data_dir(env))
    if not settings["database"].get("url"):
        settings["database"]["url"] = f"sqlite:///{Path(settings['data_dir']) / 'wms.db'}"
    return settings


def load_demo_warehouse() -> dict[str, Any]:
    with open(CONFIG_DIR / "demo_warehouse.toml", "rb") as fh:
        return tomllib.load(fh)
