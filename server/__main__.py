"""Command line: `python -m server setup|serve|create-admin|import|issue-token|revoke-token|demo-facts|check-ledger`."""
from __future__ import annotations

import argparse
import gc
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from server import startup
from server.config import load_settings


def _app(settings: dict[str, Any] | None = None):
    from server.app import create_app

    return create_app(settings or load_settings())


def agent_token_path(data_dir: str | Path, device_code: str) -> Path:
    return Path(data_dir) / f"token-{device_code}.txt"


def setup(demo: bool, printer_port: int | None) -> None:
    """Bring the database to the newest schema. Outside the demo, make the first admin if no user exists
    yet. In the demo (--demo or WMS_DEMO=1), load the demo warehouse once and make sure the demo printer
    agent and scanner bridge have their tokens on disk."""
    from flask_migrate import upgrade

    from server.app import MIGRATIONS
    from server.services.people import audit
    from server.services.people import auth
    from server.services.demo import warehouse

    settings = load_settings(os.environ | {"WMS_DEMO": "1"} if demo else None)
    startup.check(settings)
    app = _app(settings)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        if not settings["demo"]:
            audit.act_as(None, "cli setup")
            _make_admin(only_if_nobody=True)
            return
        if not warehouse.is_seeded():
            warehouse.seed(printer_port)
            print("demo warehouse loaded", flush=True)
        elif not startup.holds_demo(settings["database"]["url"]):
            raise startup.Refused(
                "This data dir holds a warehouse of its own, not the demo: use another WMS_DATA_DIR for the demo.",
                "该数据目录存放的是您自己的仓库，而不是演示仓库：请为演示另设 WMS_DATA_DIR。")
        elif printer_port:
            warehouse.set_printer_port(printer_port)
        # The printer agent and the packing station's scanner bridge read their tokens from here.
        for device in ("AGENT-01", "BRIDGE-01"):
            path = agent_token_path(app.config["WMS"]["data_dir"], device)
            token = path.read_text().strip() if path.exists() else ""
            try:
                if not token or auth.actor_for_token(token).device_code != device:
                    raise ValueError
            except Exception:
                token = auth.issue_device_token(device)
                path.write_text(token + "\n")
                os.chmod(path, 0o600)


def _make_admin(only_if_nobody: bool) -> None:
    """An admin from WMS_ADMIN_USER / WMS_ADMIN_PASSWORD, else asked for on a terminal (docs/setup.md)."""
    from server.services.people import first_admin

    if only_if_nobody and not first_admin.needed():
        return
    username = os.environ.get("WMS_ADMIN_USER", "").strip()
    password = os.environ.get("WMS_ADMIN_PASSWORD", "")
    if not (username and password) and not sys.stdin.isatty():
        raise startup.Refused(
            "No user exists yet: set WMS_ADMIN_USER and WMS_ADMIN_PASSWORD (at least "
            f"{first_admin.SHORTEST_PASSWORD} characters) for the first admin, or run setup on a terminal to be asked.",
            f"尚无任何用户：请设置 WMS_ADMIN_USER 和 WMS_ADMIN_PASSWORD（至少 {first_admin.SHORTEST_PASSWORD} 个字符）"
            "以创建第一个管理员，或在终端中运行 setup 按提示输入。")
    username = username or input("The first admin's user name · 第一个管理员的用户名: ").strip()
    while not password:
        typed = getpass.getpass(f"Password, {first_admin.SHORTEST_PASSWORD} characters or more · "
                                f"密码（至少 {first_admin.SHORTEST_PASSWORD} 个字符）: ")
        if len(typed) < first_admin.SHORTEST_PASSWORD:
            print(f"Too short · 太短 ({len(typed)})", file=sys.stderr)
        elif getpass.getpass("Once more · 再输入一次: ") != typed:
            print("The two differ · 两次输入不一致", file=sys.stderr)
        else:
            password = typed
    user = first_admin.create_admin(username, password)
    print(f"admin {user.username} created · 已创建管理员 {user.username}", flush=True)


def create_admin() -> None:
    from server.services.people import audit

    with _app().app_context():
        audit.act_as(None, "cli create-admin")
        _make_admin(only_if_nobody=False)


def serve() -> None:
    """The production-shaped server: gunicorn with one asyncio worker (uvicorn) per process — every
    socket a task on one event loop, REST and pages in a pool of threads (server/asgi.py). Several
    processes share events through Redis (`redis.url`); see docs/scale-out.md."""
    from server.asgi import create

    settings = load_settings()
    startup.check(settings)  # here, in gunicorn's master: a worker that fails to boot says less
    run_gunicorn(settings, create, worker_class="server.asgi.Worker")


def run_gunicorn(settings: dict, make_app, **worker: object) -> None:
    """One gunicorn worker process serving `make_app(settings)`, with `worker` settings (its class, and
    threads for a threaded one). Also serves scripts/flask_socketio_server.py, so the two stacks of the
    A/B differ only in their worker."""
    from gunicorn.app.base import BaseApplication

    server = settings["server"]

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{server['host']}:{server['port']}")
            self.cfg.set("workers", 1)  # Socket.IO state lives in the process: one worker each
            for key, value in worker.items():
                self.cfg.set(key, value)
            self.cfg.set("timeout", 60)
            self.cfg.set("graceful_timeout", 3)
            self.cfg.set("keepalive", 5)
            self.cfg.set("loglevel", os.environ.get("WMS_LOG_LEVEL", "warning"))
            # gunicorn's control socket has one default path per user: several server processes
            # on one machine would take it from each other. Nothing here uses gunicornc.
            self.cfg.set("control_socket_disable", True)

        def load(self):
            application = make_app(settings)
            # Long-lived objects (app, models, compiled SQL) leave the collector's view, so a
            # full collection no longer walks them while a scan waits for its ack; and collections
            # come rarely (`server.gc_thresholds`): with 300 sockets open a full one took 30–90 ms of
            # the one event loop, every ~10 s (docs/reliability.md).
            gc.collect()
            gc.freeze()
            gc.set_threshold(*(int(n) for n in server.get("gc_thresholds", (700, 10, 10))))
            return application

    Server().run()


