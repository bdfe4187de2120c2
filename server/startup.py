"""What a process checks before it sets up or serves a warehouse: outside the demo, a secret key of its own
and a data dir that does not hold the demo warehouse. A refusal says why in English and Chinese; the
command line prints it and exits 2 (docs/setup.md)."""
from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

from sqlalchemy import create_engine, inspect, make_url, text

from server import local_time
from server.config import OLD_SHIPPED_SECRET_KEY, SHORTEST_SECRET_KEY
from server.db.engine import is_sqlite
from server.db.models import DEMO_FACT
MAKE_A_KEY = "python3 -c 'import secrets; print(secrets.token_hex(32))'"


class Refused(Exception):
    """This process must not start; `en` and `zh` say why and what to do."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(f"{en}\n{zh}")
        self.en = en
        self.zh = zh


def check(settings: dict[str, Any]) -> None:
    """Refuse to run a warehouse of one's own with a missing or weak key, or on the demo's data; and any
    warehouse whose time zone is not one the machine knows (every time a person reads would be wrong)."""
    check_time_zone(settings)
    if settings["demo"]:
        return
    check_secret_key(str(settings["server"].get("secret_key") or ""))
    if holds_demo(settings["database"]["url"]):
        raise Refused(
            f"This data dir ({settings['data_dir']}) holds the demo warehouse; use another WMS_DATA_DIR for a "
            "warehouse of your own (or WMS_DEMO=1 to run the demo).",
            f"该数据目录（{settings['data_dir']}）存放的是演示仓库：请为自己的仓库另设 WMS_DATA_DIR"
            "（或用 WMS_DEMO=1 运行演示）。")


def check_time_zone(settings: dict[str, Any]) -> None:
    name = local_time.zone_name(settings)
    try:
        local_time.zone(settings)
    except (ValueError, ZoneInfoNotFoundError):
        raise Refused(f"Refusing to start: [warehouse] time_zone = {name!r} is not a time zone this machine "
                      "knows; use an IANA name such as \"Asia/Shanghai\". See docs/setup.md.",
                      f"拒绝启动：[warehouse] time_zone = {name!r} 不是本机已知的时区；请使用 IANA 时区名，"
                      "例如 \"Asia/Shanghai\"。详见 docs/setup.md。") from None


def check_secret_key(key: str) -> None:
    if not key:
        why = ("WMS_SECRET_KEY is not set", "未设置 WMS_SECRET_KEY")
    elif key == OLD_SHIPPED_SECRET_KEY:
        why = ("WMS_SECRET_KEY is the demo key that used to ship in config/default.toml, which anyone can read",
               "WMS_SECRET_KEY 是以前随 config/default.toml 发布的演示密钥，任何人都能看到")
    elif len(key) < SHORTEST_SECRET_KEY:
        why = (f"WMS_SECRET_KEY has {len(key)} characters; it needs at least {SHORTEST_SECRET_KEY}",
               f"WMS_SECRET_KEY 只有 {len(key)} 个字符，至少需要 {SHORTEST_SECRET_KEY} 个")
    else:
        return
    raise Refused(
        f"Refusing to start: {why[0]}. Outside the demo the server needs a secret key of its own "
        f"({SHORTEST_SECRET_KEY} characters or more, the same on every process), e.g. "
        f"WMS_SECRET_KEY=$({MAKE_A_KEY}). For the demo: WMS_DEMO=1 (scripts/run). See docs/setup.md.",
        f"拒绝启动：{why[1]}。非演示模式下服务器需要自己的密钥（至少 {SHORTEST_SECRET_KEY} 个字符，"
        f"所有进程相同），例如 WMS_SECRET_KEY=$({MAKE_A_KEY})。运行演示请用 WMS_DEMO=1（scripts/run）。"
        "详见 docs/setup.md。")


def holds_demo(url: str) -> bool:
    """Whether the database the settings name holds the demo warehouse: site_facts "demo" = "1", which the
    demo seeder writes, or (seeded before there were site facts) the demo admin's badge. Read with an engine
    of its own: the server's master process checks before gunicorn forks its worker."""
    if is_sqlite(url) and not Path(make_url(url).database or "").exists():
        return False  # nothing set up yet (and connecting would make an empty file)
    from server.services.demo.warehouse import badge_for
    from server.services.people.auth import digest

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            if "site_facts" in tables:
                fact = connection.execute(text("SELECT value FROM site_facts WHERE key = :key"),
                                          {"key": DEMO_FACT}).scalar()
                if fact is not None:
                    return fact == "1"
            return "users" in tables and connection.execute(
                text("SELECT 1 FROM users WHERE badge_digest = :badge"),
                {"badge": digest(badge_for("admin"))}).first() is not None
    finally:
        engine.dispose()
