"""The HTTP API as a browser or the widget meets it: a real `faq serve` on a free loopback port."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.wiring import Services
from evals.bench import wait_ready
from tests.conftest import PACKAGE_ROOT, free_port
from tests.servers import ADMIN_KEY, SITE, running, start_server


@pytest.fixture(scope="module")
def server(indexed: Path, model_cache: Path) -> Iterator[str]:
    with running(indexed, model_cache, FAQ_RATE_LIMIT_PER_MINUTE="1000") as url:
        yield url


def chat(server: str, message: Any, **extra: Any) -> httpx.Response:
    return httpx.post(f"{server}/v1/chat", json={"message": message, **extra}, timeout=30)


def events(text: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((lines["event"], json.loads(lines["data"])))
    return out


@pytest.mark.slow
def test_chat_returns_the_answer_contract_with_headers(server: str) -> None:
    response = chat(server, "Is the procedure painful?")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"turn_id", "session_id", "action", "category", "answer", "disclaimer", "consultation",
                         "sources", "suggestions"}
    assert body["action"] == "answer" and body["answer"].endswith(body["disclaimer"]) and body["sources"]
    assert len(response.headers["x-request-id"]) == 16
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


@pytest.mark.slow
def test_a_follow_up_in_the_same_session_is_understood(server: str) -> None:
    first = chat(server, "Tell me about the fibrin procedure").json()
    follow = chat(server, "how long does it take to work?", session_id=first["session_id"]).json()
    assert follow["session_id"] == first["session_id"] and "weeks to months" in follow["answer"]


@pytest.mark.slow
def test_the_stream_sends_meta_tokens_and_done_with_the_disclaimer(server: str) -> None:
    response = httpx.post(f"{server}/v1/chat/stream", json={"message": "Do I stay overnight?"}, timeout=30)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    got = events(response.text)
    kinds = [k for k, _ in got]
    assert kinds[0] == "meta" and kinds[-1] == "done" and kinds.count("token") > 5
    done = got[-1][1]
    assert "".join(d["text"] for k, d in got if k == "token") == done["answer"]
    assert done["answer"].endswith(done["disclaimer"]) and got[0][1]["turn_id"] == done["turn_id"]


@pytest.mark.slow
def test_an_emergency_is_streamed_whole_and_at_once(server: str) -> None:
    response = httpx.post(f"{server}/v1/chat/stream", json={"message": "I can't control my bladder since today"},
                          timeout=30)
    got = events(response.text)
    assert [k for k, _ in got] == ["meta", "token", "done"]
    assert got[0][1]["action"] == "escalate"
    assert got[1][1]["text"] == got[2][1]["answer"] and got[1][1]["text"].startswith("This could be a medical emergency")


@pytest.mark.slow
@pytest.mark.parametrize(("payload", "status", "code"), [
    ({"message": ""}, 422, "invalid_request"),
    ({"message": "x" * 2001}, 422, "invalid_request"),
    ({"message": "   "}, 422, "invalid_message"),
    ({"message": 42}, 422, "invalid_request"),
    ({"text": "hello"}, 422, "invalid_request"),
    ({"message": "hi", "session_id": "../../etc"}, 422, "invalid_request"),
])
def test_bad_requests_get_a_clear_json_error(server: str, payload: dict[str, Any], status: int, code: str) -> None:
    response = httpx.post(f"{server}/v1/chat", json=payload, timeout=30)
    assert response.status_code == status
    body = response.json()
    assert body["error"]["code"] == code and body["error"]["message"] and body["request_id"]
    assert "Traceback" not in response.text


@pytest.mark.slow
def test_huge_and_malformed_bodies_are_refused(server: str) -> None:
    huge = httpx.post(f"{server}/v1/chat", content=b'{"message": "' + b"a" * 50_000 + b'"}',
                      headers={"content-type": "application/json"}, timeout=30)
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "payload_too_large"
    broken = httpx.post(f"{server}/v1/chat", content=b"{not json", headers={"content-type": "application/json"},
                        timeout=30)
    assert broken.status_code == 422 and "Traceback" not in broken.text


@pytest.mark.slow
def test_feedback_on_a_turn_is_stored_and_unknown_turns_are_404(server: str) -> None:
    turn = chat(server, "What is fibrin?").json()["turn_id"]
    ok = httpx.post(f"{server}/v1/feedback", json={"turn_id": turn, "rating": "down", "comment": "too long"})
    assert ok.status_code == 200
    missing = httpx.post(f"{server}/v1/feedback", json={"turn_id": "nope", "rating": "up"})
    assert missing.status_code == 404
    rows = httpx.get(f"{server}/v1/admin/transcripts", params={"feedback": "down"},
                     headers={"X-Admin-Key": ADMIN_KEY}).json()["transcripts"]
    assert any(r["turn_id"] == turn and r["feedback_comment"] == "too long" for r in rows)


@pytest.mark.slow
def test_health_readiness_and_metrics(server: str) -> None:
    assert httpx.get(f"{server}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{server}/readyz").json() == {"status": "ready"}
    chat(server, "I suddenly can't feel my legs")
    text = httpx.get(f"{server}/metrics").text
    assert 'http_requests_total{handler="/v1/chat",method="POST",status="200"}' in text
    assert 'faq_guardrail_verdicts_total{category="emergency",check="input:emergency"}' in text
    assert "faq_answer_seconds_bucket" in text
    assert httpx.get(f"{server}/docs").status_code == 200


def series(metrics: str) -> set[str]:
    return {line.rsplit(" ", 1)[0] for line in metrics.splitlines() if line and not line.startswith("#")}


@pytest.mark.slow
def test_unknown_paths_share_one_metrics_label(server: str) -> None:
    import random

    for _ in range(3):  # every label that unknown paths can produce exists once
        httpx.get(f"{server}/no-such-page")
        httpx.post(f"{server}/no-such-page")
    before = series(httpx.get(f"{server}/metrics").text)
    rng = random.Random(7)
    for i in range(100):
        path = "/" + "/".join(rng.choice(["wp-admin", "x", ".env", "api", str(i), "%2e%2e"]) for _ in range(3))
        assert httpx.request(rng.choice(["GET", "POST"]), f"{server}{path}").status_code in (404, 405)
    after = series(httpx.get(f"{server}/metrics").text)
    assert after == before, sorted(after - before)[:5]
    assert any('handler="none"' in line for line in after)


@pytest.mark.slow
def test_staff_endpoints_need_the_admin_key(server: str) -> None:
    assert httpx.get(f"{server}/v1/admin/transcripts").status_code == 401
    assert httpx.get(f"{server}/v1/admin/transcripts", headers={"X-Admin-Key": "wrong-key-000"}).status_code == 401
    assert httpx.post(f"{server}/v1/admin/reindex").status_code == 401
    done = httpx.post(f"{server}/v1/admin/reindex", headers={"X-Admin-Key": ADMIN_KEY}, timeout=120)
    assert done.status_code == 200 and done.json()["unchanged"] == ["intra-annular-fibrin-injection.txt"]


@pytest.mark.slow
def test_stored_transcripts_are_redacted(server: str) -> None:
    chat(server, "Hi, I'm Margaret Olsen, call me on 415-555-0134. Is it painful?")
    rows = httpx.get(f"{server}/v1/admin/transcripts", headers={"X-Admin-Key": ADMIN_KEY}).json()["transcripts"]
    stored = json.dumps(rows)
    assert "Margaret" not in stored and "415-555-0134" not in stored and "[PHONE]" in stored


@pytest.mark.slow
def test_cors_allows_only_the_clinic_site(server: str) -> None:
    def preflight(origin: str) -> httpx.Response:
        return httpx.options(f"{server}/v1/chat", headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                                           "Access-Control-Request-Headers": "content-type"})
    assert preflight(SITE).headers.get("access-control-allow-origin") == SITE
    assert "access-control-allow-origin" not in preflight("https://evil.example").headers


@pytest.mark.slow
def test_a_client_over_the_rate_limit_gets_a_friendly_429(indexed: Path, model_cache: Path) -> None:
    proc, url = start_server(indexed, model_cache, FAQ_RATE_LIMIT_PER_MINUTE="3")
    try:
        codes = [chat(url, "What is fibrin?").status_code for _ in range(5)]
        limited = chat(url, "What is fibrin?")
        spoofed = httpx.post(f"{url}/v1/chat", json={"message": "What is fibrin?"}, timeout=30,
                             headers={"X-Forwarded-For": "203.0.113.99"})
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    assert limited.status_code == 429 and "a little fast" in limited.json()["error"]["message"]
    assert limited.json()["error"]["message"].endswith(limited.json()["disclaimer"])
    assert limited.headers["retry-after"] == "30"
    # a forged X-Forwarded-For from a client that is not a trusted proxy changes nothing
    assert spoofed.status_code == 429


@pytest.mark.slow
def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(indexed: Path, model_cache: Path) -> None:
    proc, url = start_server(indexed, model_cache, FAQ_RATE_LIMIT_PER_MINUTE="2",
                             FAQ_TRUSTED_PROXIES='["127.0.0.1"]')
    try:
        def via_proxy(client: str) -> int:
            return httpx.post(f"{url}/v1/chat", json={"message": "What is fibrin?"}, timeout=30,
                              headers={"X-Forwarded-For": client}).status_code

        first = [via_proxy("203.0.113.7") for _ in range(3)]
        second = [via_proxy("198.51.100.22") for _ in range(3)]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert first == [200, 200, 429] and second == [200, 200, 429]


@pytest.mark.slow
def test_past_its_capacity_the_server_sheds_load_at_once_with_a_friendly_503(indexed: Path,
                                                                              model_cache: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    proc, url = start_server(indexed, model_cache, FAQ_RATE_LIMIT_PER_MINUTE="10000", FAQ_MAX_INFLIGHT="1")
    try:
        question = "I had the fibrin injection last month and my back is still stiff in the mornings, " * 8
        with ThreadPoolExecutor(24) as pool:
            replies = list(pool.map(lambda _: chat(url, question), range(24)))
        after = chat(url, "What is fibrin?")
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    codes = [r.status_code for r in replies]
    assert set(codes) == {200, 503} and after.status_code == 200, codes
    busy = next(r for r in replies if r.status_code == 503)
    assert busy.headers["retry-after"] == "5" and busy.json()["error"]["code"] == "busy"
    assert "try again in a few seconds" in busy.json()["error"]["message"]


def test_an_os_error_in_a_staff_route_is_a_500_not_a_request_to_sign_in(
        clinic_services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from ui.api import create_app

    def unreadable(*_: Any, **__: Any) -> Any:
        raise PermissionError(13, "Permission denied", "knowledge/docs")

    monkeypatch.setattr(clinic_services.ingestor, "ingest", unreadable)
    client = TestClient(create_app(clinic_services.settings, clinic_services), raise_server_exceptions=False)
    key = {"X-Admin-Key": clinic_services.settings.admin_key}
    assert client.post("/v1/admin/reindex").status_code == 401
    failed = client.post("/v1/admin/reindex", headers=key)
    assert failed.status_code == 500 and failed.json()["error"]["code"] == "internal_error"
    assert failed.json()["request_id"] == failed.headers["x-request-id"]


def test_serving_on_a_public_address_with_the_placeholder_key_is_refused(tmp_path: Path,
                                                                         make_services: Callable[..., Services]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAQ_")}
    env["FAQ_DATA_DIR"] = str(tmp_path / "var")
    result = subprocess.run([sys.executable, "-m", "cli", "serve", "--host", "0.0.0.0", "--port", "1"],
                            cwd=PACKAGE_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "placeholder admin key" in result.stderr


@pytest.mark.slow
def test_two_workers_share_sessions_and_transcripts(indexed: Path, model_cache: Path) -> None:
    proc, url = start_server(indexed, model_cache, FAQ_RATE_LIMIT_PER_MINUTE="1000", FAQ_WORKERS="2")
    try:
        understood = 0
        for _ in range(6):  # with two workers, some follow-ups land on the other worker
            first = chat(url, "Tell me about the fibrin procedure").json()
            follow = chat(url, "how long does it take to work?", session_id=first["session_id"]).json()
            understood += "weeks to months" in follow["answer"]
        rows = httpx.get(f"{url}/v1/admin/transcripts", headers={"X-Admin-Key": ADMIN_KEY}).json()["transcripts"]
        console = httpx.get(f"{url}/staff/").status_code  # Gradio needs one process: run `faq console` instead
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert understood == 6 and console == 404
    assert sum(r["question"] == "how long does it take to work?" for r in rows) >= 6


@pytest.mark.slow
def test_readiness_fails_until_there_is_an_index(tmp_path: Path, model_cache: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAQ_")}
    env.update({"FAQ_DATA_DIR": str(tmp_path / "empty"), "FAQ_MODEL_CACHE_DIR": str(model_cache)})
    proc = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(port)], cwd=PACKAGE_ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, proc, "/healthz")
        ready = httpx.get(f"{url}/readyz", timeout=10)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert ready.status_code == 503 and "faq ingest" in ready.json()["error"]["message"]


def test_purge_deletes_turns_older_than_the_retention(tmp_path: Path, model_cache: Path) -> None:
    from assistant.sessions import SessionStore, TurnRecord
    from guardrails.pii import PiiDetector

    store = SessionStore(tmp_path / "var" / "sessions.sqlite3", redact=PiiDetector().redact)
    store.append("s", TurnRecord("old", time.time() - 40 * 86400, "q", "q", "answer", "faq"))
    store.append("s", TurnRecord("new", time.time(), "q", "q", "answer", "faq"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAQ_")}
    env.update({"FAQ_DATA_DIR": str(tmp_path / "var"), "FAQ_RETENTION_DAYS": "30"})
    result = subprocess.run([sys.executable, "-m", "cli", "purge"], cwd=PACKAGE_ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "deleted 1 turns older than 30 days" in result.stdout
    assert [r["turn_id"] for r in store.transcripts()] == ["new"]


def test_the_answer_pool_admits_up_to_its_limit_and_hands_a_freed_slot_to_the_longest_waiting() -> None:
    import asyncio
    import threading

    from ui.api import AnswerPool

    async def scenario() -> tuple[list[bool], str, int]:
        pool = AnswerPool(threads=1, limit=2, grace=60)
        release = threading.Event()
        admitted = [await pool.enter(), await pool.enter()]
        first = asyncio.create_task(pool.run(release.wait))
        second = asyncio.create_task(pool.run(lambda: "second"))
        waiter = asyncio.create_task(pool.enter())  # every slot taken: waits (grace 60 s) for one
        await asyncio.sleep(0)
        refused = AnswerPool(threads=1, limit=0, grace=0)
        admitted.append(await refused.enter())  # no grace: refused at once
        release.set()
        await first
        answer = await second
        admitted.append(await waiter)  # handed the slot the first answer gave back
        count = pool.admitted
        pool.close()
        refused.close()
        return admitted, answer, count

    admitted, answer, count = asyncio.run(scenario())
    assert admitted == [True, True, False, True] and answer == "second"
    assert count == 1  # the waiter holds the slot it was handed; the other two were given back


def test_the_in_memory_rate_limit_is_a_moving_window_per_client() -> None:
    from ui.api import MovingWindow

    window = MovingWindow(per_minute=2)
    assert [window.allow("a", now=t) for t in (0, 1, 2)] == [True, True, False]
    assert window.allow("b", now=2)  # another client has its own window
    assert not window.allow("a", now=59.9) and window.allow("a", now=60.5)  # the first hit left the window
