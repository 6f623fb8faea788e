"""Follow-up questions rewritten into standalone queries from the conversation, offline.

"how long does it take to work?" after "Tell me about the fibrin procedure" becomes
"how long does the fibrin procedure take to work?". No LLM: a follow-up is recognised by
its references back ("it", "what about", "what if", a very short question), and filled in
with the topic of the last question the assistant answered.
"""

from __future__ import annotations

import re

from core.text import STOPWORDS

_ANAPHOR = re.compile(r"\b(it|its|it's|this|they|them|their|that procedure|that treatment|that one|the procedure|"
                      r"the treatment|the injection|the shot)\b", re.IGNORECASE)
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


def topic_of(query: str) -> str:
    """The question minus its leading filler: 'Tell me about the fibrin procedure' -> 'fibrin procedure'."""
    words = _WORD.findall(query)
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


def is_follow_up(question: str) -> bool:
    content = [w for w in _WORD.findall(question) if w.lower() not in STOPWORDS and w.lower() not in _FILLER]
    return bool(_ANAPHOR.search(question) or _CONTINUATION.match(question) or len(content) <= 1)


def standalone(question: str, previous: str | None) -> str:
    """The question as it would be asked on its own, given the previous standalone query."""
    if not previous or not is_follow_up(question):
        return question
    topic = topic_of(previous)
    if not topic:
        return question
    short_topic = len(topic.split()) <= 5
    if short_topic and _REPLACEABLE.search(question) and not _CONTINUATION.match(question):
        return _REPLACEABLE.sub(f"the {topic}", question, count=1)
    body = question.rstrip().rstrip("?").rstrip()
    return f"{body} ({topic})?" if question.rstrip().endswith("?") else f"{body} ({topic})"
