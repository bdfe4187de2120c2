"""Scale-out for real: a private PostgreSQL cluster and a private Redis on free ports in temporary
directories (stopped and removed afterwards), and two `python -m server serve` processes sharing
them. scripts/test installs Debian's postgresql and redis-server when they are missing."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import requests

from tests.conftest import ROOT, LiveServer, free_port, stop_server


def _postgres_bin() -> Path:
    """The newest installed PostgreSQL's binaries (Debian keeps them out of PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return Path(found[-1]).parent
    if shutil.which("initdb"):
        return Path(shutil.which("initdb")).parent
    pytest.fail("PostgreSQL is not installed: scripts/test installs it (apt-get install postgresql)")


def _as_owner(owner: str | None, *command: str) -> list[str]:
    # PostgreSQL refuses to run as root: as root, its commands run as the `postgres` OS user that
    # Debian's package creates.
    return ["runuser", "-u", owner, "--", *command] if owner else list(command)


@dataclass
class Postgres:
    port: int
    root: Path
    bin: Path
    owner: str | None

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://wms@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        name = f"wms_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=wms dbname=postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return name

    def connect(self, database: str) -> psycopg.Connection:
        return psycopg.connect(f"host=127.0.0.1 port={self.port} user=wms dbname={database}", autocommit=True)


@pytest.fixture(scope="session")
def postgres():
    bindir = _postgres_bin()
    owner = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres").pw_name
        except KeyError:
            pytest.fail("running as root needs the `postgres` OS user (Debian's postgresql package creates it)")
    root = Path(tempfile.mkdtemp(prefix="wms-pg-"))
    if owner:
        shutil.chown(root, owner)
    data, port = root / "data", free_port()
    subprocess.run(_as_owner(owner, str(bindir / "initdb"), "-D", str(data), "-U", "wms", "--auth=trust",
                             "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"),
                   check=True, capture_output=True, timeout=120)
    # Durability is not under test: without fsync the cluster starts and commits faster.
    options = (f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
               "-c full_page_writes=off -c max_connections=100")
    subprocess.run(_as_owner(owner, str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                             str(root / "postgres.log"), "-w", "-t", "60", "start"),
                   check=True, capture_output=True, timeout=90)
    try:
        yield Postgres(port, root, bindir, owner)
    finally:
        subprocess.run(_as_owner(owner, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"),
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url():
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        pytest.fail("redis-server is not installed: scripts/test installs it (apt-get install redis-server)")
    root, port = Path(tempfile.mkdtemp(prefix="wms-redis-")), free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(root)],
                               stdout=open(root / "redis.log", "wb"), stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait_for_redis(process, port)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(root, ignore_errors=True)


def _wait_for_redis(process: subprocess.Popen, port: int) -> None:
    import redis

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, "redis-server exited"
        try:
            if redis.Redis(port=port, socket_timeout=1).ping():
                return
        except redis.ConnectionError:
            time.sleep(0.05)
    pytest.fail("redis-server did not answer")


def setup_database(env: dict) -> None:
    """`python -m server setup --demo` once, before any server process starts."""
    done = subprocess.run([sys.executable, "-m", "server", "setup", "--demo", "--printer-port",
                           env.get("WMS_TEST_PRINTER_PORT", "9")], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr


def serve(data_dir: Path, env: dict) -> LiveServer:
    """One more `python -m server serve` process on its own port, sharing the database and Redis."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = env | {"WMS_PORT": str(port)}
    log = open(data_dir / "server.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "server", "serve"], env=env | {"WMS_DATA_DIR": str(data_dir)},
                               cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((data_dir / "server.log").read_text())
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                return LiveServer(url, port, data_dir, env, process)
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not become healthy:\n" + (data_dir / "server.log").read_text())


@dataclass
class Cluster:
    a: LiveServer
    b: LiveServer
    database: str
    shared_dir: Path  # where setup wrote the demo devices' tokens


@pytest.fixture(scope="session")
def two_servers(tmp_path_factory, postgres, redis_url, printer_emulator):
    """Processes A and B: one PostgreSQL database, one Redis, the demo warehouse set up once."""
    database = postgres.create_database()
    shared = tmp_path_factory.mktemp("scale-shared")
    env = os.environ | {"WMS_DATABASE_URL": postgres.url(database), "WMS_REDIS_URL": redis_url,
                        "WMS_SECRET_KEY": uuid.uuid4().hex, "WMS_DEMO": "1", "WMS_DATA_DIR": str(shared),
                        "WMS_TEST_PRINTER_PORT": str(printer_emulator.port)}
    setup_database(env)
    a = serve(tmp_path_factory.mktemp("scale-a"), env)
    try:
        b = serve(tmp_path_factory.mktemp("scale-b"), env)
    except Exception:
        stop_server(a)
        raise
    yield Cluster(a, b, database, shared)
    stop_server(a)
    stop_server(b)
