"""Hybrid search: the in-memory exact dense index agrees with Chroma, and the dense query vector
composed from cached expansion phrases needs no second model call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import yaml

from assistant.settings import PACKAGE_ROOT
from assistant.wiring import Services
from knowledge.embeddings import Embedder, Vectors

QUESTIONS = [c["turns"][0] for c in yaml.safe_load(
    (PACKAGE_ROOT / "evals" / "sets" / "clinic_faq.yaml").read_text())["cases"]][:20]


class Counting:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.texts: list[str] = []

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.texts.extend(texts)
        return self.inner.encode(texts)


def test_exact_dense_search_ranks_and_scores_like_chroma(clinic_services: Services,
                                                         make_services: Callable[..., Services],
                                                         docs_dir: Path) -> None:
    gen = clinic_services.store.active()
    assert gen is not None
    exact = clinic_services.searcher.dense_for(gen)
    assert exact is not None and exact.matrix.shape[0] == clinic_services.store.count(gen.chunks)
    for question in QUESTIONS:
        vector = clinic_services.embedder.encode([question])[0]
        got = clinic_services.store.query(gen.chunks, vector.tolist(), 10, include=("distances",))
        mine = exact.top(vector, 10)
        assert [cid for cid, _ in mine] == got["ids"]
        assert np.allclose([s for _, s in mine], [1 - d for d in got["distances"]], atol=1e-4)
    # with the in-memory index switched off, Chroma answers and the search result is the same
    chroma = make_services(docs_dir=docs_dir, exact_dense_max_chunks=0)
    assert chroma.searcher.dense_for(gen) is None
    for question in QUESTIONS[:5]:
        a = [p.chunk_id for p in clinic_services.searcher.search(question).passages]
        b = [p.chunk_id for p in chroma.searcher.search(question).passages]
        assert a == b


def test_the_dense_query_adds_cached_expansion_phrases(clinic_services: Services) -> None:
    searcher = clinic_services.searcher
    plain = clinic_services.embedder.encode(["what is fibrin"])[0]
    assert searcher.retrieval_vector("what is fibrin", plain) is plain  # no rule matched: the query alone
    question = "Do I have to stay overnight?"
    vector = clinic_services.embedder.encode([question])[0]
    composed = searcher.retrieval_vector(question, vector)
    assert abs(float(np.linalg.norm(composed)) - 1) < 1e-5 and float(composed @ vector) < 0.999
    # it points towards the article's words, as embedding the expanded text would
    expanded = clinic_services.embedder.encode([searcher.expand(question)[0]])[0]
    assert float(composed @ expanded) > float(vector @ expanded)


def test_a_question_costs_one_embedding_after_warm_up(make_services: Callable[..., Services], docs_dir: Path,
                                                      embedder: Embedder) -> None:
    counting = Counting(embedder)
    svc = make_services(docs_dir=docs_dir)
    svc.__dict__["embedder"] = counting
    svc.ingestor.ingest([docs_dir], progress=False)
    svc.warm_up()
    counting.texts.clear()
    first = svc.assistant.ask("Is the procedure painful?")  # a synonym rule applies
    assert first.action == "answer" and counting.texts == ["Is the procedure painful?"]
    counting.texts.clear()
    # a follow-up: the message, the conversation read together for red flags, the reading in context
    follow = svc.assistant.ask("how long does it take to work?", first.session_id)
    assert follow.trace is not None and len(follow.trace["readings"]) == 2 and len(counting.texts) == 3
