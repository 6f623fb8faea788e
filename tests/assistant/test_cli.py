"""The `faq` command as a user runs it: a real process, real model, real store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PACKAGE_ROOT

MODEL_CACHE: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _shared_model_cache(model_cache: Path) -> None:
    MODEL_CACHE["FAQ_MODEL_CACHE_DIR"] = str(model_cache)


def faq(*args: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("FAQ_")}
    full_env.update({"FAQ_DATA_DIR": str(data_dir), **MODEL_CACHE, **env})
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=PACKAGE_ROOT, env=full_env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_ingest_then_sources_and_stats(tmp_path: Path) -> None:
    data = tmp_path / "var"
    first = faq("ingest", "--quiet", data_dir=data)
    assert first.returncode == 0, first.stderr
    assert "ingested 1, unchanged 0, skipped 0, failed 0" in first.stdout
    listed = json.loads(faq("sources", "--json", data_dir=data).stdout)
    assert [d["source"] for d in listed] == ["intra-annular-fibrin-injection.txt"]
    assert listed[0]["title"] == "Intra-Annular Fibrin Injection" and listed[0]["chunks"] > 5
    stats = json.loads(faq("stats", "--json", data_dir=data).stdout)
    assert stats["documents"] == 1 and stats["chunks"] == listed[0]["chunks"] and stats["disk_bytes"] > 0
    again = faq("ingest", "--if-empty", data_dir=data)
    assert again.returncode == 0 and "nothing to do" in again.stdout


def test_ingest_exits_non_zero_only_when_nothing_could_be_ingested(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.md").write_text("")
    result = faq("ingest", "--quiet", str(bad), str(tmp_path / "missing.txt"), data_dir=tmp_path / "var")
    assert result.returncode == 1
    assert "failed: " in result.stderr and "empty.md: the file is empty" in result.stderr
    assert "missing.txt: no such file or directory" in result.stderr
    assert "ingested 0, unchanged 0, skipped 0, failed 2" in result.stdout


def test_a_broken_setting_is_one_line_without_a_traceback(tmp_path: Path) -> None:
    result = faq("stats", data_dir=tmp_path / "var", FAQ_CHUNK_SIZE="huge")
    assert result.returncode == 2
    assert result.stderr.startswith("error: invalid settings: chunk_size")
    assert "Traceback" not in result.stderr


def test_sources_on_an_empty_index_says_so(tmp_path: Path) -> None:
    result = faq("sources", data_dir=tmp_path / "var")
    assert result.returncode == 0 and "the index is empty" in result.stdout


@pytest.mark.slow
def test_ask_json_and_a_batch_file_in_one_process(tmp_path: Path) -> None:
    data = tmp_path / "var"
    assert faq("ingest", "--quiet", data_dir=data).returncode == 0
    single = faq("ask", "Do I stay overnight?", "--json", data_dir=data)
    reply = json.loads(single.stdout)
    assert reply["action"] == "answer" and reply["answer"].endswith(reply["disclaimer"])
    assert set(reply) == {"turn_id", "session_id", "action", "category", "answer", "disclaimer",
                          "consultation", "sources", "suggestions"}
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        json.dumps({"id": "a", "turns": ["Tell me about the fibrin procedure", "how long does it take to work?"]})
        + "\nnot json\n" + json.dumps({"id": "b", "turns": ["How much does it cost?"]}) + "\n"
    )
    batch = faq("ask", "--file", str(cases), "--trace", data_dir=data)
    lines = [json.loads(line) for line in batch.stdout.splitlines()]
    assert [(d["id"], d["turn"]) for d in lines] == [("a", 0), ("a", 1), ("b", 0)]
    assert lines[0]["session_id"] == lines[1]["session_id"] != lines[2]["session_id"]
    assert "fibrin procedure" in lines[1]["trace"]["standalone_query"]
    assert lines[2]["action"] == "no_answer"
    assert "line 2: not a case" in batch.stderr and batch.returncode == 1


def test_ask_with_an_empty_question_explains_itself(tmp_path: Path) -> None:
    result = faq("ask", "   ", data_dir=tmp_path / "var")
    assert result.returncode == 2 and "Please type a question" in result.stderr
    assert "Traceback" not in result.stderr
