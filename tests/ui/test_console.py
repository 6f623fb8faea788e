"""The staff console: gradio_client against the console mounted in a real `faq serve`, and one
real Chromium session that signs in and reads a reply's trace."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from assistant.settings import PACKAGE_ROOT
from tests.servers import ADMIN_KEY, chromium, running, screenshot

STAFF = ("staff", "staff-password-for-tests")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("console-docs") / "docs"
    shutil.copytree(PACKAGE_ROOT / "knowledge" / "docs", target)
    return target


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory, docs: Path, model_cache: Path) -> Iterator[str]:
    data = tmp_path_factory.mktemp("console") / "var"
    env = {"FAQ_DOCS_DIR": str(docs), "FAQ_STAFF_PASSWORD": STAFF[1], "FAQ_RATE_LIMIT_PER_MINUTE": "1000"}
    subprocess.run([sys.executable, "-m", "cli", "ingest", "--quiet"], cwd=PACKAGE_ROOT, check=True,
                   env={**{k: v for k, v in os.environ.items() if not k.startswith("FAQ_")}, "FAQ_DATA_DIR": str(data),
                        "FAQ_MODEL_CACHE_DIR": str(model_cache), **env}, capture_output=True)
    with running(data, model_cache, **env) as url:
        yield url


@pytest.fixture(scope="module")
def client(console: str) -> Any:
    from gradio_client import Client

    return Client(f"{console}/staff/", auth=STAFF, verbose=False)


def test_sign_in_is_required(console: str) -> None:
    from gradio_client import Client

    with pytest.raises(Exception, match=r"(?i)login|credentials|auth"):
        Client(f"{console}/staff/", verbose=False)
    with pytest.raises(Exception, match=r"(?i)login|credentials|auth|incorrect"):
        Client(f"{console}/staff/", auth=("staff", "wrong-password"), verbose=False)
    assert httpx.get(f"{console}/staff/gradio_api/info").status_code in (401, 403)


def test_ask_shows_the_reply_and_its_full_trace_across_turns(client: Any) -> None:
    chat, trace, _, cleared = client.predict("Tell me about the fibrin procedure", [], False, api_name="/ask")
    assert cleared == "" and len(chat) == 2
    chat, trace, _, _ = client.predict("how long does it take to work?", chat, False, api_name="/ask")
    answer = chat[-1]["content"][0]["text"] if isinstance(chat[-1]["content"], list) else chat[-1]["content"]
    assert "weeks" in answer and "not medical advice" in answer.lower()
    for part in ("Standalone query", "rewritten from the conversation", "Readings of the follow-up",
                 "Retrieved passages", "dense", "BM25",
                 "fused", "used", "Guardrail verdicts", "Timings", "Final text", "Sources"):
        assert part in trace, part


def test_an_emergency_trace_names_the_rule_that_fired(client: Any) -> None:
    client.predict(api_name="/new_conversation")
    _, trace, _, _ = client.predict("I suddenly can't control my bladder and my legs are numb", [], False,
                                    api_name="/ask")
    assert "escalate" in trace and "emergency" in trace and "fired" in trace
    assert "em-" in trace  # the rule id


def test_knowledge_tab_lists_browses_searches_and_adds(client: Any, docs: Path, tmp_path: Path) -> None:
    from gradio_client import handle_file

    table, _ = client.predict(api_name="/documents")
    rows = table["data"]
    assert rows[0][0] == "intra-annular-fibrin-injection.txt" and int(rows[0][2]) > 5
    chunks = client.predict("intra-annular-fibrin-injection.txt", api_name="/chunks")["data"]
    assert len(chunks) == int(rows[0][2]) and any("What to Expect" in r[1] for r in chunks)
    hits = client.predict("do I stay overnight", api_name="/search")["data"]
    assert hits[0][2].startswith("What to Expect")
    good = tmp_path / "epidural steroid injection.md"
    good.write_text("# Epidural steroid injections\n\nAn epidural steroid injection places anti-inflammatory "
                    "medicine near irritated spinal nerves. Relief usually lasts weeks to months.\n")
    junk = tmp_path / "broken.pdf"
    junk.write_bytes(b"%PDF-1.4 this is not really a pdf")
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ")
    with pytest.raises(Exception, match="Invalid file type"):
        client.predict([handle_file(str(exe))], api_name="/ingest")
    summary, table, _ = client.predict([handle_file(str(good)), handle_file(str(junk))], api_name="/ingest")
    assert "ingested 1" in summary and "failed: " in summary and "broken.pdf" in summary
    assert (docs / "epidural-steroid-injection.md").exists() and not (docs / "broken.pdf").exists()
    assert {r[0] for r in table["data"]} == {"intra-annular-fibrin-injection.txt", "epidural-steroid-injection.md"}
    with pytest.raises(Exception, match="type something"):
        client.predict("   ", api_name="/search")


def test_evaluations_run_with_report_charts_and_baseline(client: Any, tmp_path: Path) -> None:
    upload = tmp_path / "mine.yaml"
    upload.write_text("name: mine\ncases:\n  - {id: overnight, turns: ['Do I stay overnight?'],"
                      " expect: {action: [answer]}}\n")
    summary, results, metrics, charts, baseline, files = client.predict(["multi_turn"], [handle(upload)],
                                                                         api_name="/evaluate")
    assert "Gate:" in summary and metrics["cases"] == 21
    assert {r[0] for r in results["data"]} == {"multi_turn", "mine"}
    assert charts.count("data:image/png;base64,") == 3
    assert "| multi_turn |" in baseline
    assert {Path(f).name for f in files} == {"report.html", "report.json", "report.md"}
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ncases:\n  - {id: a, turns: [hi], expect: {action: [answer], typo: 1}}\n")
    with pytest.raises(Exception, match=r"bad\.yaml:3"):
        client.predict([], [handle(bad)], api_name="/evaluate")


def handle(path: Path) -> Any:
    from gradio_client import handle_file

    return handle_file(str(path))


def test_conversations_filter_mark_wrong_gaps_and_export(client: Any) -> None:
    client.predict(api_name="/new_conversation")  # the emergency above would colour the next turns
    for question in ("How much does the injection cost?", "what is the price of the fibrin injection",
                     "What are your opening hours?"):
        client.predict(question, [], False, api_name="/ask")
    table, csv_path = client.predict(30, "no_answer", "", "", api_name="/transcripts")
    rows = table["data"]
    assert len(rows) >= 3 and all(r[4] == "no_answer" for r in rows)
    assert Path(csv_path).read_text().splitlines()[0].startswith("when,session,turn_id,question")
    turn_id = rows[0][2]
    assert "marked as wrong" in client.predict(turn_id, "should mention the consultation", api_name="/mark_wrong")
    marked = client.predict(30, "", "", "wrong", api_name="/transcripts")[0]["data"]
    assert [r[2] for r in marked] == [turn_id] and "staff: should mention" in marked[0][7]
    with pytest.raises(Exception, match="add a note"):
        client.predict(turn_id, " ", api_name="/mark_wrong")
    gaps = client.predict(90, api_name="/gaps")["data"]
    assert int(gaps[0][0]) >= 2 and int(gaps[0][1]) <= int(gaps[0][0])
    assert "cost" in gaps[0][2] + gaps[0][3] or "price" in gaps[0][2] + gaps[0][3]


def test_settings_are_read_only_with_placeholders_marked_and_no_secrets(client: Any) -> None:
    page = client.predict(api_name="/settings")
    assert "class='placeholder'" in page and "PLACEHOLDER" in page
    assert "sha256" in page and "sentence_floor" in page and "onnx" in page and "classifier targets" in page
    assert STAFF[1] not in page and ADMIN_KEY not in page


def test_faq_console_runs_alone_and_refuses_placeholders_off_loopback(indexed: Path, model_cache: Path) -> None:
    with running(indexed, model_cache, "console", ready="/healthz", FAQ_STAFF_PASSWORD=STAFF[1]) as url:
        home = httpx.get(url + "/", follow_redirects=False)
        assert home.status_code in (302, 307) and home.headers["location"] == "/staff/"
        assert httpx.get(url + "/staff/").status_code == 200
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAQ_")}
    env["FAQ_ADMIN_KEY"] = ADMIN_KEY
    refused = subprocess.run([sys.executable, "-m", "cli", "console", "--host", "0.0.0.0", "--port", "1"],
                             cwd=PACKAGE_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "placeholder staff password" in refused.stderr


def test_in_chromium_staff_sign_in_ask_and_read_the_trace(console: str, tmp_path: Path) -> None:
    outside: list[str] = []
    with chromium(tmp_path / "profile") as browser:
        page = browser.new_page()
        page.on("request", lambda r: outside.append(r.url) if urlparse(r.url).hostname not in (
            "127.0.0.1", None) and not r.url.startswith(("data:", "blob:")) else None)
        page.goto(f"{console}/staff/")
        page.get_by_label("username").fill(STAFF[0])
        page.get_by_label("password").fill(STAFF[1])
        page.get_by_role("button", name="Login").click()
        page.locator("#staff-question textarea").fill("Is the procedure painful?")
        page.locator("#staff-ask").click()
        trace = page.locator("#staff-trace")
        trace.get_by_text("Retrieved passages").wait_for(timeout=30_000)
        assert "Guardrail verdicts" in trace.inner_text()
        chat = page.locator("#staff-chat")
        chat.get_by_text("not medical advice", exact=False).first.wait_for(timeout=10_000)
        shot = screenshot(page, "staff-console-trace.png", full_page=True)
        assert shot.stat().st_size > 10_000
    assert outside == []


def test_the_compare_toggle_shows_the_llm_beside_the_offline_composer(make_services: Any, docs_dir: Path) -> None:
    """An LLM writer at the network boundary is the only fake; it fails loudly on an unexpected call."""
    from gradio_client import Client

    from assistant.llm import LangChainWriter, load_prompts
    from evals.bench import serving
    from tests.assistant.fakes import ScriptedChatModel

    svc = make_services(docs_dir=docs_dir, staff_password=STAFF[1])
    svc.ingestor.ingest([docs_dir], progress=False)
    fake = ScriptedChatModel(replies=["Most patients return home the same day [1]."])
    svc.__dict__["writer"] = LangChainWriter(fake, load_prompts(svc.settings.prompts_file), "Test Clinic")
    with serving(svc) as url:
        client = Client(f"{url}/staff/", auth=STAFF, verbose=False)
        _, trace, comparison, _ = client.predict("Do I stay overnight?", [], True, api_name="/ask")
    assert len(fake.received) == 1  # one draft for the configured reply; the offline one needs none
    assert "**Configured (llm)**" in comparison and "Offline composer" in comparison
    assert "LLM draft" in trace and "same day" in comparison
