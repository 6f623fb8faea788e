"""Hybrid retrieval: dense (Chroma), BM25, and the example questions stored with the documents, fused
by weighted reciprocal rank fusion."""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from core.text import TextNormaliser, words
from knowledge.bm25 import BM25Index
from knowledge.embeddings import Embedder, Vectors, encode_singly, unpack_int8
from knowledge.expansion import QueryExpander
from knowledge.store import ChromaStore, Generation
from knowledge.types import Sentence

Mode = Literal["hybrid", "dense", "bm25"]


@dataclass
class Passage:
    chunk_id: str
    source: str
    title: str
    url: str
    section: str
    heading_path: str
    position: int
    text: str
    sentences: list[Sentence]
    sentence_vectors: Vectors
    questions: list[str] = field(default_factory=list)  # example questions its section answers (sidecar)
    dense: float = 0.0  # cosine similarity to the query
    dense_rank: int | None = None
    bm25: float = 0.0
    bm25_rank: int | None = None
    fused: float = 0.0

    def trace(self) -> dict[str, Any]:
        return {
            "chunk_id": self.chunk_id, "source": self.source, "section": self.section,
            "dense": round(self.dense, 4), "dense_rank": self.dense_rank,
            "bm25": round(self.bm25, 4), "bm25_rank": self.bm25_rank, "fused": round(self.fused, 5),
        }


@dataclass(frozen=True)
class QuestionBank:
    """The example questions stored with the documents (sidecar ``questions``), embedded: which
    section a patient's question is most like, in the patients' own words."""

    questions: list[str]
    chunks: list[list[str]]  # per question, the chunk ids of its section
    sections: list[str]  # per question, its section
    matrix: Vectors

    def by_section(self, vector: Vectors, below: float = 2.0) -> dict[str, float]:
        """Per section, the highest cosine of the query to one of its stored questions (only those
        under ``below``: training leaves out rewordings of its own question)."""
        out: dict[str, float] = {}
        if self.questions:
            for section, sim in zip(self.sections, (self.matrix @ vector).tolist(), strict=True):
                if sim < below:
                    out[section] = max(out.get(section, -1.0), float(sim))
        return out

    def best(self, vector: Vectors) -> tuple[float, int]:
        """(highest cosine to a stored question, its index); (0, -1) when there are none."""
        if not self.questions:
            return 0.0, -1
        sims = self.matrix @ vector
        i = int(np.argmax(sims))
        return float(sims[i]), i

    def ranked_chunks(self, vector: Vectors, k: int, floor: float = 0.5) -> list[tuple[str, float]]:
        """Chunks of the sections whose stored questions are nearest the query, best first; only
        questions at least ``floor`` similar count (a weak match says nothing, and would favour the
        documents that store questions over those that do not)."""
        if not self.questions:
            return []
        sims = self.matrix @ vector
        out: dict[str, float] = {}
        for i in np.argsort(-sims, kind="stable"):
            if sims[i] < floor:
                break
            for cid in self.chunks[int(i)]:
                out.setdefault(cid, float(sims[i]))
            if len(out) >= k:
                break
        return list(out.items())[:k]


@dataclass
class SearchResult:
    passages: list[Passage]
    query_vector: Vectors
    generation: int | None
    timings: dict[str, float] = field(default_factory=dict)
    expanded_query: str = ""
    terms: list[str] = field(default_factory=list)  # the query's content terms (stems)
    unknown: list[str] = field(default_factory=list)  # terms found nowhere in the index
    question_match: float = 0.0  # highest cosine to an example question stored with the documents
    has_questions: bool = False  # whether the documents store example questions at all
    section_questions: dict[str, float] = field(default_factory=dict)  # section -> that cosine for its questions
    idf: dict[str, float] = field(default_factory=dict)  # the index's inverse document frequencies


