"""The ``faq`` command line. Same as ``python -m assistant``."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from assistant.errors import FAQError
from assistant.settings import Settings, load_settings
from assistant.wiring import Services

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
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s")


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


def _documents(svc: Services) -> list[dict[str, Any]]:
    active = svc.store.active()
    if active is None:
        return []
    got = svc.store.get(active.docs, include=["metadatas"])
    docs = [dict(m) for m in got["metadatas"] if m]
    return sorted(docs, key=lambda d: d["source"])


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
@friendly_errors
def sources(ctx: click.Context, as_json: bool) -> None:
    """List the documents in the index."""
    docs = _documents(services(ctx))
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
    docs = _documents(svc)
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
