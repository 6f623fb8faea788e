"""The personal-data messages the detector's equivalence tests run over: the corpus
(guardrails/pii_cases.yaml) and every regression set in evals/pii/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core import yamlfile

ROOT = Path(__file__).resolve().parents[2]


def pii_cases() -> list[dict[str, Any]]:
    paths = [ROOT / "guardrails" / "pii_cases.yaml", *sorted((ROOT / "evals" / "pii").glob("*.yaml"))]
    return [case for path in paths for case in yamlfile.load(path)["cases"]]


def pii_texts() -> list[str]:
    return [str(case["text"]) for case in pii_cases()]