def check_ledger() -> int:
    from server.services.inventory import ledger

    with _app().app_context():
        missing = ledger.not_set_up()
        if missing:
            print(f"check-ledger: {missing}; set it up first: python -m server setup (scripts/run does) · "
                  "尚无库存账：请先运行 python -m server setup 建立仓库数据库", file=sys.stderr)
            return 2
        report = ledger.check()
    for d in report["disagreements"]:
        bin_id, item_id, lot_id = d["place"]
        print(f"books/goods disagree: bin {bin_id} item {item_id} lot {lot_id}: ledger {d['ledger']}, "
              f"bin stock {d['bin_stock']}")
    for m in report["reservation_mismatches"]:
        bin_id, item_id, lot_id = m["place"]
        print(f"bin card disagrees: bin {bin_id} item {item_id} lot {lot_id}: open reservations "
              f"{m['reservations']}, reserved {m['reserved_qty']}")
    summary = {k: report[k] for k in ("balanced", "ledger_rows", "places", "negative_places")}
    summary |= {"disagreements": len(report["disagreements"]),
                "reservation_mismatches": len(report["reservation_mismatches"])}
    print(json.dumps(summary))
    return 0 if report["balanced"] else 1


def import_file(kind: str, path: Path, dry_run: bool, good_rows_only: bool, username: str | None) -> int:
    """The import of the day-one page from a terminal. Exit 0: done (or a clean dry run); 1: wrong rows
    refused the file (each printed); 2: the file itself refused."""
    from server.domain.errors import WmsError
    from server.services.people import audit
    from server.services.setup import imports

    with _app().app_context():
        try:
            actor = imports.actor_named(username)
            audit.act_as(actor, f"cli import {kind}")
            answer, status = imports.run(kind, path.read_bytes(), path.name, actor, dry_run=dry_run,
                                         good_rows_only=good_rows_only)
        except WmsError as refusal:
            message = refusal.message()
            print(f"{message['en']}\n{message['zh']}", file=sys.stderr)
            return 2
    for error in answer["errors"]:
        print(f"row {error['row']}, {error['column']}: {error['code']} — {error['message']['en']} · "
              f"{error['message']['zh']}")
    verb = "would be" if dry_run else ("written" if answer["written"] else "nothing written")
    print(f"{kind}: {answer['rows']} rows — {answer['created']} new, {answer['updated']} changed, "
          f"{answer['unchanged']} unchanged, {answer['refused']} wrong ({verb})")
    return 1 if status == 422 else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server")
    sub = parser.add_subparsers(dest="command", required=True)
    p_setup = sub.add_parser("setup", help="migrate the database; make the first admin (or load the demo warehouse)")
    p_setup.add_argument("--demo", action="store_true")
    p_setup.add_argument("--printer-port", type=int)
    sub.add_parser("serve", help="run the server (gunicorn)")
    sub.add_parser("create-admin", help="add an admin (WMS_ADMIN_USER / WMS_ADMIN_PASSWORD, or asked on a terminal)")
    p_issue = sub.add_parser("issue-token", help="issue a new token for a device, print it")
    p_issue.add_argument("device")
    p_revoke = sub.add_parser("revoke-token", help="revoke a device's token")
    p_revoke.add_argument("device")
    sub.add_parser("demo-facts", help="print what to scan in the demo warehouse (JSON)")
    sub.add_parser("check-ledger", help="recompute stock from the ledger; exit 0 only when all agrees")
    p_import = sub.add_parser("import", help="import a file (items, kits, bins, staff, suppliers, opening-stock): "
                                             "every wrong row listed; nothing written if one is wrong")
    p_import.add_argument("kind")
    p_import.add_argument("file", type=Path)
    p_import.add_argument("--dry-run", action="store_true", help="show what would happen, write nothing")
    p_import.add_argument("--good-rows-only", action="store_true", help="load the good rows of a file with wrong ones")
    p_import.add_argument("--as", dest="username", help="the user it is done as (default: the first admin)")
    args = parser.parse_args(argv)

    if args.command in ("setup", "serve", "create-admin"):
        return _refusing(args)
    if args.command == "check-ledger":
        return check_ledger()
    if args.command == "import":
        return import_file(args.kind, args.file, args.dry_run, args.good_rows_only, args.username)
    else:
        from server.services.people import audit
        from server.services.people import auth
        from server.services.demo import warehouse

        with _app().app_context():
            audit.act_as(None, f"cli {args.command} {getattr(args, 'device', '')}".strip())
            if args.command == "issue-token":
                print(auth.issue_device_token(args.device))
            elif args.command == "revoke-token":
                auth.revoke_device_token(args.device)
            else:
                print(json.dumps(warehouse.facts(), ensure_ascii=False))
    return 0


def _refusing(args: argparse.Namespace) -> int:
    """setup, serve and create-admin: a refusal is its message and exit code 2, no traceback."""
    from server.domain.errors import WmsError

    try:
        if args.command == "setup":
            setup(args.demo, args.printer_port)
        elif args.command == "serve":
            serve()
        else:
            create_admin()
    except startup.Refused as refusal:
        print(refusal, file=sys.stderr)
        return 2
    except WmsError as refusal:
        message = refusal.message()
        print(f"{message['en']}\n{message['zh']}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
