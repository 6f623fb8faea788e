"""What `faq train` does beyond the message classifier (guardrails/fit.py): the fact-kind model
(assistant/facts.py: which clinic fact a question asks for, an answerability feature), the
sentence-relevance model and the answerability model, small logistic models kept as reviewable files.

Both learn from questions for two knowledge bases (assistant/training/): the clinic's shipped
article (knowledge/docs/) and the MedQuAD spine corpus (evals/knowledge/medquad_spine/). Each
question goes through the real pipeline (normalise, embed, retrieve, compose) against its own
knowledge base.
- relevance (assistant/relevance.yaml): every answer candidate of the retrieved passages, labelled
  by whether a judge marked one of its sentences as answering the question
  (assistant/training/judged/*_questions.yaml);
- answerability (assistant/answerability.yaml): the features of what was found, labelled
  answerable or not (assistant/training/*.jsonl).
Each is fitted twice: with the nearest labelled examples' features, and without them
(*_without_examples.yaml) for a knowledge base with no labelled examples (assistant/examples.py).
As for an evaluation question (evals/overlap.py keeps training below core.text.REWORDING_COSINE), an example
question stored with a document is not counted when it is a rewording of the training question.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from assistant.answer import Found, check_input
from assistant.answerability import EXAMPLE_FEATURES, FEATURES, Evidence, fit, training_hash
from assistant.compose import EXAMPLE_RELEVANCE_FEATURES, RELEVANCE_FEATURES, Asked, relevance_rows
from assistant.facts import NONE, FactKinds
from assistant.facts import fit as fit_fact_kinds
from assistant.linear import LinearModel, fit_logistic, without_examples
from assistant.settings import PACKAGE_ROOT
from assistant.trace import Trace
from assistant.wiring import Services
from core.errors import ConfigError
from core.text import REWORDING_COSINE
from knowledge.embeddings import EmbeddingCache
from knowledge.search import QuestionBank

KNOWLEDGE = {"clinic": PACKAGE_ROOT / "knowledge" / "docs",
             "medquad_spine": PACKAGE_ROOT / "evals" / "knowledge" / "medquad_spine"}
Say = Callable[[str], None]
PLAIN_RELEVANCE = [f for f in RELEVANCE_FEATURES if f not in EXAMPLE_RELEVANCE_FEATURES]


def json_lines(folder: Path) -> Iterator[tuple[str, int, str, dict[str, Any]]]:
    """(file name, line number, raw line, parsed row) for every line of the folder's *.jsonl files."""
    for path in sorted(folder.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise ConfigError(f"{path.name}:{number}: not valid JSON: {exc}") from None
            if not isinstance(row, dict):
                raise ConfigError(f"{path.name}:{number}: not a JSON object")
            yield path.name, number, line, row


def load_questions(folder: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Every labelled question of the folder's *.jsonl files, and their raw lines (for the hash)."""
    rows: list[dict[str, Any]] = []
    lines: list[str] = []
    for name, number, line, row in json_lines(folder):
        if row.get("kb") not in KNOWLEDGE or not isinstance(row.get("answerable"), bool):
            raise ConfigError(f"{name}:{number}: needs kb (one of {sorted(KNOWLEDGE)}) and answerable")
        if not isinstance(row.get("calibrate", True), bool):
            raise ConfigError(f"{name}:{number}: calibrate must be true or false")
        rows.append(row)
        lines.append(line)
    if not rows:
        raise ConfigError(f"no answerability questions (*.jsonl) in {folder}")
    return rows, lines


def recipe(services: Services) -> str:
    """Everything that shapes the features: a change means the models must be trained again."""
    s = services.settings
    return (f"a3|{services.embedding_signature}|k{s.k_dense},{s.k_bm25},{s.rrf_k}|"
            f"w{s.weight_dense},{s.weight_bm25},{s.weight_questions},{s.expansion_weight}|p{s.passages}|"
            f"m{s.max_false_answers},{s.suggest_recall}")


def judged_files(services: Services) -> list[Path]:
    return sorted((services.settings.answerability_training / "judged").glob("*.yaml"))


def trained_on(services: Services) -> str:
    _, lines = load_questions(services.settings.answerability_training)
    judged = [p.read_text(encoding="utf-8") for p in judged_files(services)]
    judged += [p.read_text(encoding="utf-8")
               for p in sorted((services.settings.answerability_training / "fact_kinds").glob("*.jsonl"))]
    return training_hash(lines + judged, recipe(services))


class Reader:
    """One knowledge base indexed for training, and its questions read through the pipeline."""

    def __init__(self, services: Services, kb: str) -> None:
        folder = KNOWLEDGE[kb]
        self.services = services.with_knowledge(folder, f"train-{kb}", examples=kb)
        report = self.services.ingestor.ingest([folder], progress=False)
        if not report.succeeded:
            raise ConfigError(f"cannot index {folder}: {report.summary()}")
        self.services.searcher.prepare()
        gen = self.services.store.active()
        self.bank: QuestionBank | None = self.services.searcher.bank_for(gen) if gen is not None else None

    def find(self, question: str) -> tuple[Found, Asked]:
        svc = self.services
        message = svc.guardrails.read(check_input(question, svc.policy, 10_000))
        found = svc.assistant.find(message, svc.assistant.readings(message, [])[0], Trace())
        examples = svc.examples
        sims = examples.similarities(message.vector, REWORDING_COSINE)  # never its own question or a rewording
        yes, no = examples.nearest(sims)
        asked = replace(found.asked, example_sims=sims)
        values = {**found.evidence.values, "example_answerable": yes, "example_unanswerable": no}
        if self.bank is not None and self.bank.questions:
            near = self.bank.matrix @ message.vector
            values["question_match"] = float(near[near < REWORDING_COSINE].max()) if (near < REWORDING_COSINE).any() else 0.0
            asked = replace(asked, section_questions=self.bank.by_section(message.vector, REWORDING_COSINE))
        # the likeliest sentence as answerability sees it (compose.Draft.unvoted_best)
        units = svc.composer.units(asked, found.passages)
        values["relevance_top"] = max((u.unvoted for u in units), default=0.0)
        return replace(found, evidence=Evidence(values), asked=asked), asked

    def without_examples(self, found: Found) -> Evidence:
        """The same question's evidence as a knowledge base with no labelled examples gives it: the
        example features 0, the likeliest sentence by the relevance model without them."""
        units = self.services.composer.units(replace(found.asked, example_sims=None), found.passages)
        return Evidence({**found.evidence.values, "example_answerable": 0.0, "example_unanswerable": 0.0,
                         "has_examples": 0.0, "relevance_top": max((u.unvoted for u in units), default=0.0)})


def _numbers(inventory: list[dict[str, Any]]) -> dict[str, int]:
    return {" ".join(str(s["text"]).split()): int(s["n"]) for s in inventory}


def train_relevance(services: Services, say: Say) -> LinearModel:
    rows: list[list[float]] = []
    labels: list[bool] = []
    groups: list[int] = []
    folder = services.settings.answerability_training / "judged"
    for kb in KNOWLEDGE:
        path = folder / f"{kb}_questions.yaml"
        if not path.is_file():
            raise ConfigError(f"no judged questions for {kb} at {path}")
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        inventory = yaml.safe_load((PACKAGE_ROOT / str(data["sentences"])).read_text(encoding="utf-8"))
        by_doc = ({"": _numbers(inventory["sentences"])} if "sentences" in inventory
                  else {doc: _numbers(sents) for doc, sents in inventory["documents"].items()})
        reader = Reader(services, kb)
        say(f"relevance: {kb}: {len(data['cases'])} judged questions")
        for case in data["cases"]:
            direct = set(case.get("direct") or [])
            if not direct:
                continue
            found, asked = reader.find(str(case["question"]))
            units = reader.services.composer.units(asked, found.passages)
            doc = str(case.get("document", ""))
            numbers = by_doc.get(doc, by_doc.get("", {}))
            group = len(set(groups))
            for unit in units:
                source = found.passages[unit.passage].source
                mine = not doc or source == doc
                hit = mine and any(numbers.get(" ".join(p.text.split())) in direct for p in unit.parts)
                rows.append(unit.features)
                labels.append(hit)
                groups.append(group)
    x = relevance_rows(np.array(rows, dtype=np.float64))
    y = np.array(labels)
    g = np.array(groups, dtype=np.int64)
    fitted = []
    for path, use in ((services.settings.relevance_file, None),
                      (without_examples(services.settings.relevance_file), PLAIN_RELEVANCE)):
        model, oof = fit_logistic(x, y, RELEVANCE_FEATURES, groups=g, use=use)
        top_right = []
        for group in np.unique(g):
            idx = np.nonzero(g == group)[0]
            top_right.append(bool(y[idx[int(np.argmax(oof[idx]))]]))
        metrics = {"questions": len(np.unique(g)), "candidates": len(y), "answering": int(y.sum()),
                   "cross_validated_top_answers": round(float(np.mean(top_right)), 4)}
        fitted.append(LinearModel(model.features, model.mean, model.scale, model.coef, model.intercept, {},
                                  trained_on(services), metrics))
        path.write_text(fitted[-1].to_yaml("`faq train --answerability` (assistant/train.py)"), encoding="utf-8")
    return fitted[0]


def train_answerability(services: Services, say: Say) -> LinearModel:
    s = services.settings
    questions, _ = load_questions(s.answerability_training)
    rows: list[tuple[Evidence, bool]] = []
    plain: list[tuple[Evidence, bool]] = []
    calibrate: list[bool] = []
    for kb in KNOWLEDGE:
        mine = [r for r in questions if r["kb"] == kb]
        say(f"answerability: {kb}: {len(mine)} questions")
        reader = Reader(services, kb)
        for row in mine:
            found, _ = reader.find(str(row["question"]))
            rows.append((found.evidence, bool(row["answerable"])))
            plain.append((reader.without_examples(found), bool(row["answerable"])))
            calibrate.append(bool(row.get("calibrate", True)))
    model = fit(rows, s.max_false_answers, s.suggest_recall, trained_on=trained_on(services), calibrate=calibrate)
    s.answerability_file.write_text(model.to_yaml("`faq train --answerability` (assistant/train.py)"), encoding="utf-8")
    # the same questions as a knowledge base without labelled examples reads them (assistant/examples.py)
    other = fit(plain, s.max_false_answers, s.suggest_recall, trained_on=trained_on(services), calibrate=calibrate,
                use=[f for f in FEATURES if f not in EXAMPLE_FEATURES])
    without_examples(s.answerability_file).write_text(
        other.to_yaml("`faq train --answerability` (assistant/train.py)"), encoding="utf-8")
    return model


def fact_kind_questions(services: Services) -> tuple[list[str], list[str]]:
    """(question, kind) for the fact-kind model: fact_kinds/*.jsonl ({"text", "kind"}), and the judged
    questions a sentence answers (judged/*_questions.yaml), as "none". Not the answerability
    questions (*.jsonl): answerability learns from the model's probabilities on them, which must be
    what it gives a question it never saw."""
    folder = services.settings.answerability_training
    questions, _ = load_questions(folder)
    seen = {" ".join(str(r["question"]).lower().split()) for r in questions}
    texts: list[str] = []
    kinds: list[str] = []
    for name, number, _, row in json_lines(folder / "fact_kinds"):
        if not isinstance(row.get("text"), str) or not isinstance(row.get("kind"), str):
            raise ConfigError(f"{name}:{number}: needs text and kind")
        if " ".join(row["text"].lower().split()) not in seen:  # "price?" is an answerability question too
            texts.append(row["text"])
            kinds.append(row["kind"])
    for path in judged_files(services):
        if not path.name.endswith("_questions.yaml"):
            continue
        for case in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("cases", []):
            question = str(case.get("question", ""))
            if case.get("direct") and " ".join(question.lower().split()) not in seen:
                texts.append(question)
                kinds.append(NONE)
    return texts, kinds


def train_fact_kinds(services: Services, say: Say) -> FactKinds:
    s = services.settings
    texts, kinds = fact_kind_questions(services)
    unknown = set(kinds) - set(services.policy.required_facts) - {NONE}
    if unknown:
        raise ConfigError(f"fact_kinds/ names kinds policy.yaml required_facts does not have: {sorted(unknown)}")
    cache = EmbeddingCache(s.models_path, services.embedding_signature)
    vectors = cache.encode(services.embedder, [services.normaliser.normalise(t).text for t in texts])
    lines = [f"{kind}\x1f{text}" for text, kind in zip(texts, kinds, strict=True)]
    model = fit_fact_kinds(vectors, kinds, trained_on=training_hash(lines, services.embedding_signature))
    model.save(s.fact_kinds_file, "`faq train --answerability` (assistant/train.py)")
    cv = model.metrics["cross_validated"]["2% of none"]
    say(f"fact kinds: {len(texts)} questions; cross-validated, from the probability that gives 2% of the other "
        f"questions a kind ({cv['probability']:.3f}), {cv['kind_questions_found']:.1%} of the kind questions get one "
        f"({cv['right_kind']:.1%} the right one)")
    return model


def train_models(services: Services, say: Say) -> tuple[LinearModel, LinearModel]:
    """The fact kinds first (answerability reads them), then relevance (answerability reads its
    probabilities), then answerability, each on a fresh set of parts so that the newly written
    model is the one used."""
    train_fact_kinds(services, say)
    services = Services(services.settings, embedder=services.embedder, classifier=services.classifier,
                        english=services.english)
    relevance = train_relevance(services, say)
    fresh = Services(services.settings, embedder=services.embedder, classifier=services.classifier,
                     english=services.english)
    return relevance, train_answerability(fresh, say)
