"""Shared helpers for the benchmark scripts: data loading, timing, percentiles."""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
MEDQUAD_ALL = SHARED / "data" / "medquad" / "medquad_all.jsonl"
MEDQUAD_SPINE = SHARED / "data" / "medquad" / "medquad_spine.jsonl"


def read_jsonl(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                rows.append(json.loads(line))
            if limit and len(rows) >= limit:
                break
    return rows


def safe_name(row_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", row_id)


def write_medquad_docs(rows: Sequence[dict[str, Any]], folder: Path) -> dict[str, str]:
    """One .txt document per answer, with its focus as title and NIH page as URL.
    Returns row id -> source id (file name)."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = {}
    for row in rows:
        name = safe_name(row["id"]) + ".txt"
        title = (row.get("focus") or row["question"]).replace('"', "'")
        path = folder / name
        if not path.exists():
            path.write_text(f'---\ntitle: "{title}"\nurl: "{row.get("url", "")}"\n---\n{row["answer"]}\n',
                            encoding="utf-8")
        sources[row["id"]] = name
    return sources


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values: Sequence[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(values, 50), 2), "p95_ms": round(percentile(values, 95), 2),
            "mean_ms": round(statistics.fmean(values), 2) if values else float("nan")}


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, (time.perf_counter() - start) * 1000


class PeakRSS:
    """Polls a process tree's resident memory; .peak is the largest sum seen, in bytes."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        import psutil

        self._proc = psutil.Process(pid)
        self._interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                procs = [self._proc, *self._proc.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in procs))
            except psutil.Error:
                pass
            time.sleep(self._interval)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run_faq(args: Sequence[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float, int]:
    """Run `faq ARGS` as a user would; returns the result, wall seconds and peak RSS bytes."""
    full_env = {**os.environ, **env}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "cli", *args], cwd=ROOT, env=full_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watcher = PeakRSS(proc.pid)
    out, err = proc.communicate()
    peak = watcher.stop()
    seconds = time.perf_counter() - start
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), seconds, peak


def dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def chunked(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    print(f"\nwrote {path}")
