"""Follow-up questions rewritten into standalone queries from the conversation, offline.

"how long does it take to work?" after "Tell me about the fibrin procedure" is also read as
"how long does the fibrin procedure take to work?": no LLM, the topic of the last question the
assistant answered fills a back-reference ("it", "this") or is added after the question.

Whether a question leans on the one before cannot be told reliably from its words ("is the needle
big?" after a question about the procedure does; "and how long before I feel better" after three
questions about a tear does not). So ``readings`` gives both, the question as typed and the question
in the conversation's context, and the answerer keeps the one the articles answer better
(assistant/answer.py ``_ground``).
"""

from __future__ import annotations

import re

from core.text import STOPWORDS

_REPLACEABLE = re.compile(r"\b(it|this)\b(?!\s+(?:is|was)\s+(?:a|an|the)\b)", re.IGNORECASE)
_CONTINUATION = re.compile(r"^\s*(what about|how about|and\b|what if|also\b|so\b|but\b|then\b|same\b|"
                           r"any other|anything else|is that|does that|would that|ok\b|okay\b)", re.IGNORECASE)
# Leading words of a question that do not name its topic.
_FILLER = frozenset(
    """tell me more about explain describe what whats is are was were how does do did can could would should
    will i im a an the you your please info information on regarding give know want to like about am my me
    there any some""".split()
)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")
# What a yes/no question says about its topic ("Is the procedure painful?"): not part of the topic.
_PREDICATE = frozenset(
    """painful safe effective risky dangerous expensive covered permanent available necessary worth normal common
    successful possible better worse good bad ok okay hard difficult quick fast slow long short required needed
    done performed painless invasive approved new experimental""".split()
)
_YES_NO = frozenset("is are was were will would does do did can could should has have".split())


_CONTEXT = re.compile(r"\s*\([^()]*\)\s*(\?)?\s*$")  # the "(topic)" a contextual reading ends with


def topic_of(query: str) -> str:
    """The question minus its leading filler: 'Tell me about the fibrin procedure' -> 'fibrin procedure'.
    A previous contextual reading's own "(topic)" is dropped: context does not pile up over turns."""
    words = _WORD.findall(_CONTEXT.sub(r"\1", query))
    start = 0
    while start < len(words) and words[start].lower() in _FILLER:
        start += 1
    tail = words[start:]
    while tail and tail[-1].lower() in STOPWORDS:
        tail.pop()
    if words and words[0].lower() in _YES_NO:
        while len(tail) > 1 and tail[-1].lower() in _PREDICATE | STOPWORDS:
            tail.pop()
    return " ".join(tail)


def in_context(question: str, previous: str) -> str:
    """The question read as a follow-up of ``previous``: a back-reference replaced by the previous
    question's topic, or the topic added after it."""
    topic = topic_of(previous)
    if not topic:
        return question
    short_topic = len(topic.split()) <= 5
    if short_topic and _REPLACEABLE.search(question) and not _CONTINUATION.match(question):
        return _REPLACEABLE.sub(f"the {topic}", question, count=1)
    body = question.rstrip().rstrip("?").rstrip()
    return f"{body} ({topic})?" if question.rstrip().endswith("?") else f"{body} ({topic})"


def readings(question: str, previous: str | None) -> list[str]:
    """The ways to read a question in its conversation, the question as typed first: with an earlier
    answered question, also the question in its context (one reading when both are the same text)."""
    if not previous:
        return [question]
    contextual = in_context(question, previous)
    return [question] if contextual == question else [question, contextual]
