"""Real servers and a real browser for tests: `faq serve` / `faq console` on a free loopback port,
and Debian's Chromium through Playwright (never `playwright install`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from evals.bench import wait_ready
from tests.conftest import PACKAGE_ROOT, free_port

ADMIN_KEY = "test-admin-key-123"
SITE = "https://clinic.example"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = PACKAGE_ROOT / "artifacts"
LOGS: dict[int, Path] = {}


def start_server(data_dir: Path, models: Path, *command: str, ready: str = "/readyz",
                 **env: str) -> tuple[subprocess.Popen[bytes], str]:
    """`faq serve` (or another faq COMMAND that takes --port) with a private data folder."""
    port = free_port()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("FAQ_")}
    full_env.update({"FAQ_DATA_DIR": str(data_dir), "FAQ_MODEL_CACHE_DIR": str(models), "FAQ_ADMIN_KEY": ADMIN_KEY,
                     "FAQ_CORS_ORIGINS": json.dumps([SITE]), **env})
    # the server's log goes to a file, never an unread pipe (a full pipe would block the server)
    log = Path(tempfile.mkdtemp(prefix="faq-server-")) / f"server-{port}.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "cli", *(command or ("serve",)), "--port", str(port)],
                                cwd=PACKAGE_ROOT, env=full_env, stdout=subprocess.DEVNULL, stderr=sink)
    LOGS[proc.pid] = log
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, proc, ready)
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}\n{log.read_text(errors='replace')[-4000:]}") from None
    return proc, url


def server_log(proc: subprocess.Popen[bytes]) -> Path:
    """The file a server started by start_server writes its log (stderr) to."""
    return LOGS[proc.pid]


@contextmanager
def running(data_dir: Path, models: Path, *command: str, ready: str = "/readyz", **env: str) -> Iterator[str]:
    proc, url = start_server(data_dir, models, *command, ready=ready, **env)
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise RuntimeError(f"{url} did not shut down within 30 s of SIGTERM") from None


@contextmanager
def chromium(profile: Path, **options: Any) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1280, "height": 860}, **options)
        try:
            yield context
        finally:
            context.close()


def screenshot(page: Any, name: str, full_page: bool = False) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=full_page)
    return path
