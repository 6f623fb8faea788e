"""The answer contract spoken by the CLI, API, widget, console and evals."""

from __future__ import annotations

import re
import secrets
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Action = Literal["answer", "no_answer", "refuse", "escalate", "deflect"]
Category = Literal[
    "faq", "diagnosis", "treatment_decision", "medication", "emergency", "self_harm",
    "prompt_injection", "abuse", "off_topic", "social", "language",
]


# Where a cited sentence of a reply ends: "Most patients go home [1]. Soreness..." (``cite``)
CITED_END = re.compile(r"(?<=\][.!?])\s+")


def cite(text: str, n: int) -> str:
    """'Most patients go home.' -> 'Most patients go home [1].'"""
    stripped = text.rstrip()
    if stripped and stripped[-1] in ".!?":
        return f"{stripped[:-1]} [{n}]{stripped[-1]}"
    return f"{stripped} [{n}]."


_ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_ID_LETTERS = "abcdefghjkmnpqrstvwxyz"


def new_id() -> str:
    """A 16-character id for a turn, session or request. It always has a letter, so that no id in a
    log line or a stored row reads as a phone or card number to the personal-data detector."""
    # one read of the system's random source, not one per character (three ids per request took
    # ~35 us each that way): 5 bits of a byte per character (32 symbols, uniform); the letter from
    # two bytes (65,536 = 2,978 x 22 + 20: as good as uniform)
    raw = secrets.token_bytes(17)
    return _ID_LETTERS[int.from_bytes(raw[:2]) % len(_ID_LETTERS)] + "".join(_ID_ALPHABET[b & 31] for b in raw[2:])


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
