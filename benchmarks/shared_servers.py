"""The servers several API processes share, started for real on free loopback ports: Debian's
PostgreSQL (as a dedicated user, since it refuses to run as root), Debian's redis-server, and
`chroma run`. `make services` (called by `make test`) installs the first two. Used by the load
benchmark and by the tests (tests/ui/test_several_machines.py, tests/assistant/test_sessions.py);
it imports neither."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from evals.bench import free_port

PG_USER = "faqtest"  # the system user the test Postgres runs as when the tests run as root


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run `make services` (apt-get install postgresql)")
    return found[-1]


def _as_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER],
                       check=True)
    return ["runuser", "-u", PG_USER, "--", *command]


@contextmanager
def postgres() -> Iterator[str]:
    """A throwaway cluster with a database ``faq``; yields its SQLAlchemy URL. Its folder is a new
    one under the system temp dir (pytest's temp dirs are private to root, and Postgres runs as PG_USER)."""
    root = Path(tempfile.mkdtemp(prefix="faq-pg-"))
    data, sockets = root / "pgdata", root / "pgsock"
    sockets.mkdir()
    if os.geteuid() == 0:
        _as_user(["true"])  # creates the user
        shutil.chown(root, PG_USER)
        shutil.chown(sockets, PG_USER)
    _run([_pg_bin("initdb"), "-D", str(data), "-U", "faq", "--auth=trust", "-E", "UTF8", "--no-sync"])
    port = free_port()
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    _run([_pg_bin("pg_ctl"), "-D", str(data), "-l", str(root / "postgres.log"), "-o", options, "-w", "start"])
    try:
        _run([_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "faq", "faq"])
        yield f"postgresql+psycopg://faq@127.0.0.1:{port}/faq"
    finally:
        subprocess.run(_as_user([_pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def _run(command: list[str]) -> None:
    done = subprocess.run(_as_user(command), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stdout[-1000:]} {done.stderr[-1000:]}")


@contextmanager
def redis_server(root: Path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed: run `make services` (apt-get install redis-server)")
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(lambda: _redis_ping(port), proc, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextmanager
def chroma_run(root: Path) -> Iterator[str]:
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen([str(chroma), "run", "--path", str(root), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: _http_ok(f"{url}/api/v2/heartbeat"), proc, "chroma run")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _redis_ping(port: int) -> bool:
    import redis

    try:
        return bool(redis.Redis(host="127.0.0.1", port=port, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


def _wait(check: Callable[[], bool], proc: subprocess.Popen[bytes], name: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"{name} did not start")
        time.sleep(0.2)
