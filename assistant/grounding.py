"""Sentence-level grounding of a drafted answer against the passages it was written from."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from knowledge.bm25 import Terms
from knowledge.embeddings import Embedder
from knowledge.search import Passage
from knowledge.sentences import split_sentences

_MARKER = re.compile(r"\s*\[(\d+)\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


@dataclass(frozen=True)
class Grounded:
    kept: list[tuple[str, int]]  # (sentence without markers, passage index)
    dropped: list[tuple[str, str]]  # (sentence, reason)


def ground(draft: str, passages: list[Passage], embedder: Embedder, terms: Terms, *, min_cosine: float = 0.72,
           min_term_share: float = 0.6) -> Grounded:
    """Keep a sentence only when one passage sentence says nearly the same thing, its
    content words come from that passage, and every number in it is in that passage."""
    sentences = [s for s in split_sentences(draft.strip()) if _MARKER.sub("", s).strip()]
    kept: list[tuple[str, int]] = []
    dropped: list[tuple[str, str]] = []
    if not sentences or not passages:
        return Grounded(kept, [(s, "no passages") for s in sentences])
    bank = [(pi, v) for pi, p in enumerate(passages) for v in p.sentence_vectors]
    if not bank:
        return Grounded(kept, [(s, "no passage sentences") for s in sentences])
    owners = np.array([pi for pi, _ in bank])
    matrix = np.vstack([v for _, v in bank])
    clean = [_MARKER.sub("", s).strip() for s in sentences]
    vectors = embedder.encode(clean)
    for text, vector in zip(clean, vectors, strict=True):
        sims = matrix @ vector
        best = int(np.argmax(sims))
        owner = int(owners[best])
        passage_text = passages[owner].heading_path + " " + passages[owner].text
        said = set(terms(text))
        share = len(said & set(terms(passage_text))) / len(said) if said else 0.0
        numbers = [n for n in _NUMBER.findall(text) if n not in passage_text]
        if float(sims[best]) < min_cosine:
            dropped.append((text, f"no passage sentence says this (best cosine {float(sims[best]):.2f})"))
        elif share < min_term_share:
            dropped.append((text, f"only {share:.0%} of its words are in the passage"))
        elif numbers:
            dropped.append((text, f"numbers not in the passage: {', '.join(numbers)}"))
        else:
            kept.append((text, owner))
    return Grounded(kept, dropped)
