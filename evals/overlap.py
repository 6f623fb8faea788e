"""Evaluation cases never train a model: the check, and the one way to repair a breach.

    python -m evals.overlap            # lists training texts too close to an evaluation case
    python -m evals.overlap --prune    # removes those lines from the training files

Each evaluation set is checked against what the component it measures learns from:
- the message models (the classifier's corpus, guardrails/training/*.jsonl, field "text"; the
  answerability questions, assistant/training/*.jsonl, field "question"; the fact-kind questions,
  assistant/training/fact_kinds/*.jsonl, field "text"; the example questions in
  the documents' sidecars) against every turn of every case under evals/sets/ and evals/sealed/;
- the personal-data detector (its corpus, guardrails/pii_cases.yaml; the name model's generated
  messages, guardrails/pii_training/*.jsonl; and the classifier's messages, which the name model
  reads as messages without names) against every message of the personal-data sets (evals/pii/,
  evals/sealed/pii_*), which only the detector reads (benchmarks/pii_bench.py).
"Too close": identical after normalisation (lower case, punctuation dropped), or an embedding
cosine of at least MAX_COSINE (0.85: above it, two texts are rewordings of one message; "what is
fibrin?" and "What is fibrin made of?" are 0.87).
tests/evals/test_overlap.py fails on any.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core import yamlfile
from core.text import REWORDING_COSINE
from guardrails.corpus import dedup_key
from knowledge.embeddings import Vectors

Encode = Callable[[Sequence[str]], Vectors]

ROOT = Path(__file__).resolve().parent.parent
TRAINING = {ROOT / "guardrails" / "training": "text", ROOT / "guardrails" / "training" / "courtesy": "text",
            ROOT / "assistant" / "training": "question", ROOT / "assistant" / "training" / "fact_kinds": "text"}
EVAL_FOLDERS = (ROOT / "evals" / "sets", ROOT / "evals" / "sealed", ROOT / "evals" / "pii")
PII_CORPUS = ROOT / "guardrails" / "pii_cases.yaml"
PII_TRAINING = ROOT / "guardrails" / "pii_training"
MAX_COSINE = REWORDING_COSINE


@dataclass(frozen=True)
class Text:
    text: str
    where: str  # file:line for training texts, set/case for evaluation texts


@dataclass(frozen=True)
class Breach:
    training: Text
    case: Text
    similarity: float  # 1.0 for identical after normalisation


def _is_pii_set(path: Path) -> bool:
    return path.parent.name == "pii" or path.stem.startswith("pii_")


def training_texts(pii: bool = False) -> list[Text]:
    """Every text a model learns from or matches against. ``pii=False``: the message models' corpora
    the example questions stored with the clinic's documents (knowledge/docs/*.meta.yaml
    ``questions``) and the judged questions the sentence-relevance model learns from
    (assistant/training/judged/*_questions.yaml); ``pii=True``: the personal-data detector's corpus."""
    out = []
    if pii:
        data: Any = yamlfile.load(PII_CORPUS) or {}
        out += [Text(str(c["text"]), f"{PII_CORPUS.relative_to(ROOT)}#{c.get('id')}") for c in data.get("cases", [])]
        for path in [*sorted(PII_TRAINING.glob("*.jsonl")), *sorted((ROOT / "guardrails" / "training").glob("*.jsonl"))]:
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if line.strip():
                    out.append(Text(str(json.loads(line)["text"]), f"{path.relative_to(ROOT)}:{number}"))
        return out
    for path in sorted((ROOT / "knowledge" / "docs").glob("*.meta.yaml")):
        data = yamlfile.load(path) or {}
        for section, questions in (data.get("questions") or {}).items():
            out += [Text(str(q), f"{path.relative_to(ROOT)}#{section}") for q in questions]
    for path in sorted((ROOT / "assistant" / "training" / "judged").glob("*_questions.yaml")):
        data = yamlfile.load(path) or {}
        out += [Text(str(c["question"]), f"{path.relative_to(ROOT)}#{n}") for n, c in enumerate(data.get("cases", []))]
    for folder, field in TRAINING.items():
        for path in sorted(folder.glob("*.jsonl")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if line.strip():
                    out.append(Text(str(json.loads(line)[field]), f"{path.relative_to(ROOT)}:{number}"))
    return out


def evaluation_texts(pii: bool = False) -> list[Text]:
    """Every turn of the evaluation sets the message models meet, or (``pii=True``) every message
    of the personal-data sets."""
    out = []
    for folder in EVAL_FOLDERS:
        for path in sorted(folder.glob("*.yaml")):
            if _is_pii_set(path) != pii:
                continue
            data: Any = yamlfile.load(path) or {}
            for case in data.get("cases", []) if isinstance(data, dict) else []:
                turns = case.get("turns") or ([case["text"]] if case.get("text") else [])
                out += [Text(str(t), f"{path.stem}/{case.get('id')}") for t in turns]
    return out


def breaches(encode: Encode, threshold: float = MAX_COSINE) -> list[Breach]:
    """``encode``: texts -> vectors as the classifier reads them (guardrails.fit.ClassifierStore.featurise:
    normalised and embedded, cached on disk, so the corpus costs nothing after training)."""
    found = []
    for pii in (False, True):
        found += _breaches(encode, training_texts(pii), evaluation_texts(pii), threshold)
    return sorted(found, key=lambda b: -b.similarity)


def _breaches(encode: Encode, train: list[Text], cases: list[Text], threshold: float) -> list[Breach]:
    if not train or not cases:
        return []
    by_key = {dedup_key(c.text): c for c in cases}
    found = [Breach(t, by_key[dedup_key(t.text)], 1.0) for t in train if dedup_key(t.text) in by_key]
    same = {b.training.where for b in found}
    tv = encode([t.text for t in train])
    ev = encode([c.text for c in cases])
    for start in range(0, len(train), 2000):
        sims = tv[start:start + 2000] @ ev.T
        best, arg = sims.max(axis=1), sims.argmax(axis=1)
        for i in np.nonzero(best >= threshold)[0]:
            t = train[start + int(i)]
            if t.where not in same:
                found.append(Breach(t, cases[int(arg[i])], float(best[i])))
    return found


def prune(found: list[Breach]) -> int:
    """Remove the breaching lines (or judged cases) from their training files; how many were removed.
    Example questions in a document's sidecar and cases of the personal-data corpus are not removed: reword
    them by hand."""
    by_file: dict[str, set[int]] = {}
    judged: dict[str, set[int]] = {}
    for b in found:
        if "/judged/" in b.training.where and "#" in b.training.where:
            name, index = b.training.where.rsplit("#", 1)
            judged.setdefault(name, set()).add(int(index))
            continue
        if ":" not in b.training.where:
            continue
        name, line = b.training.where.rsplit(":", 1)
        by_file.setdefault(name, set()).add(int(line))
    for name, lines in by_file.items():
        path = ROOT / name
        kept = [x for n, x in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if n not in lines]
        path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    for name, indices in judged.items():
        _prune_judged(ROOT / name, indices)
    return sum(len(v) for v in by_file.values()) + sum(len(v) for v in judged.values())


def _prune_judged(path: Path, indices: set[int]) -> None:
    """Remove the judged cases at ``indices`` (their order in ``cases``), keeping the file's layout:
    each case is the block from its ``- question:`` line to the next one."""
    lines = path.read_text(encoding="utf-8").splitlines()
    starts = [n for n, line in enumerate(lines) if line.startswith("- question:")]
    drop: set[int] = set()
    for k in indices:
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        drop.update(range(starts[k], end))
    path.write_text("\n".join(x for n, x in enumerate(lines) if n not in drop) + "\n", encoding="utf-8")


def main() -> None:
    from assistant.settings import load_settings
    from assistant.wiring import Services

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prune", action="store_true", help="remove the breaching training lines")
    args = parser.parse_args()
    svc = Services(load_settings())
    found = breaches(svc.classifier.featurise)
    for b in found:
        print(f"{b.similarity:.3f}  {b.training.where}: {b.training.text[:70]!r}  ~  {b.case.where}: {b.case.text[:70]!r}")
    print(f"{len(found)} training texts too close to an evaluation case (cosine >= {MAX_COSINE} or identical)")
    if args.prune and found:
        print(f"removed {prune(found)} lines")
    sys.exit(1 if found and not args.prune else 0)


if __name__ == "__main__":
    main()
