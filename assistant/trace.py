"""The trace of one reply: what the assistant read, decided and used, and how long each step took.
The console shows it, ``faq ask --trace`` prints it, evaluations read the passages from it.
Everything in it is redacted or derived; it is never stored."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from guardrails.verdict import Verdict


@dataclass
class Trace:
    language: str = "en"
    corrections: list[tuple[str, str]] = field(default_factory=list)  # (typed, read as)
    classifier: dict[str, Any] | None = None
    verdicts: list[Verdict] = field(default_factory=list)
    safety_net: bool = False
    standalone_query: str | None = None
    rewritten: bool = False
    readings: list[dict[str, Any]] = field(default_factory=list)  # a follow-up's readings, each judged
    expanded_query: str = ""
    passages: list[dict[str, Any]] = field(default_factory=list)
    answerability: dict[str, Any] | None = None
    no_answer_reason: str = ""
    suggestions: list[dict[str, str]] = field(default_factory=list)
    composer: str = ""
    llm: dict[str, Any] | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def timed(self, step: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[f"{step}_ms"] = self.timings.get(f"{step}_ms", 0.0) + (time.perf_counter() - started) * 1000

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "language": self.language, "corrections": [list(c) for c in self.corrections],
            "classifier": self.classifier, "verdicts": [v.to_dict() for v in self.verdicts],
            "safety_net": self.safety_net, "timings_ms": {k: round(v, 2) for k, v in self.timings.items()},
        }
        if self.standalone_query is not None:
            out.update(standalone_query=self.standalone_query, rewritten=self.rewritten,
                       expanded_query=self.expanded_query, passages=self.passages)
        for key in ("readings", "answerability", "no_answer_reason", "suggestions", "composer", "llm"):
            value = getattr(self, key)
            if value:
                out[key] = value
        return out
