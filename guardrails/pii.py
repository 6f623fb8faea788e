"""Patient data redaction: regular expressions and heuristics, applied before anything is
stored or logged. Each kind is replaced by a tag such as [PHONE]."""

from __future__ import annotations

import logging
import re

_MONTHS = r"(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|oct(ober)?|nov(ember)?|dec(ember)?)"
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("EMAIL", re.compile(r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b")),
    ("MRN", re.compile(r"\b(mrn|medical record( number| no\.?| #)?|patient (id|number|no\.?)|chart (number|no\.?))"
                       r"(\s+is)?\s*[:#]?\s*[a-z0-9-]*\d[a-z0-9-]{3,}\b",
                       re.IGNORECASE)),
    ("INSURANCE_ID", re.compile(r"\b(member|policy|insurance|subscriber|group|medicare|medicaid)\s*(id|number|no\.?|#)"
                                r"(\s+is)?\s*[:#]?\s*[a-z0-9-]*\d[a-z0-9-]{3,}\b", re.IGNORECASE)),
    ("SSN", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
    ("DOB", re.compile(rf"\b(\d{{1,2}}[/.-]\d{{1,2}}[/.-](19|20)?\d{{2}}|(19|20)\d{{2}}-\d{{2}}-\d{{2}}|"
                       rf"{_MONTHS}\.? \d{{1,2}}(st|nd|rd|th)?,? (19|20)\d{{2}}|\d{{1,2}}(st|nd|rd|th)? (of )?{_MONTHS},? "
                       rf"(19|20)\d{{2}})\b", re.IGNORECASE)),
    ("PHONE", re.compile(r"(?<![\w-])(\+?1[\s.-]?)?(\(\d{3}\)|\d{3})[\s.-]?\d{3}[\s.-]?\d{4}(?![\w-])")),
    ("ADDRESS", re.compile(r"\b\d{1,6}\s+([A-Z][a-z]+\s){1,3}(street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|"
                           r"drive|dr|court|ct|way|place|pl|terrace|circle|highway|hwy)\b\.?", re.IGNORECASE)),
    ("NAME", re.compile(r"\b(?P<lead>(?i:my name is|my name's|i am called|call me|this is|i'm|i’m|i am|name:))\s+"
                        r"(?P<name>[A-Za-z][a-z'’-]+(?:\s[A-Z][a-z'’-]+)?)\b")),
]


_NAME_LEADS_ALWAYS = ("my name is", "my name's", "name:")


def _names(text: str) -> list[re.Match[str]]:
    """'I'm Sarah' names someone; "I'm Worried" does not: after 'I'm'/'this is' only a
    capitalised word that is not a common word counts."""
    pattern = dict(PATTERNS)["NAME"]
    out = []
    for m in pattern.finditer(text):
        lead, name = m.group("lead").lower(), m.group("name")
        if (lead in _NAME_LEADS_ALWAYS and name.lower() not in _COMMON) or (
            name[0].isupper() and name.split()[0].lower() not in _COMMON
        ):
            out.append(m)
    return out


_COMMON = frozenset(
    """a an the not so very in on at having getting feeling worried scared afraid going trying looking wondering
    curious sure still just really currently pregnant sorry fine ok okay good bad here back diabetic allergic
    over under new old due done told taking on off in out about interested considering thinking hoping
    planning nervous anxious confused tired unable able in pain""".split()
)


def redact(text: str) -> str:
    for tag, pattern in PATTERNS:
        if tag != "NAME":
            text = pattern.sub(f"[{tag}]", text)
    for m in reversed(_names(text)):
        text = text[: m.start("name")] + "[NAME]" + text[m.end("name") :]
    return text


def found(text: str) -> list[tuple[str, str]]:
    """(kind, text) of every piece of personal data in ``text``."""
    hits = [(tag, m.group(0)) for tag, pattern in PATTERNS if tag != "NAME" for m in pattern.finditer(text)]
    return hits + [("NAME", m.group("name")) for m in _names(text)]


def strip_personal(text: str) -> str:
    """The text with personal data removed outright (for retrieval, where a tag is noise)."""
    return " ".join(re.sub(r"\[(EMAIL|MRN|INSURANCE_ID|SSN|DOB|PHONE|ADDRESS|NAME)\]", " ", redact(text)).split())


class RedactingFilter(logging.Filter):
    """Redacts every log record's message, so patient data never reaches a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        return True
