"""Verdict: what one guardrail check concluded, and why.

Usage::

    verdict = check(text, context, policy)
    if verdict.fired:
        print(verdict.action, verdict.category, verdict.rule_ids, verdict.reason)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.types import Action, Category


@dataclass(frozen=True)
class Verdict:
    check: str  # e.g. "input:emergency", "passages:injection", "output:promise"
    fired: bool
    action: Action | None = None
    category: Category | None = None
    confidence: float = 0.0
    rule_ids: tuple[str, ...] = field(default=())
    reason: str = ""
    message: str = ""  # the policy message key for the reply, when it is not the category's

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "fired": self.fired, "action": self.action, "category": self.category,
                "confidence": round(self.confidence, 4), "rule_ids": list(self.rule_ids), "reason": self.reason}


def passed(check: str, reason: str = "", confidence: float = 0.0) -> Verdict:
    return Verdict(check=check, fired=False, confidence=confidence, reason=reason)
