"""The message classifier's training corpus: labelled patient messages kept as data.

Each file under guardrails/training/ is JSON Lines, one example a line::

    {"text": "cant pee since last nite", "label": "emergency", "origin": "written", "tags": ["terse", "bladder"]}

``origin`` says where the example came from: ``written`` (for this corpus) or ``derived:NAME``
(from a public set under ../shared/data; the file's README line gives its licence). Evaluation
cases never train the model: tests/guardrails/test_corpus.py fails when a training text is
identical after normalisation, or too close by embedding, to any case under evals/.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from core.errors import ConfigError

LABELS = ("emergency", "self_harm", "prompt_injection", "diagnosis", "treatment_decision", "medication", "abuse",
          "off_topic", "faq")  # the classifier's classes; a subset of core.types.Category
# A message that is only a greeting, thanks, goodbye or "ok". The message classifier reads it as faq
# (it is an ordinary, harmless message); the courtesy head (guardrails/fit.py) learns it against faq.
COURTESY = "social"
CORPUS_LABELS = (*LABELS, COURTESY)
FIELDS = {"text", "label", "origin", "tags"}
_ORIGIN = re.compile(r"^(written|derived:[a-z0-9_-]+)$")


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    origin: str
    tags: tuple[str, ...]
    where: str  # file:line, for error messages and reports


def dedup_key(text: str) -> str:
    """Identity after normalisation: lower case, letters and digits only, one space."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def load_file(path: Path) -> list[Example]:
    out: list[Example] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the training file {path}: {exc}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path.name}:{number}"
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise ConfigError(f"{where}: not valid JSON: {exc}") from None
        if not isinstance(row, dict) or set(row) != FIELDS:
            raise ConfigError(f"{where}: expected exactly the keys {sorted(FIELDS)}")
        text, label, origin, tags = row["text"], row["label"], row["origin"], row["tags"]
        if not isinstance(text, str) or not text.strip():
            raise ConfigError(f"{where}: empty text")
        if label not in CORPUS_LABELS:
            raise ConfigError(f"{where}: unknown label {label!r} (one of {', '.join(CORPUS_LABELS)})")
        if not isinstance(origin, str) or not _ORIGIN.match(origin):
            raise ConfigError(f"{where}: origin must be 'written' or 'derived:NAME', got {origin!r}")
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise ConfigError(f"{where}: tags must be a list of strings")
        out.append(Example(text.strip(), label, origin, tuple(tags), where))
    return out


def load_corpus(folder: Path) -> list[Example]:
    """Every example of every *.jsonl file in ``folder``, in a stable order; a text that appears
    twice (after normalisation) with two different labels is an error, a plain repeat is dropped."""
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise ConfigError(f"no training files (*.jsonl) in {folder}")
    seen: dict[str, Example] = {}
    out: list[Example] = []
    for path in files:
        for example in load_file(path):
            key = dedup_key(example.text)
            first = seen.get(key)
            if first is not None:
                if first.label != example.label:
                    raise ConfigError(f"{example.where}: the same text is labelled {first.label} at {first.where}")
                continue
            seen[key] = example
            out.append(example)
    return out


def corpus_hash(examples: list[Example], recipe: str) -> str:
    """Names the exact training data and the recipe that turns it into a model."""
    digest = hashlib.sha256(recipe.encode())
    for e in examples:
        digest.update(f"\x1e{e.label}\x1f{e.text}".encode())
    return digest.hexdigest()[:16]
