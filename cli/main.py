"""The ``faq`` command line. Same as ``python -m cli``."""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from tqdm import tqdm

from assistant import logs
from assistant.settings import Settings, load_settings
from assistant.wiring import Services
from core.errors import ConfigError, FAQError, InputError, StoreError
from core.types import Response, new_id

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(func: F) -> F:
    """Known problems print one line and exit 2; they never show a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except FAQError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def services(ctx: click.Context) -> Services:
    obj = ctx.find_root().obj
    if obj is None:
        obj = ctx.find_root().obj = Services(load_settings())
    assert isinstance(obj, Services)
    return obj


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log more detail to stderr.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Patient FAQ assistant for spine clinics."""
    logs.configure(verbose, detector=lambda: services(ctx).pii)  # the services' one detector


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--if-empty", is_flag=True, help="Only ingest when the index holds no documents yet.")
@click.option("--no-prune", is_flag=True, help="Keep documents whose files were deleted.")
@click.pass_context
@friendly_errors
def ingest(ctx: click.Context, paths: tuple[Path, ...], quiet: bool, if_empty: bool, no_prune: bool) -> None:
    """Ingest documents (default: the clinic's knowledge folder) into the index."""
    svc = services(ctx)
    if if_empty and svc.store.active() is not None:
        click.echo("index already holds documents; nothing to do")
        return
    targets = list(paths) or [svc.settings.docs_dir]
    report = svc.ingestor.ingest(targets, progress=not quiet and sys.stderr.isatty(), prune=not no_prune)
    for path, reason in report.failed:
        click.echo(f"failed: {path}: {reason}", err=True)
    for path in report.skipped:
        click.echo(f"skipped: {path}: unsupported file type", err=True)
    click.echo(report.summary())
    if not report.succeeded:
        sys.exit(1)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
@friendly_errors
def sources(ctx: click.Context, as_json: bool) -> None:
    """List the documents in the index."""
    docs = services(ctx).documents()
    if as_json:
        fields = ("source", "title", "url", "chunks", "sections", "ingested_at", "content_hash")
        click.echo(json.dumps([{k: d.get(k) for k in fields} for d in docs], indent=2))
        return
    if not docs:
        click.echo("the index is empty: run `faq ingest`")
        return
    for d in docs:
        click.echo(f"{d['source']}  [{d['chunks']} chunks]  {d['title']}  <{d['url']}>")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
@friendly_errors
def stats(ctx: click.Context, as_json: bool) -> None:
    """Show what the index holds and how it is configured."""
    svc = services(ctx)
    settings: Settings = svc.settings
    active = svc.store.active()
    docs = svc.documents()
    data = {
        "store": svc.store.mode,
        "collection": settings.collection,
        "generation": active.number if active else None,
        "documents": len(docs),
        "chunks": svc.store.count(active.chunks) if active else 0,
        "sections": sum(int(d.get("sections", 0)) for d in docs),
        "embedding": svc.embedding_signature,
        "chunk_size": settings.chunk_size,
        "chunk_overlap": settings.chunk_overlap,
        "disk_bytes": svc.store.disk_bytes(),
        "last_ingest": max((d["ingested_at"] for d in docs), default=None),
    }
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        for key, value in data.items():
            click.echo(f"{key:>16}: {value}")


def _render(response: Response) -> str:
    lines = [response.answer]
    if response.sources:
        lines.append("")
        lines.extend(f"[{s.n}] {s.title}: {s.section} <{s.url}>" for s in response.sources)
    return "\n".join(lines)


def _dump(response: Response, with_trace: bool, **extra: Any) -> str:
    data = response.model_dump(exclude={"trace"} if not with_trace else set())
    return json.dumps({**extra, **data}, ensure_ascii=False)


@main.command()
@click.argument("question", required=False)
@click.option("--session", "session_id", default=None, help="Continue this conversation.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer contract as JSON.")
@click.option("--trace", "with_trace", is_flag=True, help="Include the trace (implies --json).")
@click.option("--file", "batch", type=click.File("r", encoding="utf-8"), default=None,
              help='JSONL of {"id", "turns": [...]}: one JSON response per turn, in order.')
