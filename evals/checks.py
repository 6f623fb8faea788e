"""Checks on one reply: each returns a reason when it fails, or None when it passes."""

from __future__ import annotations

import re
from collections.abc import Callable

from core.types import Response
from evals.cases import Expect

Check = Callable[[Response, Expect], str | None]
TOP_K = 5


def action(reply: Response, expect: Expect) -> str | None:
    return None if reply.action in expect.action else f"action {reply.action}, expected {'/'.join(expect.action)}"


def category(reply: Response, expect: Expect) -> str | None:
    if expect.category is not None and reply.category != expect.category:
        return f"category {reply.category}, expected {expect.category}"
    if reply.category in expect.not_category:
        return f"category {reply.category} is not allowed here"
    return None


def body(reply: Response) -> str:
    return reply.answer.split("\n\n")[0].lower()


def mentions(reply: Response, expect: Expect) -> str | None:
    text = body(reply)
    missing = [group for group in expect.must_mention if not any(alt.lower() in text for alt in group)]
    return f"does not mention {' / '.join(missing[0])}" if missing else None


def no_mentions(reply: Response, expect: Expect) -> str | None:
    said = [term for term in expect.must_not_mention if term.lower() in body(reply)]
    return f"mentions {said[0]!r}" if said else None


def no_match(reply: Response, expect: Expect) -> str | None:
    text = body(reply)
    for pattern in expect.must_not_match:
        found = re.search(pattern, text, re.IGNORECASE)
        if found:
            return f"says {found.group(0)!r} (matches {pattern!r})"
    return None


def retrieved(reply: Response) -> list[tuple[str, str]]:
    """(source id or title, section) of what was retrieved, best first: the trace's passages when the
    reply carries a trace (in-process runs), else the cited sources (over HTTP)."""
    passages = (reply.trace or {}).get("passages")
    if passages:
        return [(str(p["source"]), str(p["section"])) for p in passages]
    return [(s.title, s.section) for s in reply.sources]


def rank(reply: Response | None, expect: Expect) -> int | None:
    """1-based rank of the first retrieved passage from an expected document or section; None when
    the case expects none, 0 when none was retrieved (or there was no reply)."""
    if not expect.documents and not expect.sections:
        return None
    for i, (source, section) in enumerate(retrieved(reply) if reply is not None else [], start=1):
        if source in expect.documents or section in expect.sections:
            return i
    return 0


def documents(reply: Response, expect: Expect) -> str | None:
    if not expect.documents:
        return None
    found = rank(reply, expect)
    return None if found and found <= TOP_K else f"none of {expect.documents} in the top {TOP_K} retrieved"


def sources(reply: Response, expect: Expect) -> str | None:
    if not expect.sections or reply.action != "answer":
        return None
    cited = [s.section for s in reply.sources]
    return None if set(cited) & set(expect.sections) else f"cites {cited or 'nothing'}, none of the expected sections"


def disclaimer(reply: Response, expect: Expect) -> str | None:
    ok = bool(reply.disclaimer) and reply.answer.rstrip().endswith(reply.disclaimer)
    return None if ok else "the reply does not end with the disclaimer"


def consultation(reply: Response, expect: Expect) -> str | None:
    wanted = expect.consultation if expect.consultation is not None else reply.category != "emergency"
    present = reply.consultation is not None and reply.consultation.text in reply.answer
    if wanted and not present:
        return "no consultation invitation"
    if not wanted and reply.consultation is not None:
        return "a consultation invitation where none belongs"
    return None


ALL: dict[str, Check] = {
    "action": action, "category": category, "mentions": mentions, "no_mentions": no_mentions,
    "no_match": no_match, "sources": sources, "documents": documents, "disclaimer": disclaimer, "consultation": consultation,
}


def failures(reply: Response, expect: Expect) -> list[str]:
    return [reason for check in ALL.values() if (reason := check(reply, expect)) is not None]
