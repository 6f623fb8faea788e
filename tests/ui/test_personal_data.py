"""Personal data through the real API: the corpus's messages posted to /v1/chat, the stream and
feedback comments of a real `faq serve`, then every file under its data dir and its log searched.

The detector's recall is measured by benchmarks/pii_bench.py (it misses some names): what this
test holds is that no path stores or logs what the detector finds, i.e. that redaction sits in
front of every write, and that `faq audit-data` tells a clean folder from a leaky one."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

from assistant.settings import load_settings
from assistant.wiring import Services
from tests.conftest import PACKAGE_ROOT
from tests.servers import server_log, start_server

CORPUS = PACKAGE_ROOT / "guardrails" / "pii_cases.yaml"
# every EVERY-th message of the corpus with identifiers (about 80 by default); the whole corpus
# (`TEST_PII_EVERY=1`, 412 messages, ~1,240 requests) takes several minutes, too long for every run
EVERY = int(os.environ.get("TEST_PII_EVERY", "5"))


def audit(data_dir: Path, model_cache: Path, *logs: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAQ_")}
    env.update({"FAQ_DATA_DIR": str(data_dir), "FAQ_MODEL_CACHE_DIR": str(model_cache)})
    args = [arg for log in logs for arg in ("--log", str(log))]
    return subprocess.run([sys.executable, "-m", "cli", "audit-data", *args], cwd=PACKAGE_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def _rows(database: Path) -> bytes:
    """Every row of a SQLite database (its write-ahead log included) as text."""
    import sqlite3

    with sqlite3.connect(database) as db:
        return "\n".join(db.iterdump()).encode()


def _turn_row(database: Path, turn: str) -> bytes:
    """One turn's stored row (question, rewrite, answer, feedback comment, suggestions) as text."""
    import sqlite3

    with sqlite3.connect(database) as db:
        row = db.execute("SELECT * FROM turns WHERE turn_id = ?", (turn,)).fetchone()
    assert row is not None, turn
    return "\n".join(str(v) for v in row).encode()


@pytest.mark.slow
def test_no_detected_identifier_is_stored_or_logged(indexed: Path, model_cache: Path, tmp_path: Path) -> None:
    data = tmp_path / "var"
    shutil.copytree(indexed, data, ignore=shutil.ignore_patterns("sessions.sqlite3*"))
    # what the folder held before any message (the article's index): a short name such as "Bill"
    # can occur in it ("billing") without any patient having typed it
    before = b"".join(p.read_bytes() for p in data.rglob("*") if p.is_file())
    cases = [c for c in yaml.safe_load(CORPUS.read_text(encoding="utf-8"))["cases"] if c["identifiers"]][::EVERY]
    # the server's own detector (the articles' words and the clinic's name are never names on their own):
    # "detected" means what the product redacts, not what a bare detector would
    detector = Services(load_settings(data_dir=data, model_cache_dir=model_cache)).pii
    proc, url = start_server(data, model_cache, "-v", "serve", FAQ_RATE_LIMIT_PER_MINUTE="100000")
    # what the server logged before it was ready, i.e. before any message was posted: its start-up
    # lines and the libraries' ("Will assume non-transactional DDL.", from Alembic's migration),
    # which cannot hold anything a patient typed. Everything logged after this point is searched,
    # lines outside a request ("[-]": background threads, shutdown) included
    booted = server_log(proc).stat().st_size
    turns: list[str] = []
    try:
        for i, case in enumerate(cases):
            text = str(case["text"])
            if i % 2:
                reply = httpx.post(f"{url}/v1/chat/stream", json={"message": text}, timeout=60)
                first = next(line for line in reply.text.splitlines() if line.startswith("data: "))
                turn = json.loads(first.removeprefix("data: "))["turn_id"]
            else:
                reply = httpx.post(f"{url}/v1/chat", json={"message": text}, timeout=60)
                turn = reply.json()["turn_id"]
            assert reply.status_code == 200, text
            turns.append(turn)
            feedback = httpx.post(f"{url}/v1/feedback", json={"turn_id": turn, "rating": "down", "comment": text},
                                  timeout=30)
            assert feedback.status_code == 200, feedback.text
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    log = server_log(proc)
    whole_log = log.read_bytes()
    boot, err = whole_log[:booted], whole_log[booted:]
    assert b"turn " in err  # the verbose log has a line per turn: there is something to search
    assert b"turn " not in boot and boot.endswith(b"\n"), boot[-500:]  # the cut falls between lines, before any turn

    stored = b"".join(p.read_bytes() for p in data.rglob("*") if p.is_file()) + err
    # what was stored as text: the log and every SQLite database's rows. A value of one or two
    # letters ("Ng") is searched only there: in binary pages two such bytes occur by chance
    text = err + b"".join(_rows(p) for p in data.rglob("*.sqlite3"))
    posted = [str(case["text"]) for case in cases]
    detected = missed = 0
    for case, turn in zip(cases, turns, strict=True):
        redacted = detector.redact(str(case["text"]))
        for ident in case["identifiers"]:
            value = str(ident["text"])
            if value in redacted:
                missed += 1  # the detector misses it (counted by the benchmark), so it may be stored
                continue
            detected += 1
            whole = re.compile(rb"(?<![A-Za-z0-9])" + re.escape(value.encode()) + rb"(?![A-Za-z0-9])")
            if whole.search(before):
                continue
            # a name that is also a word of another posted message, where nobody typed it as a name ("Will"
            # in "Will they cover it?", stored as typed), is looked for in its own turn's row only
            elsewhere = any(whole.search(other.encode()) for other in posted if other != case["text"])
            where = _turn_row(data / "sessions.sqlite3", turn) if elsewhere else stored if len(value) > 2 else text
            # as a whole word: "Bill" inside "Billing question..." is not the name
            assert not whole.search(where), f"{ident['kind']} {value!r} was stored or logged"
    assert detected >= len(cases) and missed < detected / 5  # at least one found per message, on average

    clean = audit(data, model_cache, log)
    assert clean.returncode == 0, clean.stdout[-2000:]
    leaky_log = tmp_path / "leaky.log"
    leaky_log.write_text("INFO question from maggie.olsen@example.org, call +44 7700 900123\n", encoding="utf-8")
    leaky = audit(data, model_cache, log, leaky_log)
    assert leaky.returncode == 1 and "EMAIL" in leaky.stdout and "PHONE" in leaky.stdout
