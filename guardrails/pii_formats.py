"""Identifier formats no package recognises, by their shape and the words near them.

    spans(text, is_domain)   # [(kind, start, end), ...]: postal lines, PO boxes, spelt-out emails,
                             # record numbers near a record word, and bare identifier-shaped codes

Presidio's address support is a statistical NER model (none on PyPI that we may use) and libpostal
has no wheel; its email recogniser wants an "@"; its context words (a score boost for a pattern
near a word) need spaCy's tokens, which cost 1-2 ms a message here. So these are written by hand,
each as a class of formats rather than a list of examples:
- a postal line: a house number (optionally a unit or "House No." before it, a street after it), up to five
  comma-separated parts, then a town and a postcode of any common shape (US ZIP, Indian PIN,
  Canadian, Australian with its state, UK), or a postcode then a town (the continental order);
- a PO box (and its continental names) with what follows it;
- an email written with "at" and "dot" ("jo.bloggs at example dot com", "jo [at] example [dot] org"),
  kept only when the domain it spells is a real one (tldextract's bundled suffix list);
- a record number near a record word ("hospital number from St James's is S4419023", "pt id
  0083721", "MRN is either 8820193 or 8820913"): Presidio's context-word idea, over a window of
  characters instead of lemmas;
- a local phone number of seven digits after a phone word ("cell 555-0123");
- a code shaped like a record number with no word near it ("LKV2290417": letters then six or more
  digits), which no clinic term, dose, CPT code or spinal level has.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_POSTCODE_AFTER_TOWN = (r"(?:[1-9]\d{2}\s?\d{3}"  # India (PIN)
                        r"|\d{5}(?:-\d{4})?"  # US ZIP
                        r"|[A-Z]\d[A-Z]\s?\d[A-Z]\d"  # Canada
                        r"|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})")  # UK
_STATE = r"(?:[A-Z]{2,3}|[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)"  # "TX", "NSW", "Haryana", "Tamil Nadu"
_TOWN = r"[A-Z][\w'.-]*(?:\s[A-Z][\w'.-]*){0,2}"
_HOUSE = (r"(?:(?:house|h|flat|apt|apartment|unit|suite|ste|plot|door|shop|block|bldg|building|villa)\.?\s*"
          r"(?:no\.?|number|#)?\s*|#\s*)?(?:[A-Z]{1,2}-)?\d{1,5}[A-Za-z]?(?:[-/][A-Za-z0-9]{1,4})?")
_PART = r"[^,\n?!;:()]{1,40}?"
# the anglo and Indian order: ..., Town, [State] Postcode; AU's postcode has only 4 digits, so its
# state is required
_TAIL_ANGLO = (r"(?:" + _TOWN + r"[,\s-]+(?:" + _STATE + r"[,\s-]+)?" + _POSTCODE_AFTER_TOWN +
               r"|" + _TOWN + r",?\s+(?:NSW|VIC|QLD|WA|SA|TAS|ACT|NT)\s+\d{4})")
# a continental postcode: PL 00-950, SE/CZ 113 51, NL 1017 AB, PT 1200-195, and 4-5 digits elsewhere
CONTINENTAL_POSTCODE = r"(?:\d{2}-\d{3}|\d{3}\s\d{2}|\d{4}\s?[A-Z]{2}|\d{4}-\d{3}|\d{4,5})"
# the continental order: ..., Postcode Town (not a year: "5, 2019 Surgery")
_TAIL_CONTINENTAL = (r"(?!(?:19|20)\d\d\s)" + CONTINENTAL_POSTCODE +
                     r"\s+[A-ZÀ-ÖØ-Þ][^\W\d_]+(?:[\s-][A-ZÀ-ÖØ-Þ][^\W\d_]+)?")
POSTAL_LINE = re.compile(r"(?i:\b" + _HOUSE + r")(?:\s+" + _PART + r")?\s*,\s*(?:" + _PART + r",\s*){0,5}?(?:" + _TAIL_ANGLO + r"|"
                         + _TAIL_CONTINENTAL + r")\b")
# A continental street named by its street word ("Kerkstraat 14 bus 3, 2000 Antwerpen", "Rue Haute 5,
# 1000 Bruxelles"): with the street word there, a postcode shaped like a year is still a postcode,
# which pii.CONTINENTAL (no street word) must refuse ("March 5, 2019 Surgery").
_STREET_SUFFIX = (r"(?:straat|laan|weg|plein|gracht|kade|dreef|steenweg|stra(?:ß|ss)e|gasse|platz|allee|ring|gade|vej|"
                  r"gatan|vägen|torget|utca|ulica|cesta|iela|tie|katu)")
_STREET_LEAD = r"(?i:rue|avenue|av\.|chauss[ée]e|boulevard|bd|place|quai|via|viale|piazza|corso|calle|avenida|rua|ul\.)"
STREET_FIRST = re.compile(r"\b(?:[A-ZÀ-ÖØ-Þ][^\W\d_]*" + _STREET_SUFFIX + r"|" + _STREET_LEAD + r"\s+[^\d,\n]{2,30}?)"
                          r"\s+\d{1,4}[A-Za-z]?(?:[-/]\w+)?(?:\s+(?i:m\.|bus|bte|bo[iî]te|int\.|app?\.|lgh|top)\s*\w+)?,\s*"
                          r"(?:[\w.ºª°/-]+(?:\s[\w.ºª°/-]+)?,\s*){0,2}"
                          + CONTINENTAL_POSTCODE + r"\s+[A-ZÀ-ÖØ-Þ][^\W\d_]+")
PO_BOX = re.compile(r"(?i:\b(?:p\.?\s?o\.?\s*box|post\s+office\s+box|postfach|apartado(?:\s+de\s+correos)?|"
                    r"bo[iî]te\s+postale|caixa\s+postal|casella\s+postale)\s*#?\s*\d{1,6})"
                    r"(?:(?i:,?\s+[a-z][\w'.-]*(?:\s[a-z][\w'.-]*){0,2},?\s+(?:[a-z]{2,3}\s+)?\d{4,5}(?:-\d{4})?)"
                    r"|,\s*" + _TOWN + r"(?:,?\s+(?:[A-Z]{2}\s+)?" + _POSTCODE_AFTER_TOWN + r")?)?")
_AT = r"(?:\s*[\[({<]\s*at\s*[\])}>]\s*|\s+at\s+)"
_DOT = r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+|\.)"
SPELT_EMAIL = re.compile(r"(?i)\b(?P<local>[a-z0-9_+-]+(?:(?:" + _DOT + r"|\s+(?:underscore|dash|hyphen)\s+)"
                         r"[a-z0-9_+-]+)*)" + _AT +
                         r"(?P<domain>[a-z0-9-]+(?:" + _DOT + r"[a-z0-9-]+)+)\b")
_DOT_ONLY = re.compile(r"(?i)" + _DOT)

# A record word, then within a few words (no sentence end) an identifier: a code with at least five
# digits, optionally letters before or after, in groups ("RVJ 884 1029", "VSL-48210", "7734821X");
# more of them joined by "or", "and", "/" or a comma ("either 8820193 or 8820913").
RECORD_WORD = re.compile(r"(?i)\b(?:mrn|m\.r\.n|medical\s+record|records?|chart|hospital|hosp|patient|pt|uhid|"
                         r"ur|nhi|case|file|registration|reg|ref|reference|clinic\s+(?:id|number|no))\b")
_CODE = r"(?<![\w$£€₹.,/-])(?:[A-Z]{1,4}[\s-]?)?\d[\d\s-]{3,}\d[A-Z]{0,2}(?![\w/.,]\d)\b"
CODE = re.compile(_CODE)  # capital letters only before the digits: "id 0083721" is not one code
CODE_LIST = re.compile(r"\s*(?:,|/|\b(?i:or|and|either)\b)\s*(?i:maybe\s+|possibly\s+)?(?P<id>" + _CODE + ")")
_WINDOW = 60
LABEL_GAP = re.compile(r"(?i)(?:\s*(?:id|number|no\.?|num|#|nr))?(?:\s+(?:is|was))?\s*[:#]?\s*")
_UNIT_AFTER = re.compile(r"(?i)\s*(?:rupees|rs|inr|usd|dollars|pounds|euros?|gbp|eur|mg|ml|mcg|steps|miles|km|kg|lbs?|"
                         r"cc|units|%|pm|am)\b")
# A local number (no area code: 7 digits, "555-0148") after a phone word: phonenumbers needs the
# whole national number to match, and 6-7 bare digits elsewhere are counts, doses and prices.
LOCAL_PHONE = re.compile(r"(?i)\b(?:call|ring|text|phone|tel|cell|mobile|mob|landline|whatsapp|number)\b"
                         r"(?:\s+(?:me|us|him|her|on|at|is|no\.?|number|:|#)){0,3}\s*[:#]?\s*"
                         r"(?P<id>(?<!\d)\d{3}[-. ]\d{4}(?![\d-]))")
# an identifier shape on its own: capital letters then six or more digits, or the reverse
BARE_CODE = re.compile(r"\b(?:[A-Z]{1,4}-?\d{6,10}[A-Z]?|\d{6,10}[A-Z]{1,3})\b")


# cheap tests of what each format needs, so most messages skip its pattern: "dot" or a bracketed
# "at"; a box word; a comma with a 3+ digit run after it (a postcode); a 3-4 digit local number
_EMAIL_GATE = re.compile(r"(?i)\bdot\b|[\[({<]\s*at\s*[\])}>]")
_BOX_GATE = re.compile(r"(?i)box|postfach|apartado|postale|postal")
_POSTAL_GATE = re.compile(r",[^\n]*\d{3}|\d{3}[^\n]*,")
_LOCAL_GATE = re.compile(r"\d{3}[-. ]\d{4}")


def _digits(s: str) -> int:
    return sum(map(str.isdigit, s))


def spans(text: str, is_domain: Callable[[str], bool]) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    if _EMAIL_GATE.search(text):
        pos = 0
        while m := SPELT_EMAIL.search(text, pos):
            domain = _DOT_ONLY.sub(".", m.group("domain")).lower()
            # a plain email is Presidio's; "at home.com" is not spelt out; "me at jo dot li at
            # example dot org" first reads "jo.li" as the domain: not one, so look again a word on
            if "@" not in m.group(0) and re.search(r"(?i)dot|[\[({<]at", m.group(0)) and is_domain(domain):
                out.append(("EMAIL", m.start(), m.end()))
                pos = m.end()
            else:
                pos = m.start() + 1
    if not any(map(str.isdigit, text)):
        return out
    if _BOX_GATE.search(text):
        out += [("ADDRESS", m.start(), m.end()) for m in PO_BOX.finditer(text)]
    if _POSTAL_GATE.search(text):
        out += [("ADDRESS", m.start(), m.end()) for m in POSTAL_LINE.finditer(text)]
        out += [("ADDRESS", m.start(), m.end()) for m in STREET_FIRST.finditer(text)]
    for word in RECORD_WORD.finditer(text):
        window = text[word.end():word.end() + _WINDOW]
        stop = re.search(r"(?<!\bno)(?<!\bNo)(?<!\bNO)(?<!\bnr)(?<!\bref)[.?!](?:\s|$)|\n", window)
        window = window[:stop.start()] if stop else window
        code = CODE.search(window)
        if code is None or _digits(code.group(0)) < 5 or _UNIT_AFTER.match(window[code.end():]):
            continue
        start = word.end() + code.start()
        # right after its label ("records number is 55-210-987") a record number, whatever else it looks like
        kind = "MRN" if LABEL_GAP.fullmatch(window[:code.start()]) else "MRN_NEAR"
        out.append((kind, start, start + len(code.group(0).rstrip(" -"))))
        tail = word.end() + code.end()
        while (more := CODE_LIST.match(text, tail)) and _digits(more.group("id")) >= 5:
            out.append((kind, more.start("id"), more.end("id")))
            tail = more.end()
    out += [("MRN", m.start(), m.end()) for m in BARE_CODE.finditer(text)]
    if _LOCAL_GATE.search(text):
        out += [("PHONE", m.start("id"), m.end("id")) for m in LOCAL_PHONE.finditer(text)]
    return out
