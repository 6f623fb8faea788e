"""Screening retrieved passages: text inside a document that tries to instruct the assistant
is never followed; such a passage is left out of the answer and the verdict says why."""

from __future__ import annotations

from guardrails.rules import CompiledCheck
from guardrails.verdict import Verdict
from knowledge.search import Passage

SCREEN_CACHE = 50_000


def screen_passages(passages: list[Passage], injection: CompiledCheck,
                    seen: dict[str, Verdict] | None = None) -> tuple[list[Passage], list[Verdict]]:
    """``seen`` caches each chunk's verdict: chunk ids hash the text, so a verdict never goes stale."""
    kept: list[Passage] = []
    verdicts: list[Verdict] = []
    for passage in passages:
        verdict = seen.get(passage.chunk_id) if seen is not None else None
        if verdict is None:
            verdict = injection.run([passage.text], [], False)
            if seen is not None:
                if len(seen) >= SCREEN_CACHE:
                    seen.clear()
                seen[passage.chunk_id] = verdict
        if verdict.fired:
            verdicts.append(Verdict("passages:prompt_injection", True, None, "prompt_injection", 1.0,
                                    verdict.rule_ids, f"passage {passage.chunk_id} ({passage.title}: {passage.section}) left out: "
                                    f"{verdict.reason.replace('in the message', 'in its text')}"))
        else:
            kept.append(passage)
    return kept, verdicts
