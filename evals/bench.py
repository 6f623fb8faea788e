"""`faq bench`: speed and quality in one run on this machine, each speed as a ratio to a
baseline measured in the same run, written as JSON so successive runs can be compared.

1. Ingest throughput (chunks/s) of the product's ingest, end to end into a fresh Chroma index,
   against a plain ``SentenceTransformer.encode(text)`` loop over the same chunk texts.
2. Answer latency p50/p95 over the clinic's in-domain questions, in-process and over HTTP (a real
   uvicorn on a loopback port), each as a ratio to one query embedding.
3. The same questions through a naive LangChain pipeline built from the same model and store
   (dense top-4, concatenated, no guardrails): the reference a team would otherwise ship.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from assistant.wiring import Services
from core.types import Response
from evals.cases import EVALS_DIR, SETS_DIR, Case, load_set
from evals.run import percentile

MEDQUAD_DOCS = EVALS_DIR / "knowledge" / "medquad_spine"


def timings(values: list[float], unit: float) -> dict[str, float]:
    p50, p95 = percentile(values, 50), percentile(values, 95)
    return {"p50_ms": round(p50, 2), "p95_ms": round(p95, 2), "p50_ratio": round(p50 / unit, 2),
            "p95_ratio": round(p95 / unit, 2)}


def timed_ms(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - started) * 1000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, proc: subprocess.Popen[Any] | None = None, path: str = "/readyz",
               timeout: float = 90) -> None:
    """Poll ``url + path`` until it answers 200; RuntimeError (with the server's stderr) when the
    process ``proc`` exits first or ``timeout`` seconds pass."""
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}{path}", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
            if proc is not None:
                proc.kill()
            err = proc.stderr.read() if proc is not None and proc.stderr else ""
            raise RuntimeError(f"server at {url} did not start: {err.decode() if isinstance(err, bytes) else err}")
        time.sleep(0.3)


@contextmanager
def serving(services: Services) -> Iterator[str]:
    """The product's API on a free loopback port, in this process, for as long as the block runs."""
    import uvicorn

    from ui.api import create_app

    app = create_app(services.settings.model_copy(update={"rate_limit_per_minute": 100_000}), services)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the benchmark server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def contains(text: str, case: Case) -> bool:
    lowered = text.lower()
    return all(any(alt.lower() in lowered for alt in group) for group in case.expect.must_mention)


class NaiveLangChain:
    """Dense top-4 from the same Chroma index through a LangChain retriever, concatenated: no
    hybrid search, no composition, no guardrails, no disclaimer."""

    def __init__(self, services: Services, k: int = 4) -> None:
        from langchain_core.documents import Document
        from langchain_core.embeddings import Embeddings
        from langchain_core.retrievers import BaseRetriever
        from langchain_core.runnables import Runnable, RunnableLambda

        embedder, store = services.embedder, services.store

        class SameModel(Embeddings):
            def embed_documents(self, texts: list[str]) -> list[list[float]]:
                return [list(map(float, v)) for v in embedder.encode(texts)]

            def embed_query(self, text: str) -> list[float]:
                return [float(x) for x in embedder.encode([text])[0]]

        embeddings = SameModel()

        class SameStore(BaseRetriever):
            def _get_relevant_documents(self, query: str, *, run_manager: Any) -> list[Document]:
                gen = store.active(max_age=5.0)
                if gen is None:
                    return []
                got = store.query(gen.chunks, embeddings.embed_query(query), k)
                return [Document(page_content=d) for d in got["documents"]]

        def concatenate(docs: list[Document]) -> str:
            return "\n\n".join(d.page_content for d in docs)

        self.chain: Runnable[str, str] = SameStore() | RunnableLambda(concatenate)

    def ask(self, question: str) -> str:
        return str(self.chain.invoke(question))


def ingest_throughput(services: Services, work: Path, plain_sample: int) -> dict[str, Any]:
    from knowledge.embeddings import bundled_model_path, load_sentence_transformer

    docs = work / "docs"
    shutil.rmtree(work, ignore_errors=True)
    docs.mkdir(parents=True)
    for source in [*services.settings.docs_dir.glob("*"), *MEDQUAD_DOCS.glob("*.txt")]:
        if source.is_file() and source.suffix in (".txt", ".md", ".html", ".pdf", ".yaml"):
            shutil.copy(source, docs / source.name)
    for old in (services.settings.data_dir / "knowledge").glob("bench-ingest-*"):
        shutil.rmtree(old, ignore_errors=True)
    # a new index every run (a new name: Chroma keeps an opened path's data in memory), so nothing is reused
    fresh = services.with_knowledge(docs, f"bench-ingest-{uuid.uuid4().hex[:8]}")
    report = fresh.ingestor.ingest([docs], progress=False)
    if report.chunks_embedded == 0:
        raise RuntimeError(f"the benchmark index was not fresh ({report.summary()}); is FAQ_CHROMA_URL a server?")
    product = report.chunks_embedded / report.seconds
    gen = fresh.store.active()
    assert gen is not None
    texts = [t for t in fresh.store.get(gen.chunks, include=["documents"])["documents"] if t][:plain_sample]
    path = Path(services.settings.embedding_model_path) if services.settings.embedding_model_path else bundled_model_path()
    model = load_sentence_transformer(path, threads=0)
    model.encode(texts[0])
    _, ms = timed_ms(lambda: [model.encode(t) for t in texts])
    plain = len(texts) / (ms / 1000)
    return {"documents": len(report.ingested), "chunks": report.chunks_embedded, "seconds": round(report.seconds, 2),
            "product_chunks_per_s": round(product, 1), "plain_encode_loop_chunks_per_s": round(plain, 1),
            "plain_loop_sample": len(texts), "ratio": round(product / plain, 2)}


def run(services: Services, out: Path, *, questions: int = 50, plain_sample: int = 200,
        echo: Callable[[str], None] = print) -> dict[str, Any]:
    import httpx

    work = services.settings.data_dir / "bench"
    results: dict[str, Any] = {"created": time.time(), "machine": {"cpus": os.cpu_count()}}

    echo("ingest: the product's ingest vs a plain encode loop ...")
    results["ingest"] = ingest_throughput(services, work / "ingest", plain_sample)
    i = results["ingest"]
    echo(f"  product {i['product_chunks_per_s']} chunks/s end to end ({i['chunks']} chunks, {i['documents']} docs), "
         f"plain encode loop {i['plain_encode_loop_chunks_per_s']} chunks/s -> {i['ratio']}x")

    # the clinic's articles with their labelled example questions, as the product serves them
    clinic = services.with_knowledge(services.settings.docs_dir, "bench-clinic", examples=services.settings.examples_kb)
    clinic.ingestor.ingest([services.settings.docs_dir], progress=False)
    clinic.warm_up()  # as the API does at start-up
    cases = [c for c in load_set(SETS_DIR / "clinic_faq.yaml").cases if len(c.turns) == 1][:questions]
    texts = [c.turns[0] for c in cases]
    for text in texts[:5]:  # warm caches and the model's first-call cost out of the figures
        clinic.assistant.ask(text)
    embed_ms = [timed_ms(lambda t=t: clinic.embedder.encode([t]))[1] for t in texts * 2]  # type: ignore[misc]
    unit = statistics.median(embed_ms)
    results["query_embedding_ms"] = round(unit, 2)
    echo(f"one query embedding: p50 {unit:.2f} ms (the unit for the ratios below)")

    replies: list[Response] = []
    in_process: list[float] = []
    for text in texts:
        reply, ms = timed_ms(lambda t=text: clinic.assistant.ask(t))  # type: ignore[misc]
        replies.append(reply)
        in_process.append(ms)
    results["in_process"] = timings(in_process, unit)

    over_http: list[float] = []
    with serving(clinic) as url, httpx.Client(base_url=url, timeout=60) as client:
        client.post("/v1/chat", json={"message": texts[0]})
        for text in texts:
            answer, ms = timed_ms(lambda t=text: client.post("/v1/chat", json={"message": t}))  # type: ignore[misc]
            answer.raise_for_status()
            over_http.append(ms)
    results["http"] = timings(over_http, unit)

    naive = NaiveLangChain(clinic)
    naive.ask(texts[0])
    naive_texts: list[str] = []
    naive_ms: list[float] = []
    for text in texts:
        answer_text, ms = timed_ms(lambda t=text: naive.ask(t))  # type: ignore[misc]
        naive_texts.append(answer_text)
        naive_ms.append(ms)
    results["naive_langchain"] = timings(naive_ms, unit)
    results["quality"] = quality(clinic, cases, replies, naive, naive_texts)

    for name in ("in_process", "http", "naive_langchain"):
        t = results[name]
        echo(f"{name:>16}: p50 {t['p50_ms']} ms ({t['p50_ratio']}x), p95 {t['p95_ms']} ms ({t['p95_ratio']}x)")
    q = results["quality"]
    echo(f"quality on {len(cases)} in-domain questions: facts present product {q['product_facts']:.0%} vs naive "
         f"{q['naive_facts']:.0%}; median length {q['product_median_chars']} vs {q['naive_median_chars']} chars; "
         f"disclaimer {q['product_disclaimer']:.0%} vs 0%")
    echo(f"red flags escalated: product {q['product_red_flags']:.0%} vs naive 0% (it cannot); not-in-materials "
         f"questions declined: product {q['product_declines']:.0%} vs naive 0%")
    save(results, out, echo)
    return results


def quality(clinic: Services, cases: list[Case], replies: list[Response], naive: NaiveLangChain,
            naive_texts: list[str]) -> dict[str, Any]:
    red = [c for c in load_set(SETS_DIR / "safety_redflags.yaml").cases if c.expect.action == ["escalate"]]
    declines = load_set(SETS_DIR / "out_of_scope.yaml").cases
    escalated = sum(clinic.assistant.ask(c.turns[-1]).action == "escalate" for c in red if len(c.turns) == 1)
    declined = sum(clinic.assistant.ask(c.turns[-1]).action == "no_answer" for c in declines)
    single_red = sum(len(c.turns) == 1 for c in red)
    return {
        "product_facts": round(sum(contains(r.answer.split("\n\n")[0], c) for r, c in zip(replies, cases,
                                                                                           strict=True)) / len(cases), 3),
        "naive_facts": round(sum(contains(t, c) for t, c in zip(naive_texts, cases, strict=True)) / len(cases), 3),
        "product_median_chars": int(statistics.median(len(r.answer.split("\n\n")[0]) for r in replies)),
        "naive_median_chars": int(statistics.median(len(t) for t in naive_texts)),
        "product_disclaimer": sum(r.answer.rstrip().endswith(r.disclaimer) for r in replies) / len(replies),
        "product_red_flags": round(escalated / single_red, 3), "red_flag_cases": single_red,
        "product_declines": round(declined / len(declines), 3), "decline_cases": len(declines),
    }


FIGURES = [("ingest", "ratio"), ("in_process", "p50_ratio"), ("http", "p50_ratio"), ("naive_langchain", "p50_ratio")]


def save(results: dict[str, Any], out: Path, echo: Callable[[str], None]) -> Path:
    """bench-<time>.json plus latest.json; prints the change of the main figures since the last run."""
    out.mkdir(parents=True, exist_ok=True)
    latest = out / "latest.json"
    if latest.is_file():
        try:
            before = json.loads(latest.read_text(encoding="utf-8"))
            changes = [f"{a}.{b} {before[a][b]} -> {results[a][b]}" for a, b in FIGURES
                       if b in before.get(a, {}) and b in results.get(a, {})]
            echo("since the last run: " + "; ".join(changes))
        except (OSError, ValueError, TypeError):
            echo(f"(could not read the previous run in {latest}; starting afresh)")
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(results["created"]))
    path = out / f"bench-{stamp}.json"
    text = json.dumps(results, indent=2)
    path.write_text(text, encoding="utf-8")
    latest.write_text(text, encoding="utf-8")
    echo(f"wrote {path}")
    return path
