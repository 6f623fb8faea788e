"""What `faq train` does: the message classifier (guardrails/fit.py) and the answerability model.

Answerability learns from labelled questions for two knowledge bases (assistant/training/*.jsonl):
the clinic's shipped article (knowledge/docs/) and the MedQuAD spine corpus
(evals/knowledge/medquad_spine/). Each question goes through the real pipeline (normalise, embed,
retrieve, compose) against its own knowledge base; the features of what was found and the label
train a logistic regression, written to assistant/answerability.yaml.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.answer import check_input
from assistant.answerability import FEATURES, AnswerabilityModel, Evidence, fit, training_hash
from assistant.settings import PACKAGE_ROOT
from assistant.trace import Trace
from assistant.wiring import Services
from core.errors import ConfigError

KNOWLEDGE = {"clinic": PACKAGE_ROOT / "knowledge" / "docs",
             "medquad_spine": PACKAGE_ROOT / "evals" / "knowledge" / "medquad_spine"}


def load_questions(folder: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Every labelled question of the folder's *.jsonl files, and their raw lines (for the hash)."""
    rows: list[dict[str, Any]] = []
    lines: list[str] = []
    for path in sorted(folder.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise ConfigError(f"{path.name}:{number}: not valid JSON: {exc}") from None
            if row.get("kb") not in KNOWLEDGE or not isinstance(row.get("answerable"), bool):
                raise ConfigError(f"{path.name}:{number}: needs kb (one of {sorted(KNOWLEDGE)}) and answerable")
            rows.append(row)
            lines.append(line)
    if not rows:
        raise ConfigError(f"no answerability questions (*.jsonl) in {folder}")
    return rows, lines


def recipe(services: Services) -> str:
    """Everything that shapes the features: a change means the model must be trained again."""
    s = services.settings
    return (f"{'|'.join(FEATURES)}|{services.embedding_signature}|k{s.k_dense},{s.k_bm25},{s.rrf_k}|"
            f"w{s.weight_dense},{s.weight_bm25},{s.expansion_weight}|p{s.passages}|m{s.max_false_answers},"
            f"{s.suggest_recall}")


def trained_on(services: Services) -> str:
    _, lines = load_questions(services.settings.answerability_training)
    return training_hash(lines, recipe(services))


def evidence_rows(services: Services, progress: Callable[[str], None]) -> list[tuple[Evidence, bool]]:
    rows, _ = load_questions(services.settings.answerability_training)
    out: list[tuple[Evidence, bool]] = []
    for kb, folder in KNOWLEDGE.items():
        mine = [r for r in rows if r["kb"] == kb]
        progress(f"{kb}: indexing {folder.relative_to(PACKAGE_ROOT)} and reading {len(mine)} questions")
        svc = services.with_knowledge(folder, f"train-{kb}")
        report = svc.ingestor.ingest([folder], progress=False)
        if not report.succeeded:
            raise ConfigError(f"cannot index {folder}: {report.summary()}")
        assistant = svc.assistant
        svc.searcher.prepare()
        for row in mine:
            message = svc.guardrails.read(check_input(str(row["question"]), svc.policy, 10_000))
            found = assistant.find(message, [], Trace())
            out.append((found.evidence, bool(row["answerable"])))
    return out


def train_answerability(services: Services, progress: Callable[[str], None]) -> AnswerabilityModel:
    s = services.settings
    rows = evidence_rows(services, progress)
    model = fit(rows, s.max_false_answers, s.suggest_recall, trained_on=trained_on(services))
    s.answerability_file.write_text(model.to_yaml(), encoding="utf-8")
    return model
