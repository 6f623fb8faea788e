"""Ingest benchmark (issue: foundation). Prints figures; asserts nothing.

    python benchmarks/ingest_bench.py [--limit N] [--work DIR]

1. Embedding throughput on a sample of MedQuAD chunks: the product's embedding stage
   (ONNX int8, sentences + headings encoded once, chunk vectors composed) against a plain
   `SentenceTransformer.encode(text)` loop over the same chunk texts, in the same run.
2. Retrieval quality of the two (recall@5 on the MedQuAD spine questions against their
   answers plus 600 distractors), so the speed-up is not bought with quality.
3. The full ingest of medquad_all.jsonl (one document per answer) as `faq ingest`, in its
   own collection: chunks, time, chunks/s, peak memory, size on disk; then the unchanged
   re-ingest.
4. Query latency (k=5) on the 1-document clinic index and on the 16k-document index.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.settings import load_settings
from assistant.wiring import Services
from benchmarks.common import (
    MEDQUAD_ALL,
    MEDQUAD_SPINE,
    dir_bytes,
    percentile,
    read_jsonl,
    run_faq,
    summary_ms,
    write_json,
    write_medquad_docs,
)
from knowledge.chunking import Chunker
from knowledge.embeddings import SentenceTransformerEmbedder, compose_chunk_vector
from knowledge.structure import structure
from knowledge.types import Chunk, Document


def chunks_of(rows: list[dict[str, Any]], chunker: Chunker) -> list[tuple[int, Chunk]]:
    out = []
    for i, row in enumerate(rows):
        title, sections = structure(row["answer"], "plain", row.get("focus") or "", "Untitled")
        doc = Document(str(i), "", title, "", tuple(sections), "")
        out.extend((i, c) for c in chunker.chunk(doc))
    return out


def product_vectors(svc: Services, chunks: list[tuple[int, Chunk]]) -> np.ndarray:
    texts = sorted({s.embedding_text for _, c in chunks for s in c.sentences} | {c.heading_text for _, c in chunks})
    encoded = svc.embedder.encode(texts)
    row = {t: i for i, t in enumerate(texts)}
    return np.vstack([
        compose_chunk_vector(encoded[[row[s.embedding_text] for s in c.sentences]], encoded[row[c.heading_text]],
                             svc.settings.heading_weight)
        for _, c in chunks
    ])


def recall_at(chunk_docs: np.ndarray, sims: np.ndarray, k: int) -> float:
    hits = 0
    for qi in range(sims.shape[0]):
        seen: list[int] = []
        for j in np.argsort(-sims[qi]):
            if chunk_docs[j] not in seen:
                seen.append(int(chunk_docs[j]))
            if len(seen) == k:
                break
        hits += qi in seen
    return hits / sims.shape[0]


def embedding_section(svc: Services, chunker: Chunker, results: dict[str, Any]) -> None:
    print("== 1. Embedding throughput (same chunk texts, same run) ==")
    sample_rows = read_jsonl(MEDQUAD_ALL, 400)
    sample = chunks_of(sample_rows, chunker)[:300]
    texts = [c.heading_text + "\n" + c.text for _, c in sample]
    plain = SentenceTransformerEmbedder()
    model = plain.warm_up()
    start = time.perf_counter()
    for text in texts:
        model.encode(text)
    loop_rate = len(texts) / (time.perf_counter() - start)
    start = time.perf_counter()
    model.encode(texts, batch_size=32)
    batched_rate = len(texts) / (time.perf_counter() - start)
    svc.embedder.encode(["warm up"])
    start = time.perf_counter()
    product_vectors(svc, sample)
    product_rate = len(texts) / (time.perf_counter() - start)
    print(f"plain encode loop (torch, one text per call): {loop_rate:7.1f} chunks/s")
    print(f"encode(list, batch_size=32) (torch):          {batched_rate:7.1f} chunks/s")
    print(f"product embedding stage ({svc.settings.embedding_backend}):         {product_rate:7.1f} chunks/s"
          f"  -> {product_rate / loop_rate:.2f}x the plain loop (target >= 2x)")
    results["embedding"] = {"chunks": len(texts), "plain_loop_chunks_per_s": round(loop_rate, 1),
                            "torch_batched_chunks_per_s": round(batched_rate, 1),
                            "product_chunks_per_s": round(product_rate, 1),
                            "ratio_vs_plain_loop": round(product_rate / loop_rate, 2)}

    print("\n== 2. Retrieval quality of the two (recall@5, spine questions vs answers + 600 distractors) ==")
    spine = read_jsonl(MEDQUAD_SPINE)
    ids = {r["id"] for r in spine}
    random.seed(7)
    distractors = random.sample([r for r in read_jsonl(MEDQUAD_ALL) if r["id"] not in ids], 600)
    corpus = chunks_of(spine + distractors, chunker)
    docs = np.array([i for i, _ in corpus])
    questions = [r["question"] for r in spine]
    torch_vectors = plain.encode([c.heading_text + "\n" + c.text for _, c in corpus])
    ours = product_vectors(svc, corpus)
    r_torch = recall_at(docs, plain.encode(questions) @ torch_vectors.T, 5)
    r_ours = recall_at(docs, svc.embedder.encode(questions) @ ours.T, 5)
    print(f"torch, chunk text encoded:          recall@5 {r_torch:.3f}")
    print(f"product ({svc.settings.embedding_backend}, composed): recall@5 {r_ours:.3f}  "
          f"(difference {100 * (r_ours - r_torch):+.1f} points; target within -1)")
    results["quality"] = {"chunks": len(corpus), "recall5_torch_chunk_text": round(r_torch, 4),
                          "recall5_product": round(r_ours, 4)}


def ingest_section(work: Path, limit: int | None, results: dict[str, Any]) -> Path:
    print("\n== 3. Full ingest as `faq ingest` (own collection) ==")
    rows = read_jsonl(MEDQUAD_ALL, limit)
    corpus = work / "medquad_docs"
    write_medquad_docs(rows, corpus)
    data_dir = work / "var"
    env = {"FAQ_DATA_DIR": str(data_dir), "FAQ_COLLECTION": "medquad", "FAQ_MODEL_CACHE_DIR": str(work / "models")}
    run_faq(["ingest", "--quiet", str(Path(__file__).resolve().parent.parent / "knowledge" / "docs")],
            {**env, "FAQ_COLLECTION": "warmup"})  # exports the ONNX model once, outside the timing
    first, seconds, peak = run_faq(["ingest", "--quiet", str(corpus)], env)
    print(first.stdout.strip(), first.stderr.strip()[-500:])
    chunks = int(re.search(r"in index (\d+)", first.stdout).group(1))  # type: ignore[union-attr]
    size = dir_bytes(data_dir / "chroma")
    second, again, _ = run_faq(["ingest", "--quiet", str(corpus)], env)
    print(second.stdout.strip())
    print(f"documents {len(rows)}, chunks {chunks}, time {seconds:.1f}s, {chunks / seconds:.1f} chunks/s end to end")
    print(f"peak memory {peak / 2**30:.2f} GiB (target <= 2 GiB), size on disk {size / 2**20:.0f} MiB")
    print(f"unchanged re-ingest {again:.1f}s -> {seconds / again:.0f}x faster than the first (target >= 50x)")
    results["ingest"] = {"documents": len(rows), "chunks": chunks, "seconds": round(seconds, 1),
                         "chunks_per_s": round(chunks / seconds, 1), "peak_rss_gib": round(peak / 2**30, 3),
                         "disk_mib": round(size / 2**20, 1), "unchanged_reingest_s": round(again, 2),
                         "reingest_speedup": round(seconds / again, 1)}
    return data_dir


def query_section(work: Path, data_dir: Path, results: dict[str, Any]) -> None:
    print("\n== 4. Query latency, k=5 (store query only, query vectors precomputed) ==")
    questions = [r["question"] for r in read_jsonl(MEDQUAD_SPINE)][:200]
    big = Services(load_settings(data_dir=data_dir, collection="medquad", model_cache_dir=work / "models"))
    small = Services(load_settings(data_dir=work / "clinic-var", model_cache_dir=work / "models"),
                     embedder=big.embedder)
    small.ingestor.ingest([small.settings.docs_dir], progress=False)
    vectors = big.embedder.encode(questions)
    figures = {}
    for name, svc in (("1 document", small), ("16k documents", big)):
        gen = svc.store.active()
        assert gen is not None
        for v in vectors[:20]:
            svc.store.query(gen.chunks, v.tolist(), 5)
        times = []
        for v in vectors:
            start = time.perf_counter()
            svc.store.query(gen.chunks, v.tolist(), 5)
            times.append((time.perf_counter() - start) * 1000)
        figures[name] = summary_ms(times)
        print(f"{name:>14}: p50 {figures[name]['p50_ms']:.2f} ms, p95 {figures[name]['p95_ms']:.2f} ms")
    embed_times = []
    for q in questions[:100]:
        start = time.perf_counter()
        big.embedder.encode([q])
        embed_times.append((time.perf_counter() - start) * 1000)
    ratio = figures["16k documents"]["p95_ms"] / figures["1 document"]["p95_ms"]
    print(f"p95 ratio 16k / 1 document: {ratio:.2f} (target <= 2); one query embedding p50 "
          f"{percentile(embed_times, 50):.2f} ms")
    results["query"] = {**{k.replace(" ", "_"): v for k, v in figures.items()}, "p95_ratio": round(ratio, 2),
                        "query_embedding_p50_ms": round(percentile(embed_times, 50), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="ingest only the first N MedQuAD answers")
    parser.add_argument("--work", type=Path, default=None, help="working folder (default: a temp folder)")
    parser.add_argument("--out", type=Path, default=Path("bench-results/ingest.json"))
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="faq-bench-"))
    results: dict[str, Any] = {}
    svc = Services(load_settings(data_dir=work / "scratch", model_cache_dir=work / "models"))
    chunker = Chunker(svc.settings.chunk_size, svc.settings.chunk_overlap)
    embedding_section(svc, chunker, results)
    data_dir = ingest_section(work, args.limit, results)
    query_section(work, data_dir, results)
    write_json(args.out, results)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
