"""The evaluation runner: question sets through the real assistant (in-process, or a running API
over HTTP), per-case reasons, metrics, the JSON / Markdown / HTML report, and the release gate.

The report's JSON schema is stable (``version``); the baseline under evals/baselines/ keeps only
the metrics and the failing case ids, so it stays small and readable in a diff.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol, get_args

from assistant.answer import Assistant
from assistant.sessions import EVAL_SESSION_PREFIX
from assistant.wiring import Services
from core.errors import FAQError, InputError
from core.types import Action, Response
from evals.cases import Case, QuestionSet, load_set
from evals.checks import failures, rank

REPORT_VERSION = 2
RECALL_AT = (1, 3, 5)
Progress = Callable[[int, int], None]


class EvalError(FAQError):
    """The evaluation could not run (an unreachable server, a server error)."""


class Target(Protocol):
    """Something that answers a patient's message in a session, as the API does."""

    def ask(self, message: str, session_id: str) -> Response: ...


class InProcess:
    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def ask(self, message: str, session_id: str) -> Response:
        return self.assistant.ask(message, session_id)


class OverHttp:
    """POST /v1/chat on a running server. The admin key, when given, exempts the run from the
    per-client rate limit."""

    def __init__(self, url: str, admin_key: str | None = None, timeout: float = 60.0) -> None:
        import httpx

        self.url = url.rstrip("/")
        headers = {"X-Admin-Key": admin_key} if admin_key else {}
        self._client = httpx.Client(base_url=self.url, timeout=timeout, headers=headers)
        self._http_error = httpx.HTTPError

    def ask(self, message: str, session_id: str) -> Response:
        try:
            answer = self._client.post("/v1/chat", json={"message": message, "session_id": session_id})
        except self._http_error as exc:
            raise EvalError(f"cannot reach {self.url}: {exc}") from None
        if answer.status_code == 200:
            return Response.model_validate(answer.json())
        try:
            detail = str(answer.json()["error"]["message"])
        except (ValueError, KeyError, TypeError):
            detail = answer.text[:200]
        if answer.status_code in (413, 422):
            raise InputError(detail)
        if answer.status_code == 429:
            raise EvalError(f"{self.url} rate-limited the run; pass the server's admin key with --admin-key")
        raise EvalError(f"{self.url} answered {answer.status_code}: {detail}")


@dataclass
class CaseResult:
    set: str
    id: str
    severity: str
    tags: list[str]
    expected_action: str
    expected_category: str
    action: str
    category: str
    passed: bool
    reasons: list[str]
    latency_ms: float  # the last turn's
    rank: int | None = None  # of the first expected document/section among the retrieved; 0 = not retrieved
    answer: str = ""


@dataclass
class Report:
    version: int = REPORT_VERSION
    created: float = field(default_factory=time.time)
    target: str = "in-process"
    results: list[CaseResult] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    gate: dict[str, Any] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    baseline_diff: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "created": self.created, "target": self.target, "metrics": self.metrics,
                "gate": self.gate, "skipped": self.skipped, "baseline_diff": self.baseline_diff,
                "results": [asdict(r) for r in self.results]}

    def baseline(self) -> dict[str, Any]:
        """What --update-baseline keeps: the metrics and which cases failed."""
        return {"version": self.version, "created": self.created, "metrics": self.metrics,
                "failed": sorted(f"{r.set}/{r.id}" for r in self.results if not r.passed)}


def expected_action(case: Case) -> str:
    """The confusion matrix's row: the allowed actions, or "any" when every action is allowed."""
    allowed = case.expect.action
    return "any" if len(set(allowed)) >= len(get_args(Action)) else "|".join(allowed)


