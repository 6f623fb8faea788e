"""The evaluation runner: question sets through the real assistant, per-case reasons, metrics,
a JSON and Markdown report, and the release gate."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from assistant.answer import Assistant
from assistant.errors import InputError
from evals.cases import QuestionSet, load_set
from evals.checks import failures

REPORT_VERSION = 1


@dataclass
class CaseResult:
    set: str
    id: str
    severity: str
    tags: list[str]
    expected_action: str
    action: str
    category: str
    passed: bool
    reasons: list[str]
    latency_ms: float


@dataclass
class Report:
    version: int = REPORT_VERSION
    results: list[CaseResult] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    gate: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "metrics": self.metrics, "gate": self.gate,
                "results": [asdict(r) for r in self.results]}


def run_case(assistant: Assistant, qset: QuestionSet, case: Any) -> CaseResult:
    session = f"eval-{case.id}-{uuid.uuid4().hex[:8]}"
    started = time.perf_counter()
    try:
        reply = None
        for turn in case.turns:
            reply = assistant.ask(turn, session)
        assert reply is not None
        reasons = failures(reply, case.expect)
        action: str = reply.action
        category: str = reply.category
    except InputError as exc:
        reasons, action, category = [f"input error: {exc}"], "error", "error"
    latency = (time.perf_counter() - started) * 1000
    return CaseResult(qset.name, case.id, case.severity, case.tags, case.expect.action[0], action, category,
                      not reasons, reasons, round(latency, 2))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] if ordered else 0.0


def metrics(results: list[CaseResult]) -> dict[str, Any]:
    def rate(rows: list[CaseResult]) -> float:
        return round(sum(r.passed for r in rows) / len(rows), 4) if rows else 0.0

    by_set: dict[str, list[CaseResult]] = defaultdict(list)
    by_tag: dict[str, list[CaseResult]] = defaultdict(list)
    for r in results:
        by_set[r.set].append(r)
        for tag in r.tags:
            by_tag[tag].append(r)
    confusion = Counter(f"{r.expected_action}->{r.action}" for r in results)
    latencies = [r.latency_ms for r in results]
    return {
        "cases": len(results), "pass_rate": rate(results),
        "sets": {name: {"cases": len(rows), "pass_rate": rate(rows)} for name, rows in sorted(by_set.items())},
        "tags": {name: {"cases": len(rows), "pass_rate": rate(rows)} for name, rows in sorted(by_tag.items())},
        "action_confusion": dict(sorted(confusion.items())),
        "disclaimer_rate": round(sum(not any("disclaimer" in x for x in r.reasons) for r in results)
                                 / len(results), 4) if results else 0.0,
        "latency_ms": {"p50": round(percentile(latencies, 50), 2), "p95": round(percentile(latencies, 95), 2)},
    }


def gate(report: Report, sets: list[QuestionSet], baseline: dict[str, Any] | None) -> dict[str, Any]:
    """Fails on any critical case, and on a set whose pass rate fell below the baseline by
    more than the set's tolerance."""
    critical = [f"{r.set}/{r.id}: {'; '.join(r.reasons)}" for r in report.results if r.severity == "critical"
                and not r.passed]
    regressions = []
    if baseline:
        for qset in sets:
            before = baseline.get("metrics", {}).get("sets", {}).get(qset.name, {}).get("pass_rate")
            now = report.metrics["sets"].get(qset.name, {}).get("pass_rate", 0.0)
            if before is not None and now < before - qset.tolerance:
                regressions.append(f"{qset.name}: pass rate {now:.3f} < baseline {before:.3f} - {qset.tolerance}")
    return {"passed": not critical and not regressions, "critical_failures": critical, "regressions": regressions}


def markdown(report: Report) -> str:
    m = report.metrics
    lines = ["# Evaluation report", "", f"Gate: **{'PASS' if report.gate['passed'] else 'FAIL'}**, "
             f"{m['cases']} cases, pass rate {m['pass_rate']:.1%}, latency p50 {m['latency_ms']['p50']} ms, "
             f"p95 {m['latency_ms']['p95']} ms", "", "| set | cases | pass rate |", "|---|---|---|"]
    lines += [f"| {name} | {s['cases']} | {s['pass_rate']:.1%} |" for name, s in m["sets"].items()]
    for title, items in (("Critical failures", report.gate["critical_failures"]),
                         ("Regressions", report.gate["regressions"])):
        if items:
            lines += ["", f"## {title}", *[f"- {x}" for x in items]]
    failed = [r for r in report.results if not r.passed]
    if failed:
        lines += ["", "## Failures", "", "| set | case | got | reasons |", "|---|---|---|---|"]
        lines += [f"| {r.set} | {r.id} | {r.action}/{r.category} | {'; '.join(r.reasons)} |" for r in failed]
    return "\n".join(lines) + "\n"


def evaluate(assistant: Assistant, paths: list[Path], *, baseline: Path | None = None, out: Path | None = None,
             progress: bool = False) -> Report:
    sets = [load_set(p) for p in paths]
    report = Report()
    cases = [(qset, case) for qset in sets for case in qset.cases]
    for qset, case in tqdm(cases, desc="eval", unit="case", disable=not progress, leave=False):
        report.results.append(run_case(assistant, qset, case))
    report.metrics = metrics(report.results)
    previous = json.loads(baseline.read_text()) if baseline and baseline.is_file() else None
    report.gate = gate(report, sets, previous)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.json").write_text(json.dumps(report.to_json(), indent=2), encoding="utf-8")
        (out / "report.md").write_text(markdown(report), encoding="utf-8")
    return report
