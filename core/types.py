"""The answer contract spoken by the CLI, API, widget, console and evals."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Action = Literal["answer", "no_answer", "refuse", "escalate", "deflect"]
Category = Literal[
    "faq", "diagnosis", "treatment_decision", "medication", "emergency", "self_harm",
    "prompt_injection", "abuse", "off_topic", "language",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceRef(_Model):
    n: int
    title: str
    url: str
    section: str
    snippet: str
    score: float


class Suggestion(_Model):
    """A "did you mean" question the articles do answer; sending ``text`` asks it."""

    text: str
    section: str


class Consultation(_Model):
    text: str
    url: str
    phone: str


class Response(_Model):
    """One reply. ``answer`` is exactly what the patient sees and always ends with ``disclaimer``."""

    turn_id: str
    session_id: str
    action: Action
    category: Category
    answer: str
    disclaimer: str
    consultation: Consultation | None
    sources: list[SourceRef] = Field(default_factory=list)
    suggestions: list[Suggestion] = Field(default_factory=list)
    trace: dict[str, Any] | None = None