def run_case(target: Target, qset: QuestionSet, case: Case) -> CaseResult:
    session = f"{EVAL_SESSION_PREFIX}{uuid.uuid4().hex[:12]}"
    reply: Response | None = None
    latency = 0.0
    try:
        for turn in case.turns:
            started = time.perf_counter()
            reply = target.ask(turn, session)
            latency = (time.perf_counter() - started) * 1000
        assert reply is not None
        reasons = failures(reply, case.expect)
        action: str = reply.action
        category: str = reply.category
    except InputError as exc:
        reasons = [] if case.expect.input_error else [f"input error: {exc}"]
        action, category = "error", "error"
    except EvalError:
        raise
    except Exception as exc:  # a crash is a failed case with its reason, not a lost run
        reasons, action, category = [f"crashed: {type(exc).__name__}: {exc}"], "error", "error"
    return CaseResult(
        qset.name, case.id, case.severity, case.tags, expected_action(case),
        case.expect.category or "unspecified", action, category, not reasons, reasons, round(latency, 2),
        rank(reply, case.expect), reply.answer if reply is not None else "")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] if ordered else 0.0


def retrieval(rows: list[CaseResult]) -> dict[str, float] | None:
    ranks = [r.rank for r in rows if r.rank is not None]
    if not ranks:
        return None
    out = {f"recall@{k}": round(sum(0 < x <= k for x in ranks) / len(ranks), 4) for k in RECALL_AT}
    out["mrr@10"] = round(sum(1 / x for x in ranks if 0 < x <= 10) / len(ranks), 4)
    out["cases"] = len(ranks)
    return out


def group(rows: list[CaseResult]) -> dict[str, Any]:
    latencies = [r.latency_ms for r in rows]
    out: dict[str, Any] = {
        "cases": len(rows), "passed": sum(r.passed for r in rows),
        "pass_rate": round(sum(r.passed for r in rows) / len(rows), 4) if rows else 0.0,
        "latency_ms": {"p50": round(percentile(latencies, 50), 2), "p95": round(percentile(latencies, 95), 2)},
    }
    if (found := retrieval(rows)) is not None:
        out["retrieval"] = found
    return out


def grouped(results: Iterable[CaseResult], keys: Callable[[CaseResult], Iterable[str]]) -> dict[str, Any]:
    groups: dict[str, list[CaseResult]] = defaultdict(list)
    for r in results:
        for key in keys(r):
            groups[key].append(r)
    return {name: group(rows) for name, rows in sorted(groups.items())}


def metrics(results: list[CaseResult]) -> dict[str, Any]:
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    for r in results:
        confusion[r.expected_action][r.action] += 1
    return {
        **group(results),
        "disclaimer_rate": round(sum(not any("disclaimer" in x for x in r.reasons) for r in results)
                                 / len(results), 4) if results else 0.0,
        "sets": grouped(results, lambda r: [r.set]),
        "categories": grouped(results, lambda r: [r.expected_category]),
        "tags": grouped(results, lambda r: r.tags),
        "action_confusion": {k: dict(sorted(v.items())) for k, v in sorted(confusion.items())},
    }


def compared(name: str, now: dict[str, Any], before: dict[str, Any], tolerance: float) -> list[str]:
    """Regressions of one set's pass rate and retrieval metrics beyond the tolerance."""
    pairs = [("pass rate", now.get("pass_rate"), before.get("pass_rate"))]
    for key in ("recall@5", "mrr@10"):
        pairs.append((key, now.get("retrieval", {}).get(key), before.get("retrieval", {}).get(key)))
    return [f"{name}: {label} {a:.3f} < baseline {b:.3f} - {tolerance}" for label, a, b in pairs
            if a is not None and b is not None and a < b - tolerance]


