"""Input checks from policy rules: pure functions of (text, conversation, policy)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from guardrails.policy import Check
from guardrails.verdict import Verdict, passed

CONVERSATION_TURNS = 3  # the patient's last messages read together for conversation checks


def normalise(text: str) -> str:
    """One form for matching: straight quotes, no accents or zero-width tricks, one space."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"[\u200b-\u200f\u2060\ufeff]", "", text)
    return " ".join(text.split())


def is_concept_rule(rule_id: str) -> bool:
    return "-c-" in rule_id


def stands_aside(check: Check, rule_id: str, general: bool) -> bool:
    """An emergency concept rule is not applied to a general or hypothetical question (policy:
    `general_question`). Self-harm rules always apply: "what's the most painless way to go" is
    phrased generally and must still escalate."""
    return general and check.category == "emergency" and is_concept_rule(rule_id)


@dataclass(frozen=True)
class CompiledCheck:
    check: Check
    patterns: tuple[tuple[str, re.Pattern[str]], ...]
    general: re.Pattern[str] | None = None

    @classmethod
    def of(cls, check: Check, general_question: str = "") -> CompiledCheck:
        patterns = tuple((rid, re.compile(p, re.IGNORECASE | re.MULTILINE)) for rid, p in check.rules.items())
        return cls(check, patterns, re.compile(general_question, re.IGNORECASE) if general_question else None)

    def run(self, message: str, earlier: list[str]) -> Verdict:
        """Fires when a rule matches the message, or (for conversation checks) the patient's
        last few messages read as one. Concept rules stand aside for a general question."""
        name = f"input:{self.check.category}"
        texts = [("message", normalise(message))]
        if self.check.conversation and earlier:
            window = " ".join([*earlier[-(CONVERSATION_TURNS - 1):], message])
            texts.append(("conversation", normalise(window)))
        general = bool(self.general and self.general.search(normalise(message)))
        for where, text in texts:
            hits = tuple(rid for rid, pattern in self.patterns
                         if pattern.search(text) and not stands_aside(self.check, rid, general))
            if hits:
                matched = next(p.search(text) for rid, p in self.patterns if rid == hits[0])
                assert matched is not None
                return Verdict(name, True, self.check.action, self.check.category, 1.0, hits,
                               f"rule matched in the {where}: {matched.group(0)!r}", self.check.message)
        return passed(name, "no rule matched")