def passage_from(chunk_id: str, text: str, meta: dict[str, Any], dimension: int) -> Passage:
    raw = json.loads(str(meta.get("sentences", "[]")))
    packed = base64.b64decode(str(meta.get("sentence_vectors", "")))
    vectors = unpack_int8(packed, dimension) if packed else np.zeros((0, dimension), dtype=np.float32)
    return Passage(
        chunk_id=chunk_id, source=str(meta["source"]), title=str(meta["title"]), url=str(meta["url"]),
        section=str(meta["section"]), heading_path=str(meta.get("heading_path", "")),
        position=int(meta.get("position", 0)), text=text,
        sentences=[Sentence(t, label, kind) for t, label, kind in raw], sentence_vectors=vectors,
        questions=[str(q) for q in json.loads(str(meta.get("questions", "[]")))],
    )


class ExactDense:
    """Cosine similarity against every chunk vector: a matrix product, exact."""

    def __init__(self, ids: list[str], vectors: Any) -> None:
        self.ids = list(ids)
        matrix = np.asarray(vectors, dtype=np.float32).reshape(len(self.ids), -1)
        self.matrix = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)

    def top(self, vector: Vectors, k: int) -> list[tuple[str, float]]:
        scores = self.matrix @ np.asarray(vector, dtype=np.float32)
        k = min(k, len(self.ids))
        best = np.argpartition(-scores, k - 1)[:k] if k < len(self.ids) else np.arange(len(self.ids))
        ordered = best[np.argsort(-scores[best], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in ordered]


class HybridSearcher:
    def __init__(self, store: ChromaStore, embedder: Embedder, normaliser: TextNormaliser, *, k_dense: int = 20,
                 k_bm25: int = 20, rrf_k: int = 60, weight_dense: float = 1.0, weight_bm25: float = 1.0,
                 weight_questions: float = 1.0,
                 expander: QueryExpander | None = None, pointer_ttl: float = 1.0,
                 cache_size: int = 20_000, exact_dense_max: int = 20_000, expansion_weight: float = 1.0) -> None:
        self.normaliser = normaliser
        self.pointer_ttl = pointer_ttl
        self.cache_size = cache_size
        self._cache: dict[str, tuple[Passage, Vectors]] = {}
        self._cache_generation: int | None = None
        self.store = store
        self.expander = expander
        self.embedder = embedder
        self.k_dense, self.k_bm25, self.rrf_k = k_dense, k_bm25, rrf_k
        self.weight_dense, self.weight_bm25, self.weight_questions = weight_dense, weight_bm25, weight_questions
        self.exact_dense_max = exact_dense_max
        self.expansion_weight = expansion_weight
        self._phrases: dict[str, Vectors] = {}
        self._bm25: tuple[int, BM25Index] | None = None
        self._dense: tuple[int, ExactDense | None] | None = None
        self._bank: tuple[int, QuestionBank] | None = None
        self._question_vectors: dict[str, Vectors] = {}
        self._lock = threading.Lock()

    def _load(self, gen: Generation) -> None:
        """Per generation, once: the BM25 index over every chunk, the articles' words for the
        normaliser's spelling correction and, for a collection of up to ``exact_dense_max``
        chunks, the chunk vectors in memory for exact dense search (no round trip to Chroma per
        query, and exact rather than approximate neighbours)."""
        exact = 0 < self.store.count(gen.chunks) <= self.exact_dense_max
        include = ["documents", "metadatas", "embeddings"] if exact else ["documents", "metadatas"]
        got = self.store.get(gen.chunks, include=include)
        texts = [f"{m.get('heading_path', '')}\n{d}" for d, m in zip(got["documents"], got["metadatas"], strict=True)]
        self.normaliser.use_vocabulary({w for t in texts for w in words(t)})
        self._bm25 = (gen.number, BM25Index(got["ids"], texts, self.normaliser.terms))
        self._dense = (gen.number, ExactDense(got["ids"], got["embeddings"]) if exact else None)
        by_question: dict[str, list[str]] = {}
        section_of: dict[str, str] = {}
        for cid, meta in zip(got["ids"], got["metadatas"], strict=True):
            for question in json.loads(str(meta.get("questions", "[]"))):
                key = self.normaliser.normalise(str(question)).text
                by_question.setdefault(key, []).append(cid)
                section_of.setdefault(key, str(meta.get("section", "")))
        questions = list(by_question)
        # a question's vector is kept across generations: a reindex that changes one article embeds
        # only the questions that are new, instead of stalling the first request of every process
        # on embedding them all again (the first load embeds them all in one call, as before)
        new = [q for q in questions if q not in self._question_vectors]
        if new:
            self._question_vectors.update(zip(new, self.embedder.encode(new), strict=True))
        matrix = np.stack([self._question_vectors[q] for q in questions]) if questions else \
            np.zeros((0, 1), dtype=np.float32)
        self._question_vectors = {q: self._question_vectors[q] for q in questions}  # only this generation's
        self._bank = (gen.number, QuestionBank(questions, [by_question[q] for q in questions],
                                               [section_of[q] for q in questions], matrix))

    def bank_for(self, gen: Generation) -> QuestionBank:
        with self._lock:
            if self._bank is None or self._bank[0] != gen.number:
                self._load(gen)
            assert self._bank is not None
            return self._bank[1]

    def bm25_for(self, gen: Generation) -> BM25Index:
        with self._lock:
            if self._bm25 is None or self._bm25[0] != gen.number:
                self._load(gen)
            assert self._bm25 is not None
            return self._bm25[1]

    def dense_for(self, gen: Generation) -> ExactDense | None:
        with self._lock:
            if self._dense is None or self._dense[0] != gen.number:
                self._load(gen)
            assert self._dense is not None
            return self._dense[1]

    def warm_up(self) -> None:
        """Before the first question: load the active generation's indexes and embed every
        expansion phrase once, in one batch."""
        gen = self.store.active()
        if gen is not None:
            self.bm25_for(gen)
        phrases = [p for p in (self.expander.phrases() if self.expander else []) if p not in self._phrases]
        if phrases:
            vectors = encode_singly(self.embedder, phrases)
            with self._lock:
                self._phrases.update(zip(phrases, vectors, strict=True))

    def prepare(self) -> None:
        """The active generation's indexes loaded (and the articles' words given to the normaliser),
        before a message is read: cheap once loaded (the pointer read is reused for pointer_ttl)."""
        gen = self.store.active(max_age=self.pointer_ttl)
        if gen is not None:
            self.bm25_for(gen)

    def retrieval_vector(self, query: str, query_vector: Vectors) -> Vectors:
        """The dense query: the query's own vector plus ``expansion_weight`` times the mean vector
        of the article phrases its synonym rules add (each phrase embedded once, then cached). It
        works like embedding the expanded text (measured on the clinic sets: same pass rates) but
        costs no second model call per question."""
        added = self.expander.added(query) if self.expander else []
        if not added or not self.expansion_weight:
            return query_vector
        missing = [a for a in added if a not in self._phrases]
        if missing:
            fresh = encode_singly(self.embedder, missing)
            with self._lock:
                self._phrases.update(zip(missing, fresh, strict=True))
        combined = query_vector + self.expansion_weight * np.mean([self._phrases[a] for a in added], axis=0)
        out: Vectors = (combined / max(float(np.linalg.norm(combined)), 1e-12)).astype(np.float32)
        return out

    def expand(self, query: str) -> tuple[str, list[str]]:
        """The query with the synonym file's article words added, and the phrases that matched."""
        return self.expander.expand(query) if self.expander else (query, [])

    def search(self, query: str, k: int = 5, *, mode: Mode = "hybrid", query_vector: Vectors | None = None,
               expansion: tuple[str, list[str]] | None = None) -> SearchResult:
        """``query_vector`` and ``expansion``, when given, are those of this query, computed by the caller."""
        timings: dict[str, float] = {}
        started = time.perf_counter()
        expanded, matched = expansion or self.expand(query)
        if query_vector is None:  # a caller that embedded the query already has timed it
            query_vector = self.retrieval_vector(query, self.embedder.encode([query])[0])
            timings["embed_ms"] = (time.perf_counter() - started) * 1000
        result = self.store.read_active(
            lambda gen: self._search(gen, expanded, k, mode, query_vector, timings), max_age=self.pointer_ttl
        )
        terms = self.normaliser.terms(query)
        if result is None:
            return SearchResult([], query_vector, None, timings, expanded, terms, terms)
        result.expanded_query = expanded
        result.terms = terms
        index = self._bm25[1] if self._bm25 else None
        explained = set(self.normaliser.terms(" ".join(matched)))  # patients' words the synonyms file maps
        result.unknown = [t for t in terms if t not in explained and (index is None or not index.covers(t))]
        bank = self._bank[1] if self._bank else None
        if bank is not None and bank.questions:
            result.question_match, result.has_questions = bank.best(query_vector)[0], True
            result.section_questions = bank.by_section(query_vector)
        result.idf = index.idf if index is not None else {}
        return result

    def _search(self, gen: Generation, query: str, k: int, mode: Mode, vector: Vectors,
                timings: dict[str, float]) -> SearchResult:
        t0 = time.perf_counter()
        dense: list[tuple[str, float]] = []
        if mode in ("hybrid", "dense"):
            exact = self.dense_for(gen)
            if exact is not None:
                dense = exact.top(vector, self.k_dense)
            else:
                got = self.store.query(gen.chunks, vector.tolist(), self.k_dense, include=("distances",))
                dense = [(cid, 1.0 - float(d)) for cid, d in zip(got["ids"], got["distances"], strict=True)]
        t1 = time.perf_counter()
        bm25 = self.bm25_for(gen)  # also the vocabulary for the coverage check
        lexical = bm25.top(query, self.k_bm25) if mode in ("hybrid", "bm25") else []
        asked = self.bank_for(gen).ranked_chunks(vector, self.k_dense) if mode == "hybrid" else []
        t2 = time.perf_counter()
        fused: dict[str, float] = {}
        for rank, (cid, _) in enumerate(dense, start=1):
            fused[cid] = self.weight_dense / (self.rrf_k + rank)
        for rank, (cid, _) in enumerate(lexical, start=1):
            fused[cid] = fused.get(cid, 0.0) + self.weight_bm25 / (self.rrf_k + rank)
        for rank, (cid, _) in enumerate(asked, start=1):  # sections whose example questions match
            fused[cid] = fused.get(cid, 0.0) + self.weight_questions / (self.rrf_k + rank)
        best = sorted(fused, key=lambda c: -fused[c])[:k]
        cached = self._cached(gen, best, int(vector.shape[0]))
        dense_at = {cid: (rank, score) for rank, (cid, score) in enumerate(dense, start=1)}
        bm25_at = {cid: (rank, score) for rank, (cid, score) in enumerate(lexical, start=1)}
        out = []
        for cid in best:
            if cid not in cached:
                continue
            template, chunk_vector = cached[cid]
            p = replace(template, fused=fused[cid])
            if cid in dense_at:
                p.dense_rank, p.dense = dense_at[cid]
            else:
                p.dense = float(np.dot(chunk_vector, vector))
            if cid in bm25_at:
                p.bm25_rank, p.bm25 = bm25_at[cid]
            out.append(p)
        t3 = time.perf_counter()
        timings.update(dense_ms=(t1 - t0) * 1000, bm25_ms=(t2 - t1) * 1000, fuse_ms=(t3 - t2) * 1000)
        return SearchResult(out, vector, gen.number, timings)

    def _cached(self, gen: Generation, ids: list[str], dim: int) -> dict[str, tuple[Passage, Vectors]]:
        """Parsed passages by chunk id, kept per generation: texts, sentences and vectors
        are decoded once, not on every query."""
        with self._lock:
            if self._cache_generation != gen.number:
                self._cache.clear()
                self._cache_generation = gen.number
            found = {cid: self._cache[cid] for cid in ids if cid in self._cache}
        missing = [cid for cid in ids if cid not in found]
        if missing:
            got = self.store.get(gen.chunks, ids=missing, include=["documents", "metadatas", "embeddings"])
            fresh = {
                cid: (passage_from(cid, text, meta, dim), np.asarray(emb, dtype=np.float32))
                for cid, text, meta, emb in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"],
                                                strict=True)
            }
            with self._lock:
                if len(self._cache) + len(fresh) > self.cache_size:
                    self._cache.clear()
                self._cache.update(fresh)
            found.update(fresh)
        return found
