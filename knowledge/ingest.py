"""Incremental, atomic ingest of documents into the knowledge store.

Unchanged documents are copied into the new generation with their stored vectors, edited
ones are re-chunked (chunks whose id is unchanged keep their vectors), removed ones are
left out. Nothing becomes visible until the generation is committed.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from core.errors import DocumentError, StoreError
from knowledge.chunking import Chunker
from knowledge.documents import DocumentReader
from knowledge.embeddings import Embedder, compose_chunk_vector, pack_int8
from knowledge.loaders import SIDECAR_SUFFIX, is_supported
from knowledge.store import ChromaStore, Generation
from knowledge.types import Chunk, Document

log = logging.getLogger(__name__)
CHUNK_FIELDS = ["documents", "metadatas", "embeddings"]
BATCH_DOCS = 64


@dataclass
class IngestReport:
    ingested: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    chunks_embedded: int = 0
    chunks_reused: int = 0
    chunks_total: int = 0
    generation: int | None = None
    seconds: float = 0.0

    @property
    def succeeded(self) -> bool:
        """Exit status: fail only when nothing at all could be ingested."""
        return bool(self.ingested or self.unchanged or self.removed)

    def summary(self) -> str:
        return (
            f"ingested {len(self.ingested)}, unchanged {len(self.unchanged)}, skipped {len(self.skipped)}, "
            f"failed {len(self.failed)}, removed {len(self.removed)}; chunks embedded {self.chunks_embedded}, "
            f"reused {self.chunks_reused}, in index {self.chunks_total} ({self.seconds:.1f}s)"
        )


def registry_id(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:32]


def discover(paths: Sequence[Path]) -> tuple[list[Path], list[str], list[tuple[str, str]], list[Path]]:
    """Files to ingest, files skipped (unsupported), paths that failed, and directories walked."""
    files: list[Path] = []
    skipped: list[str] = []
    failed: list[tuple[str, str]] = []
    roots: list[Path] = []
    for path in paths:
        if path.is_dir():
            roots.append(path.resolve())
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if child.name.endswith(SIDECAR_SUFFIX) or child.name.startswith("."):
                    continue
                if is_supported(child):
                    files.append(child)
                else:
                    skipped.append(str(child))
        elif path.is_file():
            if is_supported(path):
                files.append(path)
            else:
                skipped.append(str(path))
        else:
            failed.append((str(path), "no such file or directory"))
    unique = list(dict.fromkeys(files))
    return unique, skipped, failed, roots


def chunk_record(chunk: Chunk, doc: Document, sentence_vectors: np.ndarray, ingested_at: str) -> dict[str, Any]:
    return {
        "source": chunk.source,
        "title": chunk.title,
        "url": chunk.url,
        "section": chunk.section,
        "heading_path": " > ".join(chunk.heading_path),
        "position": chunk.position,
        "doc_hash": doc.content_hash,
        "ingested_at": ingested_at,
        "sentences": json.dumps([[s.text, s.label, s.kind] for s in chunk.sentences], ensure_ascii=False),
        "questions": json.dumps(list(doc.questions.get(chunk.section, ())), ensure_ascii=False),
        "sentence_vectors": base64.b64encode(pack_int8(sentence_vectors)).decode("ascii"),
    }


@contextlib.contextmanager
def ingest_lock(data_dir: Path) -> Iterator[None]:
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / "ingest.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError("another ingest is running on this data directory; try again when it ends") from None
        yield


class Ingestor:
    def __init__(self, reader: DocumentReader, chunker: Chunker, embedder: Embedder, store: ChromaStore,
                 data_dir: Path, heading_weight: float = 2.0, signature: str = "") -> None:
        self.heading_weight = heading_weight
        self.signature = signature  # names the embedding recipe; vectors are reused only within one
        self.reader = reader
        self.chunker = chunker
        self.embedder = embedder
        self.store = store
        self.data_dir = data_dir

    def ingest(self, paths: Sequence[Path], *, progress: bool = True, prune: bool = True) -> IngestReport:
        started = time.perf_counter()
        with ingest_lock(self.data_dir):
            report = self._ingest(paths, progress=progress, prune=prune)
        report.seconds = time.perf_counter() - started
        return report

    def _ingest(self, paths: Sequence[Path], *, progress: bool, prune: bool) -> IngestReport:
        report = IngestReport()
        files, report.skipped, report.failed, roots = discover(paths)
        active = self.store.active()
        registry = self._registry(active)
        ingested_at = datetime.now(UTC).isoformat(timespec="seconds")

        keep: dict[str, dict[str, Any]] = {}  # source -> registry record copied from the active generation
        seen: set[str] = set()
        staging: Generation | None = None
        batch: list[Document] = []

        def flush() -> None:
            nonlocal staging
            if not batch:
                return
            if staging is None:
                staging = self.store.stage()
            self._write_changed(batch, active, staging, report, ingested_at)
            batch.clear()

        bar = tqdm(files, desc="ingest", unit="doc", disable=not progress, leave=False)
        for path in bar:
            source = self.reader.source_id(path)
            seen.add(source)
            try:
                data = self.reader.read_bytes(path)
                fingerprint = self.reader.fingerprint(data, path)
                old = registry.get(source)
                if old is not None and old["content_hash"] == fingerprint:
                    report.unchanged.append(source)
                    keep[source] = old
                    continue
                doc = self.reader.parse(path, data, fingerprint)
            except DocumentError as exc:
                report.failed.append((str(path), str(exc)))
                if source in registry:  # a document that broke keeps its last good version
                    keep[source] = registry[source]
                continue
            batch.append(doc)
            report.ingested.append(source)
            if len(batch) >= BATCH_DOCS:
                flush()
        bar.close()
        flush()

        for source, rec in registry.items():
            if source in seen or source in keep:
                continue
            under_root = any(Path(rec["origin"]).is_relative_to(root) for root in roots)
            if prune and under_root and not Path(rec["origin"]).exists():
                report.removed.append(source)
            else:
                keep[source] = rec  # documents outside this ingest's paths stay as they are

        if staging is None and not report.removed:
            report.generation = active.number if active else None
            report.chunks_total = self.store.count(active.chunks) if active else 0
            return report
        if staging is None:
            staging = self.store.stage()
        assert active is not None or not keep
        if active is not None and keep:
            self._copy_unchanged(active, staging, list(keep.values()))
        self.store.commit(staging)
        report.generation = staging.number
        report.chunks_total = self.store.count(staging.chunks)
        return report

    # -- pieces ------------------------------------------------------------------------

    def _registry(self, active: Generation | None) -> dict[str, dict[str, Any]]:
        if active is None:
            return {}
        got = self.store.get(active.docs, include=["metadatas"])
        return {m["source"]: dict(m) for m in got["metadatas"] if m}

    def _write_changed(self, docs: list[Document], active: Generation | None, staging: Generation,
                       report: IngestReport, ingested_at: str) -> None:
        chunks_by_doc = [self.chunker.chunk(doc) for doc in docs]
        all_chunks = [c for chunks in chunks_by_doc for c in chunks]
        reusable: dict[str, tuple[Any, str, dict[str, Any]]] = {}
        if active is not None and all_chunks:
            got = self.store.get(active.chunks, ids=[c.id for c in all_chunks], include=CHUNK_FIELDS)
            for i, cid in enumerate(got["ids"]):
                if got["metadatas"][i].get("embedding") == self.signature:  # same model, same recipe
                    reusable[cid] = (got["embeddings"][i], got["documents"][i], got["metadatas"][i])
        fresh = [c for c in all_chunks if c.id not in reusable]
        # One encode call for every new sentence and heading path: the model sees each text
        # once, batched by length; chunk vectors are composed from these.
        texts = sorted({s.embedding_text for c in fresh for s in c.sentences} | {c.heading_text for c in fresh})
        encoded = self.embedder.encode(texts) if texts else np.zeros((0, 1), dtype=np.float32)
        row = {text: i for i, text in enumerate(texts)}
        ids: list[str] = []
        embeddings: list[Any] = []
        documents: list[str] = []
        metadatas: list[dict[str, Any]] = []
        for doc, chunks in zip(docs, chunks_by_doc, strict=True):
            for chunk in dict((c.id, c) for c in chunks).values():
                ids.append(chunk.id)
                if chunk.id in reusable:
                    vector, text, meta = reusable[chunk.id]
                    embeddings.append(vector)
                    documents.append(text)
                    # The vectors are reused; what the document says about the chunk (its title, url,
                    # example questions) is read again, since a sidecar may have changed.
                    metadatas.append({**meta, "doc_hash": doc.content_hash, "title": chunk.title, "url": chunk.url,
                                      "questions": json.dumps(list(doc.questions.get(chunk.section, ())),
                                                              ensure_ascii=False)})
                    report.chunks_reused += 1
                    continue
                sent = encoded[[row[s.embedding_text] for s in chunk.sentences]]
                vector = compose_chunk_vector(sent, encoded[row[chunk.heading_text]], self.heading_weight)
                embeddings.append(vector)
                documents.append(chunk.text)
                metadatas.append({**chunk_record(chunk, doc, sent, ingested_at), "embedding": self.signature})
                report.chunks_embedded += 1
        if ids:
            self.store.add(staging.chunks, ids, embeddings, documents, metadatas)
        log.info("staged %d documents, %d chunks into generation %d", len(docs), len(ids), staging.number)
        records: list[dict[str, Any]] = [
            {
                "source": doc.source,
                "origin": doc.origin,
                "title": doc.title,
                "url": doc.url,
                "content_hash": doc.content_hash,
                "chunks": len({c.id for c in chunks}),
                "sections": len(doc.sections),
                "ingested_at": ingested_at,
            }
            for doc, chunks in zip(docs, chunks_by_doc, strict=True)
        ]
        self.store.add_registry(staging.docs, records, [registry_id(r["source"]) for r in records])

    def _copy_unchanged(self, active: Generation, staging: Generation, records: list[dict[str, Any]]) -> None:
        sources = [r["source"] for r in records]
        step = 200
        for i in range(0, len(sources), step):
            part = sources[i : i + step]
            got = self.store.get(active.chunks, where={"source": {"$in": part}}, include=CHUNK_FIELDS)
            if got["ids"]:
                self.store.add(staging.chunks, got["ids"], got["embeddings"], got["documents"], got["metadatas"])
        self.store.add_registry(staging.docs, records, [registry_id(s) for s in sources])
