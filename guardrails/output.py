"""Output checks: pure functions of (reply sentences, passages, the patient's message, policy)."""

from __future__ import annotations

import re

from guardrails.verdict import Verdict

_FIGURE = re.compile(r"\$\s?\d[\d,]*(\.\d+)?|\d+(\.\d+)?\s?%|\b\d+(\.\d+)?\s?(percent|dollars?)\b", re.IGNORECASE)


def check_sentences(sentences: list[str], passages_text: str, personal: list[str],
                    rules: dict[str, re.Pattern[str]]) -> tuple[list[int], list[Verdict]]:
    """Indexes of the sentences to keep, and a verdict for every sentence removed. ``personal``: the
    personal data found in the patient's message (a reply never repeats it)."""
    personal = [text for text in personal if len(text) >= 3]
    keep: list[int] = []
    verdicts: list[Verdict] = []
    for i, sentence in enumerate(sentences):
        broken = [rid for rid, pattern in rules.items() if pattern.search(sentence)]
        figures = [m.group(0) for m in _FIGURE.finditer(sentence) if m.group(0) not in passages_text]
        if figures:
            broken.append("out-figures")
        if any(p.lower() in sentence.lower() for p in personal):
            broken.append("out-personal-data")
        if broken:
            verdicts.append(Verdict(f"output:{broken[0].removeprefix('out-')}", True, confidence=1.0,
                                    rule_ids=tuple(broken), reason=f"sentence removed: {sentence!r}"))
        else:
            keep.append(i)
    return keep, verdicts
