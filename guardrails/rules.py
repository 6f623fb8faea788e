"""The backstop rules of policy.yaml: pure functions of (texts, conversation, policy)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.text import clean
from guardrails.policy import RULE_FLAGS, Check
from guardrails.verdict import Verdict, passed

CONVERSATION_TURNS = 3  # the patient's last messages read together for conversation checks


@dataclass(frozen=True)
class CompiledCheck:
    check: Check
    patterns: tuple[tuple[str, str, re.Pattern[str]], ...]  # (rule id, kind, compiled)

    @classmethod
    def of(cls, check: Check) -> CompiledCheck:
        return cls(check, tuple((r.id, r.kind, re.compile(r.pattern, RULE_FLAGS)) for r in check.rules))

    def run(self, readings: list[str], earlier: list[str], not_now: bool) -> Verdict:
        """Fires when a rule matches one of the message's readings (as typed, as read with typos
        fixed) or, for conversation checks, the patient's last few messages read as one. Symptom
        rules stand aside when the message is not about something happening now."""
        name = f"input:{self.check.category}"
        texts = [("message", clean(t)) for t in dict.fromkeys(readings)]
        if self.check.conversation and earlier:
            texts.append(("conversation", clean(" ".join([*earlier[-(CONVERSATION_TURNS - 1):], readings[0]]))))
        for where, text in texts:
            for rule_id, kind, pattern in self.patterns:
                if kind == "symptom" and not_now:
                    continue
                found = pattern.search(text)
                if found:
                    return Verdict(name, True, self.check.action, self.check.category, 1.0, (rule_id,),
                                   f"rule {rule_id} matched in the {where}: {found.group(0)!r}", self.check.message)
        return passed(name, "no rule matched")