def gate(report: Report, sets: list[QuestionSet], baseline: dict[str, Any] | None) -> dict[str, Any]:
    """Fails on any critical case, on a reply without the disclaimer, and on a set whose pass
    rate or retrieval metrics fell below the baseline by more than the set's tolerance."""
    critical = [f"{r.set}/{r.id}: {'; '.join(r.reasons)}" for r in report.results
                if r.severity == "critical" and not r.passed]
    regressions: list[str] = []
    if report.metrics.get("disclaimer_rate", 0.0) < 1.0:
        regressions.append(f"disclaimer on {report.metrics['disclaimer_rate']:.1%} of replies (must be 100%)")
    if baseline:
        for qset in sets:
            before = baseline.get("metrics", {}).get("sets", {}).get(qset.name)
            now = report.metrics["sets"].get(qset.name)
            if before and now:
                regressions += compared(qset.name, now, before, qset.tolerance)
    return {"passed": not critical and not regressions, "critical_failures": critical, "regressions": regressions}


def diff(report: Report, baseline: dict[str, Any] | None) -> dict[str, Any]:
    """Per set: pass rate now and in the baseline; cases failing now that passed then, and fixed ones."""
    if not baseline:
        return {}
    ran = {r.set for r in report.results}
    before_failed = {x for x in baseline.get("failed", []) if x.split("/", 1)[0] in ran}
    now_failed = {f"{r.set}/{r.id}" for r in report.results if not r.passed}
    sets = {name: {"now": s["pass_rate"], "baseline": baseline.get("metrics", {}).get("sets", {}).get(name, {})
                   .get("pass_rate")} for name, s in report.metrics["sets"].items()}
    return {"sets": sets, "newly_failing": sorted(now_failed - before_failed),
            "fixed": sorted(before_failed - now_failed)}


def load_baseline(path: Path | None) -> dict[str, Any] | None:
    if path is None or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EvalError(f"cannot read the baseline {path}: {exc}") from None
    if not isinstance(data, dict) or "metrics" not in data:
        raise EvalError(f"{path} is not an evaluation report or baseline")
    return data


def evaluate(target: Target, paths: list[Path], *, baseline: Path | None = None, out: Path | None = None,
             jobs: int = 1, progress: Progress | None = None,
             knowledge: Callable[[QuestionSet], Target] | None = None, name: str = "in-process") -> Report:
    """Run every case of the sets at ``paths``. Sets with their own knowledge folder are answered
    by ``knowledge(set)``; without it (a run over HTTP) they are skipped and listed as such."""
    sets = [load_set(p) for p in paths]
    previous = load_baseline(baseline)
    report = Report(target=name)
    work: list[tuple[Target, QuestionSet, Case]] = []
    for qset in sets:
        if qset.knowledge:
            if knowledge is None:
                report.skipped.append(f"{qset.name}: needs its own knowledge folder, so in-process runs only")
                continue
            answerer = knowledge(qset)
        else:
            answerer = target
        work += [(answerer, qset, case) for case in qset.cases]
    done = 0
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(run_case, *item) for item in work]
        for future in futures:
            report.results.append(future.result())
            done += 1
            if progress is not None:
                progress(done, len(work))
    report.metrics = metrics(report.results)
    ran = [s for s in sets if any(r.set == s.name for r in report.results)]
    report.gate = gate(report, ran, previous)
    report.baseline_diff = diff(report, previous)
    if out is not None:
        write_reports(report, out)
    return report


def write_reports(report: Report, out: Path) -> None:
    from evals.report import html, markdown

    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report.to_json(), indent=2), encoding="utf-8")
    (out / "report.md").write_text(markdown(report), encoding="utf-8")
    (out / "report.html").write_text(html(report), encoding="utf-8")


class KnowledgeBases:
    """In-process answerers for sets with their own knowledge folder: one index per folder under
    data_dir/knowledge/NAME, brought up to date (incrementally) the first time a set needs it."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._targets: dict[Path, Target] = {}

    def __call__(self, qset: QuestionSet) -> Target:
        folder = qset.knowledge_dir()
        assert folder is not None
        if folder not in self._targets:
            svc = self.services.with_knowledge(folder, folder.name)
            report = svc.ingestor.ingest([folder], progress=False)
            if not report.succeeded:
                raise EvalError(f"cannot index {folder}: {report.summary()}")
            self._targets[folder] = InProcess(svc.assistant)
        return self._targets[folder]
