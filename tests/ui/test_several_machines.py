"""Several API processes serving one clinic (issue 15): two real `faq serve` processes on
different ports share one Postgres (sessions, transcripts, feedback), one Redis (rate-limit
counters) and one `chroma run` (the index), as they would on two machines behind a load balancer."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from benchmarks.shared_servers import chroma_run, postgres, redis_server
from tests.conftest import PACKAGE_ROOT
from tests.servers import ADMIN_KEY, running

LIMIT = 8  # requests per client per minute, counted across both processes


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[dict[str, str]]:
    root = tmp_path_factory.mktemp("shared")
    with postgres() as database, redis_server(root / "redis") as redis, \
            chroma_run(root / "chroma") as chroma:
        env = {"FAQ_DATABASE_URL": database, "FAQ_REDIS_URL": redis, "FAQ_CHROMA_URL": chroma}
        ingest = subprocess.run([sys.executable, "-m", "cli", "ingest", "--quiet"], cwd=PACKAGE_ROOT, env={
            **{k: v for k, v in os.environ.items() if not k.startswith("FAQ_")}, **env,
            "FAQ_DATA_DIR": str(root / "ingest"), "FAQ_MODEL_CACHE_DIR": str(model_cache)},
            capture_output=True, text=True, timeout=600)
        assert ingest.returncode == 0, ingest.stderr[-2000:]
        yield env


def chat(url: str, message: str, **extra: str) -> httpx.Response:
    return httpx.post(f"{url}/v1/chat", json={"message": message, **extra}, timeout=60)


@pytest.mark.slow
def test_two_processes_share_conversations_feedback_and_the_rate_limit(
        shared: dict[str, str], model_cache: Path, tmp_path: Path) -> None:
    env = {**shared, "FAQ_RATE_LIMIT_PER_MINUTE": str(LIMIT), "FAQ_CONSOLE_ENABLED": "false"}
    with running(tmp_path / "a", model_cache, **env) as a, running(tmp_path / "b", model_cache, **env) as b:
        # a conversation started on one process continues on the other: the follow-up is understood
        first = chat(a, "Tell me about the fibrin procedure").json()
        follow = chat(b, "how long does it take to work?", session_id=first["session_id"])
        assert follow.status_code == 200 and "weeks to months" in follow.json()["answer"]

        # feedback given on one shows in the other's transcripts
        assert httpx.post(f"{a}/v1/feedback", json={"turn_id": follow.json()["turn_id"], "rating": "down",
                                                    "comment": "wanted more detail"}).status_code == 200
        rows = httpx.get(f"{b}/v1/admin/transcripts", headers={"X-Admin-Key": ADMIN_KEY}).json()["transcripts"]
        turn = next(r for r in rows if r["turn_id"] == follow.json()["turn_id"])
        assert turn["feedback"] == "down" and turn["feedback_comment"] == "wanted more detail"
        assert {r["turn_id"] for r in rows} >= {first["turn_id"], follow.json()["turn_id"]}

        # the rate limit counts requests to both: 2 sent so far, the rest alternate between them
        codes = [chat(a if i % 2 else b, "Is the injection painful?").status_code for i in range(LIMIT)]
        assert codes[: LIMIT - 2] == [200] * (LIMIT - 2) and codes[LIMIT - 2:] == [429, 429], codes

    # nothing was written to the processes' own folders' session files: the turns are in Postgres
    assert not list(tmp_path.rglob("sessions.sqlite3"))


@pytest.mark.slow
def test_audit_data_scans_the_shared_database(shared: dict[str, str], model_cache: Path, tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    from assistant.sessions import turns

    env = {**shared, "FAQ_RATE_LIMIT_PER_MINUTE": "100", "FAQ_CONSOLE_ENABLED": "false"}
    with running(tmp_path / "a", model_cache, **env) as a:
        reply = chat(a, "my email is lena.fischer@example.org, does the injection hurt?")
        assert reply.status_code == 200

    def audit() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "cli", "audit-data"], cwd=PACKAGE_ROOT, env={
            **{k: v for k, v in os.environ.items() if not k.startswith("FAQ_")}, **shared,
            "FAQ_DATA_DIR": str(tmp_path / "a"), "FAQ_MODEL_CACHE_DIR": str(model_cache)},
            capture_output=True, text=True, timeout=300)

    clean = audit()
    assert clean.returncode == 0, clean.stdout[-2000:]
    engine = create_engine(shared["FAQ_DATABASE_URL"])
    with engine.begin() as db:  # a row written past the redaction, as a bug elsewhere might
        db.execute(turns.insert().values(session_id="leak", turn_id="leak-1", created=0.0, action="answer",
                                         category="clinic", question="call me on +44 7700 900123",
                                         standalone="", answer=""))
    engine.dispose()
    leaky = audit()
    assert leaky.returncode == 1 and "PHONE" in leaky.stdout and "turns.question" in leaky.stdout
