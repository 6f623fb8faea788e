"""`faq bench` end to end on a small scale: every figure measured, ratios against the same run."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.wiring import Services
from evals.bench import ingest_throughput, run, save


@pytest.mark.slow
def test_bench_measures_every_figure_and_writes_json(make_services: Callable[..., Services], tmp_path: Path) -> None:
    lines: list[str] = []
    results = run(make_services(), tmp_path / "bench", questions=5, plain_sample=10, echo=lines.append)
    assert results["ingest"]["chunks"] > 300 and results["ingest"]["plain_encode_loop_chunks_per_s"] > 0
    for name in ("in_process", "http", "naive_langchain"):
        assert 0 < results[name]["p50_ms"] <= results[name]["p95_ms"]
        assert results[name]["p50_ratio"] == pytest.approx(results[name]["p50_ms"] / results["query_embedding_ms"],
                                                           rel=0.02)
    q = results["quality"]
    assert q["product_disclaimer"] == 1.0 and q["red_flag_cases"] > 20 and q["naive_median_chars"] > 0
    saved = json.loads((tmp_path / "bench" / "latest.json").read_text())
    assert saved["http"] == results["http"]
    assert any("naive_langchain" in line for line in lines)
    again = ingest_throughput(make_services(), tmp_path / "var" / "bench" / "ingest", plain_sample=5)
    assert again["chunks"] == results["ingest"]["chunks"]  # a second run measures a fresh ingest, not reuse


def test_a_second_run_is_compared_with_the_first(tmp_path: Path) -> None:
    lines: list[str] = []
    first = {"created": 1.0, "ingest": {"ratio": 2.0}, "in_process": {"p50_ratio": 3.0}}
    save(first, tmp_path, lines.append)
    save({**first, "created": 2.0, "in_process": {"p50_ratio": 2.5}}, tmp_path, lines.append)
    assert "in_process.p50_ratio 3.0 -> 2.5" in lines[-2]
    assert len(list(tmp_path.glob("bench-*.json"))) == 2
    (tmp_path / "latest.json").write_text("{not json")
    save(first, tmp_path, lines.append)
    assert "could not read the previous run" in lines[-2]
