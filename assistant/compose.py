"""The offline composer: a short, cited answer built from the retrieved passages' own sentences.

Grounded by construction: every sentence of the answer is a sentence (or a list lead-in with
its items) of a passage, reproduced verbatim and followed by its citation marker.

Which sentences: a sentence-relevance model (a logistic regression, assistant/relevance.yaml,
trained by `faq train --answerability` on training questions whose answering sentences a judge
marked) gives each candidate the probability that it answers the question, from the sentence's
similarity to the question, the words they share (weighted by how rare they are in the index),
its passage's relevance, and how close the question is to the example questions stored for its
section. The answer is the best sentence and every other one near it in probability. For a
knowledge base with no labelled examples (assistant/examples.py), a second model fitted on the same
candidates without the example features scores them (relevance_without_examples.yaml).
Scoring reuses the sentence vectors computed at ingest, so a query costs arithmetic only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from assistant.examples import Examples, key
from assistant.linear import LinearModel
from knowledge.bm25 import Terms
from knowledge.embeddings import Vectors
from knowledge.search import Passage
from knowledge.types import Sentence

# A sentence that opens with one of these leans on the sentence before it.
_DANGLING = re.compile(
    r"^(?:[^.;]{0,90}?,\s+)?(this|these|that|those|it|its|it's|they|their|them|such|both|he|she|his|her|"
    r"others|however|therefore|thus|also|additionally|in addition|instead|unlike this|as a result|"
    r"because of this)\b|^for others\b",
    re.IGNORECASE,
)
_PART_SPLIT = re.compile(r"\?|\b(?:and also|and|or|vs\.?|versus|compared (?:to|with)|as well as|plus)\b|,|;",
                         re.IGNORECASE)
_TERMINAL = (".", "!", "?", "…")
MIN_WORDS = 5
MAX_LEAN = 2  # a quote reaches at most this many sentences back for what its first sentence leans on
CANDIDATE_FEATURES = ("cosine", "cosine_rank", "lexical", "lexical_idf", "passage_dense", "passage_rank",
                      "section_question", "is_list", "leans_back", "example_match", "has_examples", "example_vote")
EXAMPLE_FEATURES = ("example_match", "has_examples", "example_vote")  # read only where there are examples
# The model also reads every pairwise product (and square) of the candidate features, so that how much one
# counts can depend on another: the examples' vote need not weigh the same for a sentence that matches the
# question's words and for one that does not (has_examples, constant within a knowledge base, takes no part).
_PAIRED = [i for i, f in enumerate(CANDIDATE_FEATURES) if f != "has_examples"]
_PAIRS = [(i, j) for a, i in enumerate(_PAIRED) for j in _PAIRED[a:]]
RELEVANCE_FEATURES = CANDIDATE_FEATURES + tuple(f"{CANDIDATE_FEATURES[i]}*{CANDIDATE_FEATURES[j]}" for i, j in _PAIRS)
EXAMPLE_RELEVANCE_FEATURES = tuple(f for f in RELEVANCE_FEATURES if any(e in f.split("*") for e in EXAMPLE_FEATURES))


def relevance_rows(candidates: np.ndarray) -> np.ndarray:
    """Rows of CANDIDATE_FEATURES -> rows of RELEVANCE_FEATURES (the features, then their products)."""
    left, right = zip(*_PAIRS, strict=True)
    return np.hstack([candidates, candidates[:, list(left)] * candidates[:, list(right)]])


@dataclass(frozen=True)
class ComposerSettings:
    """How an answer is put together. The values come from Settings (assistant/settings.py), the
    one place each default lives; the figures behind them are in benchmarks/answers_bench.py."""

    max_sentences: int
    passages: int
    sentence_floor: float  # no sentence less likely than this to answer the question is quoted
    keep_share: float  # every further sentence is at least this share as likely as the best one
    duplicate_cosine: float = 0.92


@dataclass(frozen=True)
class Asked:
    """The question as the composer needs it: its text and vector, the index's inverse document
    frequencies, and per section how close it is to that section's stored example questions."""

    question: str
    vector: Vectors
    idf: dict[str, float] = field(default_factory=dict)
    section_questions: dict[str, float] = field(default_factory=dict)
    example_sims: Vectors | None = None  # cosine to each labelled example question (assistant/examples.py)


