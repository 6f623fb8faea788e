"""The guardrails as the answer pipeline uses them: input checks in policy order (the first
that fires decides), passage screening, output checks. Every decision is a Verdict.

Usage::

    decision, verdicts = guardrails.check_input(message, earlier_messages, message_vector)
    if decision is not None and decision.action != "answer":
        reply_text = guardrails.message_for(decision.category)
"""

from __future__ import annotations

import re

from guardrails.injection import screen_passages
from guardrails.output import check_sentences
from guardrails.policy import Policy
from guardrails.rules import CompiledCheck, normalise
from guardrails.semantic import ExemplarClassifier
from guardrails.verdict import Verdict, passed
from knowledge.embeddings import Vectors
from knowledge.search import Passage


class Guardrails:
    def __init__(self, policy: Policy, classifier: ExemplarClassifier) -> None:
        self.policy = policy
        self.classifier = classifier
        self.checks = [CompiledCheck.of(c, policy.general_question) for c in policy.checks]
        self.general = re.compile(policy.general_question, re.IGNORECASE) if policy.general_question else None
        self.injection = next(c for c in self.checks if c.check.category == "prompt_injection")
        self.output_rules = {rid: re.compile(p, re.IGNORECASE) for rid, p in policy.output_rules.items()}
        self._screened: dict[str, Verdict] = {}  # passage verdicts by chunk id

    def warm_up(self) -> None:
        self.classifier.warm_up()

    def check_input(self, message: str, earlier: list[str], vector: Vectors) -> tuple[Verdict | None, list[Verdict]]:
        """Rules first, in policy order; then the semantic check, in policy order; then the
        red-flag model. A rule is more precise than a resemblance, so "pills saved up to end
        things" is self-harm by its rule even though it also resembles an emergency."""
        verdicts = [check.run(message, earlier) for check in self.checks]
        for verdict in verdicts:
            if verdict.fired:
                return verdict, verdicts
        scores = self.classifier.scores(vector)
        general = bool(self.general and self.general.search(normalise(message)))
        for i, check in enumerate(self.checks):
            category = check.check.category
            limits = self.policy.semantic.categories.get(category)
            if limits is None or (general and category == "emergency"):
                continue
            ordinary = self.classifier.counterweight(scores, category)
            score, exemplar = scores.get(category, (-1.0, ""))
            if score >= limits.threshold and score - ordinary >= limits.margin:
                verdicts[i] = Verdict(verdicts[i].check, True, check.check.action, category, score, (exemplar,),
                                      f"close to exemplar {exemplar} ({score:.2f}; ordinary questions {ordinary:.2f})")
                return verdicts[i], verdicts
            verdicts[i] = passed(verdicts[i].check, f"no rule matched; nearest exemplar {score:.2f}", score)
        # Last, the red-flag model: it is less precise about the category than an exemplar.
        return self._red_flag_model(vector, general, verdicts), verdicts

    def _red_flag_model(self, vector: Vectors, general: bool, verdicts: list[Verdict]) -> Verdict | None:
        """The linear red-flag model (policy: semantic.red_flag_probability): it generalises to
        wordings no rule or exemplar is near (measured on the held-out red-flag sets)."""
        threshold = self.policy.semantic.red_flag_probability
        if threshold is None:
            return None
        category, probability = self.classifier.red_flag(vector)
        if probability < threshold or (general and category == "emergency"):
            return None
        i = next(i for i, c in enumerate(self.checks) if c.check.category == category)
        check = self.checks[i].check
        verdicts[i] = Verdict(verdicts[i].check, True, check.action, check.category, probability, ("red-flag-model",),
                              f"red-flag model: probability {probability:.2f} (threshold {threshold:.2f})")
        return verdicts[i]

    def screen(self, passages: list[Passage]) -> tuple[list[Passage], list[Verdict]]:
        return screen_passages(passages, self.injection, self._screened)

    def check_output(self, sentences: list[str], passages_text: str, message: str) -> tuple[list[int], list[Verdict]]:
        return check_sentences(sentences, passages_text, message, self.output_rules)

    def message_for(self, verdict: Verdict) -> str:
        return str(getattr(self.policy.messages, verdict.message or str(verdict.category)))