@click.pass_context
@friendly_errors
def ask(ctx: click.Context, question: str | None, session_id: str | None, as_json: bool, with_trace: bool,
        batch: Any) -> None:
    """Answer one question (or a file of conversations) from the clinic's documents."""
    if (question is None) == (batch is None):
        raise click.UsageError("give either a QUESTION or --file, not both")
    assistant = services(ctx).assistant
    if batch is None:
        assert question is not None
        response = assistant.ask(question, session_id)
        click.echo(_dump(response, with_trace) if as_json or with_trace else _render(response))
        return
    failures = 0
    for number, line in enumerate(batch, start=1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
            turns, case_id = case["turns"], case.get("id", number)
            if not isinstance(turns, list) or not turns or not all(isinstance(t, str) for t in turns):
                raise ValueError("turns must be a non-empty list of strings")
        except (ValueError, KeyError, TypeError) as exc:
            failures += 1
            click.echo(f"line {number}: not a case ({exc})", err=True)
            continue
        session = f"{case_id}-{uuid.uuid4().hex[:8]}"
        for index, turn in enumerate(turns):
            try:
                click.echo(_dump(assistant.ask(turn, session), with_trace, id=case_id, turn=index))
            except InputError as exc:
                failures += 1
                click.echo(json.dumps({"id": case_id, "turn": index, "error": str(exc),
                                       "answer": assistant.error_text(exc)}))
    if failures:
        sys.exit(1)


@main.command()
@click.pass_context
@friendly_errors
def chat(ctx: click.Context) -> None:
    """Talk to the assistant in the terminal (Ctrl-D or 'quit' to leave)."""
    svc = services(ctx)
    assistant = svc.assistant
    click.echo(assistant.greeting())
    session = new_id()
    while True:
        try:
            question = input("\nyou> ")
        except (EOFError, KeyboardInterrupt):
            click.echo()
            return
        if question.strip().lower() in {"quit", "exit", "bye"}:
            return
        try:
            click.echo("\n" + _render(assistant.ask(question, session)))
        except InputError as exc:
            click.echo("\n" + assistant.error_text(exc))




@main.command("audit-data")
@click.option("--log", "logs_", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Also scan this file (a server log kept outside the data dir); repeatable.")
@click.pass_context
@friendly_errors
def audit_data(ctx: click.Context, logs_: tuple[Path, ...]) -> None:
    """Scan the data dir (SQLite, logs, reports) and the shared database (FAQ_DATABASE_URL) for
    personal data; exit 1 if any is found."""
    from assistant.audit import audit

    svc = services(ctx)
    data_dir = svc.settings.data_dir
    if not data_dir.is_dir() and not svc.settings.database_url and not logs_:
        click.echo(f"{data_dir}: no data folder yet; nothing stored")
        return
    findings, read = audit(data_dir, svc.pii, list(logs_), svc.settings.database_url)
    for f in findings:
        click.echo(f"{f.where}: {f.kind} {f.text!r}")
    click.echo(f"{len(findings)} personal identifiers found in {read} files under {data_dir}")
    if findings:
        sys.exit(1)


@main.command()
@click.option("--days", type=float, default=None, help="Keep this many days (default: the retention setting).")
@click.pass_context
@friendly_errors
def purge(ctx: click.Context, days: float | None) -> None:
    """Delete stored conversation turns older than the retention period."""
    svc = services(ctx)
    keep = days if days is not None else svc.settings.retention_days
    click.echo(f"deleted {svc.sessions.purge(keep)} turns older than {keep:g} days")


@main.command()
@click.option("--host", default=None, help="Address to bind (default from settings: 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default from settings: 8000).")
@click.option("--workers", default=None, type=int, help="Worker processes (default from settings: 1).")
@click.pass_context
@friendly_errors
def serve(ctx: click.Context, host: str | None, port: int | None, workers: int | None) -> None:
    """Run the HTTP API with uvicorn."""
    import uvicorn

    from ui.api import SERVE_OPTIONS

    svc = services(ctx)
    settings = svc.settings
    host = host or settings.api_host
    if (unsafe := settings.unsafe_for(host)) is not None:
        raise ConfigError(f"refusing to listen on a non-loopback address with {unsafe}")
    svc.clinic  # noqa: B018 - validates the profile and warns about placeholders before serving
    if workers:
        os.environ["FAQ_WORKERS"] = str(workers)  # each worker builds its app from the environment
    metrics_dir = None
    if (workers or settings.workers) > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # /metrics sums every worker's figures from files here (prometheus_client's multiprocess mode);
        # made for this run, removed when it ends (a directory named by the caller is left alone)
        import tempfile

        metrics_dir = tempfile.mkdtemp(prefix="faq-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    count = workers or settings.workers
    # one worker: this process's services (and their one personal-data detector, which the log
    # filter already uses) serve the app; more: each worker process builds its own from the environment
    if count == 1:
        from ui.api import create_app

        app: Any = create_app(settings, svc)
    else:
        app = "ui.api:app_from_environment"
    try:
        uvicorn.run(app, factory=count > 1, host=host, port=port or settings.api_port, workers=count,
                    **SERVE_OPTIONS)
    finally:
        if metrics_dir is not None:
            import shutil

            del os.environ["PROMETHEUS_MULTIPROC_DIR"]
            shutil.rmtree(metrics_dir, ignore_errors=True)


@main.command()
@click.option("--host", default=None, help="Interface to bind (default: settings api_host, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default: settings console_port, 8001).")
@click.pass_context
@friendly_errors
def console(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Run the staff console alone (it is also at /staff in `faq serve`)."""
    import uvicorn

    from ui.console import standalone

    svc = services(ctx)
    settings = svc.settings.model_copy(update={"console_enabled": True})
    host = host or settings.api_host
    if (unsafe := settings.unsafe_for(host)) is not None:
        raise ConfigError(f"refusing to listen on a non-loopback address with {unsafe}")
    svc.clinic  # noqa: B018 - validates the profile and warns about placeholders before serving
    click.echo(f"staff console on http://{host}:{port or settings.console_port}/staff/", err=True)
    uvicorn.run(standalone(svc), host=host, port=port or settings.console_port, log_level="warning",
                proxy_headers=False, timeout_graceful_shutdown=10, log_config=None)


@main.command()
@click.option("--out", type=click.Path(path_type=Path), default=Path("var/bench"), help="Where the JSON goes.")
@click.option("--questions", type=click.IntRange(5, 500), default=50, help="In-domain questions to time.")
@click.pass_context
@friendly_errors
def bench(ctx: click.Context, out: Path, questions: int) -> None:
    """Speed and quality on this machine: ingest vs a plain encode loop, answer latency in-process
    and over HTTP as ratios to one query embedding, and a naive LangChain pipeline for reference."""
    from evals.bench import run

    run(services(ctx), out, questions=questions, echo=click.echo)


@main.command()
@click.option("--force", is_flag=True, help="Train the message classifier again even when a model for this corpus "
              "is cached.")
@click.option("--answerability", "with_answerability", is_flag=True,
              help="Also fit the answerability model and write it to assistant/answerability.yaml.")
@click.option("--quiet", "-q", is_flag=True, help="Only say what was done.")
@click.pass_context
@friendly_errors
def train(ctx: click.Context, force: bool, with_answerability: bool, quiet: bool) -> None:
    """Train the message classifier from guardrails/training/ (cached by corpus hash) and, with
    --answerability, the answerability model; print their cross-validated figures."""
    from assistant.answerability import FEATURES
    from assistant.linear import LinearModel, without_examples
    from assistant.train import train_models, trained_on

    svc = services(ctx)
    say = (lambda _: None) if quiet else (lambda m: click.echo(f"  {m}", err=True))
    store = svc.classifier
    model = store.train(force=force, progress=say)
    click.echo(f"message classifier {model.corpus_hash}: {model.metrics.get('examples')} examples, "
               f"{model.metrics.get('sentences')} sentences of long ones; thresholds by 5-fold cross-validation")
    if not quiet:
        for name, m in model.metrics.get("classes", {}).items():
            extra = "".join(f", {k} {v}" for k, v in m.items()
                            if k.startswith(("recall_", "false_alarms_on_al", "thresholds")))
            threshold = "" if "thresholds" in m else f"threshold {m['threshold']:.3f}{'*' if m.get('pinned') else ' '} "
            red = "cross_validated_thresholds" in m  # the red-flag row: a threshold per red flag, recall targets
            if m.get("pinned"):
                chose = m["cross_validated_thresholds"] if red else f"{m['cross_validated_threshold']:.3f}"
                extra += f", cross-validation would choose {chose}"
            if m.get("meets_target") is False:
                extra += f"  UNDER ITS {'RECALL' if red else 'PRECISION'} TARGET: re-pin it in policy.yaml"
            click.echo(f"  {name:20s} {threshold}precision {m['precision']:.3f}  recall {m['recall']:.3f}{extra}")
        click.echo(f"  safety net from red-flag probability {model.grey:.3f} (cross-validation would choose "
                   f"{model.metrics.get('cross_validated_grey_from', model.grey):.3f}); * a threshold pinned in policy.yaml")
    if with_answerability:
        relevance, fitted = train_models(svc, say)
        click.echo(f"sentence relevance -> {svc.settings.relevance_file}: {relevance.metrics['questions']} judged "
                   f"questions; cross-validated, the likeliest sentence answers "
                   f"{relevance.metrics['cross_validated_top_answers']:.1%} of them")
        cv = fitted.metrics["cross_validated"]
        click.echo(f"answerability {fitted.trained_on} -> {svc.settings.answerability_file}: answer from "
                   f"{fitted.settings['answer_from']:.3f}, suggest from {fitted.settings['suggest_from']:.3f}; "
                   f"cross-validated: answerable answered {cv['answerable_answered']:.1%} "
                   f"(+{cv['answerable_suggested']:.1%} suggestions), not answerable answered "
                   f"{cv['not_answerable_answered']:.1%}")
        plain = LinearModel.load(without_examples(svc.settings.answerability_file), FEATURES)
        cv = plain.metrics["cross_validated"]
        click.echo(f"  without labelled examples (a clinic's own articles): answer from {plain.settings['answer_from']:.3f}; "
                   f"answerable answered {cv['answerable_answered']:.1%}, not answerable answered "
                   f"{cv['not_answerable_answered']:.1%}")
    elif svc.answerability.model.trained_on != trained_on(svc):
        click.echo("answerability: assistant/answerability.yaml was trained on other questions or settings; "
                   "run `faq train --answerability`", err=True)


@main.command(name="eval")
@click.argument("sets", nargs=-1)
@click.option("--url", default=None, help="Ask a running API (http://127.0.0.1:8000) instead of in-process.")
@click.option("--admin-key", envvar="FAQ_ADMIN_KEY", default=None,
              help="The server's admin key, so a run over --url is not rate-limited (env FAQ_ADMIN_KEY).")
@click.option("--out", type=click.Path(path_type=Path), default=Path("var/eval"), help="Where reports go.")
@click.option("--baseline", type=click.Path(path_type=Path), default=None,
              help="A report or baseline to compare with (default: evals/baselines/report.json).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, help="Cases run in parallel.")
@click.option("--update-baseline", is_flag=True, help="Write this run as evals/baselines/report.json.")
@click.pass_context
@friendly_errors
def evaluate_sets(ctx: click.Context, sets: tuple[str, ...], url: str | None, admin_key: str | None, out: Path,
                  baseline: Path | None, jobs: int, update_baseline: bool) -> None:
    """Run question sets (default: every shipped set), write reports and gate on the results:
    exit 1 when a critical case fails or a metric fell below the baseline."""
    from evals.cases import BASELINE, resolve
    from evals.run import InProcess, KnowledgeBases, OverHttp, Target, evaluate

    paths = resolve(list(sets))
    target: Target
    if url:
        target, knowledge, name = OverHttp(url, admin_key), None, url
    else:
        svc = services(ctx)
        if svc.store.active() is None:
            raise StoreError("the index is empty: run `faq ingest` first")
        target, knowledge, name = InProcess(svc.assistant), KnowledgeBases(svc), "in-process"
    bar = tqdm(total=0, desc="eval", unit="case", disable=not sys.stderr.isatty(), leave=False)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    report = evaluate(target, paths, baseline=baseline or BASELINE, out=out, jobs=jobs, progress=progress,
                      knowledge=knowledge, name=name)
    bar.close()
    m = report.metrics
    for set_name, s in m["sets"].items():
        recall = s.get("retrieval", {}).get("recall@5")
        extra = f", recall@5 {recall:.1%}" if recall is not None else ""
        click.echo(f"{set_name:>28}: {s['pass_rate']:.1%} of {s['cases']}{extra}")
    for line in report.skipped:
        click.echo(f"skipped {line}")
    click.echo(f"pass rate {m['pass_rate']:.1%}, disclaimer {m['disclaimer_rate']:.1%}, latency p50 "
               f"{m['latency_ms']['p50']} ms, p95 {m['latency_ms']['p95']} ms; reports in {out}/report.html|md|json")
    for line in report.baseline_diff.get("newly_failing", []):
        click.echo(f"newly failing: {line}")
    for line in report.gate["critical_failures"] + report.gate["regressions"]:
        click.echo(f"gate: {line}", err=True)
    click.echo(f"gate: {'PASS' if report.gate['passed'] else 'FAIL'}")
    if update_baseline:
        BASELINE.parent.mkdir(parents=True, exist_ok=True)
        BASELINE.write_text(json.dumps(report.baseline(), indent=2) + "\n", encoding="utf-8")
        click.echo(f"baseline written to {BASELINE}")
    if not report.gate["passed"]:
        sys.exit(1)