@dataclass
class Unit:
    """One answerable piece of a passage: a sentence, with the sentence it leans on, or a
    list lead-in with the items chosen from its list (``indices`` into its sentences)."""

    passage: int
    indices: list[int]
    sentences: list[Sentence]  # the passage's sentences
    all_vectors: Vectors  # the passage's sentence vectors
    score: float  # the probability that it answers the question
    terms: set[str] = field(default_factory=set)
    features: list[float] = field(default_factory=list)
    unvoted: float = 0.0  # the same probability with the example vote left neutral

    @property
    def parts(self) -> list[Sentence]:
        return [self.sentences[i] for i in self.indices]

    @property
    def vectors(self) -> Vectors:
        return self.all_vectors[self.indices]

    @property
    def index(self) -> int:
        return self.indices[-1]

    @property
    def is_list(self) -> bool:
        return len(self.indices) > 1 and self.parts[0].text.endswith(":")

    def text(self) -> str:
        parts = self.parts
        if self.is_list:
            lead, items = parts[0].text, [_as_item(p.text) for p in parts[1:]]
            joined = "; ".join(items[:-1]) + ("; and " if len(items) > 1 else "") + items[-1]
            return f"{lead} {joined}."
        return " ".join(p.text for p in parts)


@dataclass
class Draft:
    sentences: list[tuple[str, int]]  # (text, passage index)
    best_score: float
    units: list[Unit]

    @property
    def unvoted_best(self) -> float:
        """What answerability reads: the likeliest sentence's probability, the examples' vote left out."""
        return max((u.unvoted for u in self.units), default=0.0)

    @property
    def empty(self) -> bool:
        return not self.sentences


def _as_item(text: str) -> str:
    text = text.rstrip(".;, ")
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        text = text[0].lower() + text[1:]
    return text


def _is_fragment(sentence: Sentence) -> bool:
    return sentence.kind in ("item", "step") and not sentence.text.endswith(_TERMINAL)


def question_parts(question: str, terms: Terms) -> list[set[str]]:
    """Content terms of each part of a multi-part or comparison question."""
    parts = [set(terms(p)) for p in _PART_SPLIT.split(question) if p and p.strip()]
    return [p for p in parts if p]


