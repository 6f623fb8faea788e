"""Labelled example questions as nearest neighbours: the sentence-relevance and answerability models
ask how close a patient's question is to questions whose answer is known.

MiniLM tells two wordings of one question apart from two different questions far better than it
tells whether a sentence answers a question; so the closest labelled question is strong evidence.
The examples are the training questions of assistant/training/ for the knowledge base being
served: answerable ones with the article sentences a judge marked as answering them
(judged/*_questions.yaml), and not-answerable ones. A judged question that is not an answerability
example still tells which sentence answers its wording; only the answerability examples count as
the nearest answerable or not-answerable question. A knowledge base with no labelled questions
(a clinic's own articles) simply has none: models fitted without the example features then decide
(relevance_without_examples.yaml, answerability_without_examples.yaml).

    examples = Examples.load(training_dir, "clinic", embed)
    examples.answering(sims, [sentence_text])   # closest answerable example answered by that sentence
    examples.votes(sims)[key(sentence_text)]    # share of the 10 nearest examples it answers
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from knowledge.embeddings import Vectors

Embed = Callable[[Sequence[str]], Vectors]
VOTERS = 10  # the nearest examples that vote on a question's answering sentence


def key(text: str) -> str:
    """A sentence's text as the examples index it (whitespace collapsed)."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Examples:
    questions: list[str] = field(default_factory=list)
    answerable: list[bool] = field(default_factory=list)
    matrix: Vectors = field(default_factory=lambda: np.zeros((0, 1), dtype=np.float32))
    by_sentence: dict[str, list[int]] = field(default_factory=dict)  # sentence text -> examples it answers
    # False for a judged question that is not a labelled answerability example: it tells which sentence
    # answers a wording (``answering``) but is not counted by ``nearest``
    counted: list[bool] = field(default_factory=list)
    answers_of: list[list[str]] = field(default_factory=list)  # example -> the sentences that answer it

    @property
    def present(self) -> bool:
        return bool(self.questions)

    @classmethod
    def load(cls, folder: Path, kb: str, embed: Embed) -> Examples:
        """The labelled questions of ``kb`` in ``folder`` (answerability *.jsonl, judged/)."""
        questions: dict[str, bool] = {}
        for path in sorted(folder.glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    row = json.loads(line)
                    if row.get("kb") == kb:
                        questions.setdefault(str(row["question"]), bool(row["answerable"]))
        answers: dict[str, list[str]] = {}
        judged = folder / "judged" / f"{kb}_questions.yaml"
        if judged.is_file():
            data = yaml.safe_load(judged.read_text(encoding="utf-8"))
            inventory = yaml.safe_load((folder.parent.parent / str(data["sentences"])).read_text(encoding="utf-8"))
            if "sentences" in inventory:
                number = {"": {int(s["n"]): key(str(s["text"])) for s in inventory["sentences"]}}
            else:
                number = {doc: {int(s["n"]): key(str(s["text"])) for s in sents}
                          for doc, sents in inventory["documents"].items()}
            for case in data["cases"]:
                texts = number.get(str(case.get("document", "")), number.get("", {}))
                answers[str(case["question"])] = [texts[n] for n in case.get("direct") or [] if n in texts]
        names = list(questions)
        counted = [True] * len(names)
        judged_only = [q for q, texts in answers.items() if q not in questions and texts]
        names += judged_only
        counted += [False] * len(judged_only)
        by_sentence: dict[str, list[int]] = {}
        for i, q in enumerate(names):
            for text in answers.get(q, []):
                by_sentence.setdefault(text, []).append(i)
        matrix = embed(names) if names else np.zeros((0, 1), dtype=np.float32)
        return cls(names, [questions.get(q, True) for q in names], matrix, by_sentence, counted,
                   [answers.get(q, []) for q in names])

    def similarities(self, vector: Vectors, below: float = 2.0) -> Vectors:
        """Cosine of the question to every example; those at or above ``below`` (training leaves
        out rewordings of its own question, as evaluation cases are kept below it) count as -1."""
        if not self.present:
            return np.zeros(0, dtype=np.float32)
        sims = self.matrix @ vector
        out: Vectors = np.where(sims < below, sims, -1.0).astype(np.float32)
        return out

    def nearest(self, sims: Vectors) -> tuple[float, float]:
        """(closest answerable example, closest not-answerable example); 0 when there is none."""
        if not len(sims):
            return 0.0, 0.0
        answerable, counted = np.array(self.answerable), np.array(self.counted or [True] * len(self.answerable))
        yes_mask, no_mask = answerable & counted, ~answerable & counted
        yes = float(sims[yes_mask].max()) if yes_mask.any() else 0.0
        no = float(sims[no_mask].max()) if no_mask.any() else 0.0
        return max(yes, 0.0), max(no, 0.0)

    def votes(self, sims: Vectors, k: int = VOTERS) -> dict[str, float]:
        """The ``k`` nearest examples' say on which sentence answers the question: each votes, in
        proportion to its cosine, for the sentences that answer it (sentence text -> share, summing
        to at most 1). Where ``answering`` asks how close the nearest example of one sentence is,
        this asks whether the question's neighbours agree on it."""
        if not len(sims):
            return {}
        near = np.argsort(-sims)[:k]
        weights = {int(i): float(sims[i]) for i in near if sims[i] > 0}
        total = sum(weights.values())
        out: dict[str, float] = {}
        for i, w in weights.items():
            for text in self.answers_of[i] if i < len(self.answers_of) else ():
                out[text] = out.get(text, 0.0) + w / total
        return out

    def answering(self, sims: Vectors, sentences: Sequence[str]) -> float:
        """The closest example answered by one of these sentences (0 when none is)."""
        best = 0.0
        for text in sentences:
            answered = self.by_sentence.get(key(text))
            if answered:
                best = max(best, float(sims[answered].max()))
        return best