class ExtractiveComposer:
    def __init__(self, settings: ComposerSettings, terms: Terms, relevance: LinearModel, examples: Examples,
                 without_examples: LinearModel, cache_size: int = 50_000) -> None:
        self.settings = settings
        self.terms = terms
        self.relevance = relevance  # reads the nearest labelled examples
        self.without_examples = without_examples  # for a knowledge base with no labelled examples
        self.examples = examples
        self._candidates_by_chunk: dict[str, list[tuple[int, list[int], set[str]]]] = {}
        self._terms_by_chunk: dict[str, set[str]] = {}
        self._cache_size = cache_size

    def passage_terms(self, passage: Passage) -> set[str]:
        """The terms of a passage's heading path and text (cached by chunk id, which hashes the text)."""
        found = self._terms_by_chunk.get(passage.chunk_id)
        if found is None:
            if len(self._terms_by_chunk) >= self._cache_size:
                self._terms_by_chunk.clear()
            found = self._terms_by_chunk[passage.chunk_id] = set(self.terms(f"{passage.heading_path} {passage.text}"))
        return found

    def _candidates(self, passage: Passage) -> list[tuple[int, list[int], set[str]]]:
        """The passage's answer candidates (sentence index, the sentences shown, their terms):
        independent of the question, so worked out once per chunk (chunk ids hash the text)."""
        found = self._candidates_by_chunk.get(passage.chunk_id)
        if found is not None:
            return found
        sentences = passage.sentences
        out: list[tuple[int, list[int], set[str]]] = []
        for i, sentence in enumerate(sentences):
            text = sentence.text
            if text.endswith(":") or (len(text.split()) < MIN_WORDS and not _is_fragment(sentence)):
                continue  # lead-ins and scraps are never answers on their own
            indices = [i]
            if _DANGLING.match(text):
                # back to the sentence it leans on, which may lean on the one before it in turn ("PRP
                # concentrates... It has shown value... Its limitation..."): never a quote opening on "It"
                start = i
                while start > 0 and i - start < MAX_LEAN and _DANGLING.match(sentences[start].text) \
                        and not sentences[start - 1].text.endswith(":"):
                    start -= 1
                if _DANGLING.match(sentences[start].text):
                    continue  # its referent is not in this passage
                indices = list(range(start, i + 1))
            elif _is_fragment(sentence):
                lead = next((j for j in range(i - 1, -1, -1) if sentences[j].text.endswith(":")), None)
                if lead is None:
                    continue
                indices = [lead, i]
            terms = set(self.terms(" ".join(f"{sentences[j].label} {sentences[j].text}" for j in indices)))
            out.append((i, indices, terms))
        if len(self._candidates_by_chunk) >= self._cache_size:
            self._candidates_by_chunk.clear()
        self._candidates_by_chunk[passage.chunk_id] = out
        return out

    def units(self, asked: Asked, passages: list[Passage]) -> list[Unit]:
        """Every answer candidate of the top passages with its features and its probability of
        answering the question, most likely first."""
        s = self.settings
        q_terms = set(self.terms(asked.question))
        weight = sum(asked.idf.get(t, 0.0) for t in q_terms)
        units: list[Unit] = []
        reads_examples = asked.example_sims is not None and len(asked.example_sims) > 0
        model = self.relevance if reads_examples else self.without_examples
        votes = self.examples.votes(asked.example_sims) if asked.example_sims is not None else {}
        for p_idx, passage in enumerate(passages[: s.passages]):
            sentences = passage.sentences
            if not sentences or len(passage.sentence_vectors) != len(sentences):
                continue
            sims = passage.sentence_vectors @ asked.vector
            for i, indices, terms in self._candidates(passage):
                shared = q_terms & terms
                features = [
                    float(sims[i]), 0.0,
                    len(shared) / len(q_terms) if q_terms else 0.0,
                    sum(asked.idf.get(t, 0.0) for t in shared) / weight if weight else 0.0,
                    passage.dense, 1.0 / (1 + p_idx),
                    asked.section_questions.get(passage.section, 0.0),
                    1.0 if len(indices) > 1 and sentences[indices[0]].text.endswith(":") else 0.0,
                    1.0 if len(indices) > 1 and not sentences[indices[0]].text.endswith(":") else 0.0,
                    self.examples.answering(asked.example_sims, [sentences[j].text for j in indices])
                    if asked.example_sims is not None else 0.0,
                    1.0 if reads_examples else 0.0,
                    max(votes.get(key(sentences[j].text), 0.0) for j in indices),
                ]
                units.append(Unit(p_idx, indices, sentences, passage.sentence_vectors, 0.0, terms, features))
        order = sorted(range(len(units)), key=lambda k: -units[k].features[0])
        for rank, k in enumerate(order):
            units[k].features[1] = 1.0 / (1 + rank)
        matrix = np.array([u.features for u in units], dtype=np.float64).reshape(len(units), len(CANDIDATE_FEATURES))
        # Answerability reads the likeliest sentence's probability without the nearest examples'
        # vote: the vote picks between a section's sentences, splitting its weight among the ones
        # answering a question and so lowering the best, which would read as "not answerable".
        unvoted = matrix.copy()
        at = CANDIDATE_FEATURES.index("example_vote")
        unvoted[:, at] = model.mean[at]
        for unit, p, q in zip(units, model.probabilities(relevance_rows(matrix)).tolist(),
                              model.probabilities(relevance_rows(unvoted)).tolist(), strict=True):
            unit.score, unit.unvoted = float(p), float(q)
        units.sort(key=lambda u: -u.score)
        return units

    def compose(self, asked: Asked, passages: list[Passage]) -> Draft:
        """The most likely sentence, then every other one at least ``keep_share`` as likely (and
        over ``sentence_floor``); each part of a multi-part question gets its own best sentence."""
        s = self.settings
        units = self.units(asked, passages)
        if not units or units[0].score < s.sentence_floor:
            return Draft([], units[0].score if units else 0.0, units)
        best = units[0].score
        floor = max(s.sentence_floor, s.keep_share * best)
        chosen: list[Unit] = []

        def room() -> int:
            return s.max_sentences - sum(1 + (len(u.indices) - 1) // 3 if u.is_list else len(u.indices)
                                         for u in chosen)

        def add(unit: Unit) -> bool:
            if room() <= 0:
                return False
            if self._merge(unit, chosen):
                return True
            if self._duplicate(unit, chosen):
                return False
            chosen.append(unit)
            return True

        add(units[0])
        for unit in units[1:]:
            if unit.score < floor:
                break
            add(unit)
        # Each part of a comparison or multi-part question gets its own best sentence.
        parts = question_parts(asked.question, self.terms)
        if len(parts) > 1:
            for terms in parts:
                distinct = terms - set().union(*(p for p in parts if p is not terms))
                if not distinct or any(distinct & u.terms for u in chosen):
                    continue
                match = next((u for u in units if distinct & u.terms and u.score >= s.sentence_floor), None)
                if match is not None:
                    add(match)
        head, rest = chosen[0], sorted(chosen[1:], key=lambda u: (passages[u.passage].source,
                                                                  passages[u.passage].position, u.index))
        ordered = [head, *rest]
        return Draft([(u.text(), u.passage) for u in ordered], best, units)

    def _duplicate(self, unit: Unit, chosen: list[Unit]) -> bool:
        own = unit.all_vectors[[unit.index]]
        for other in chosen:
            if unit.parts[-1].text in {p.text for p in other.parts}:
                return True
            if float(np.max(own @ other.vectors.T)) >= self.settings.duplicate_cosine:
                return True
        return False

    @staticmethod
    def _merge(unit: Unit, chosen: list[Unit]) -> bool:
        """A unit overlapping one already chosen from the same passage extends it instead:
        list items join their list's quote, a sentence joins the sentence it leans on."""
        for other in chosen:
            if other.passage != unit.passage or other.is_list != unit.is_list:
                continue
            if (unit.is_list and other.indices[0] == unit.indices[0]) or (
                not unit.is_list and set(unit.indices) & set(other.indices)
            ):
                other.indices = sorted({*other.indices, *unit.indices})
                return True
        return False
