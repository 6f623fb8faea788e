"""Identifier formats no package recognises, by their shape and the words near them.

    spans(text, is_domain)   # [(kind, start, end), ...]: postal lines, PO boxes, spelt-out emails,
                             # record numbers near a record word, and bare identifier-shaped codes

Presidio's address support is a statistical NER model (none on PyPI that we may use) and libpostal
has no wheel; its email recogniser wants an "@"; its context words (a score boost for a pattern
near a word) need spaCy's tokens, which cost 1-2 ms a message here. So these are written by hand,
each as a class of formats rather than a list of examples:
- a postal line: a house number (optionally a unit or "House No." before it, up to three more parts after a
  hyphen or slash as Indian numbers have them, "H.No 12-3-456"; a street after it), up to five
  comma-separated parts, then a town and a postcode of any common shape (US ZIP, Indian PIN,
  Canadian, Australian with its state, UK), or a postcode then a town (the continental order);
- a PO box (and its continental names) with what follows it;
- an email written with "at" and "dot" ("jo.bloggs at example dot com", "jo [at] example [dot] org"),
  kept only when the domain it spells is a real one (tldextract's bundled suffix list);
- a record number near a record word ("hospital number from St James's is S4419023", "pt id
  0083721", "MRN is either 8820193 or 8820913", "prontuário 88-20471", "カルテ番号は0093318"): Presidio's
  context-word idea, over a window of characters instead of lemmas; the words, in the languages
  patients here write, are data (guardrails/record_words.txt);
- a local phone number of seven digits after a phone word ("cell 555-0123");
- a code shaped like a record number with no word near it ("LKV2290417": letters then six or more
  digits), which no clinic term, dose, CPT code or spinal level has;
- an identifier after ANY label that says it is one, whatever the scheme: "<word> number/no./#/ID/
  card <code>" ("NHIF no 4410982", "NHIS number is NHIS/LAG/2291047"), an acronym right before a
  code ("NHI ZAB1234"), and a form label before a long number ("Tessera sanitaria: 8038..."). The
  named labels in pii.py cover the schemes we know; these cover the ones nobody listed;
- a run of nine or more digits on its own (no dose, price, count or clinic code is that long);
- a rural delivery or rural route address ("Rural Delivery 3, Kaikohe 0473");
- a street address typed in lower case ("14 glenview park, tallaght, dublin 24"): a house number,
  one to three words that are not function or unit words, a street word, and a comma-separated part.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

_POSTCODE_AFTER_TOWN = (r"(?:[1-9]\d{2}\s?\d{3}"  # India (PIN), Singapore
                        r"|\d{3}-\d{4}"  # Japan
                        r"|\d{5}-\d{3}"  # Brazil (CEP)
                        r"|[A-Z]\d{4}[A-Z]{0,3}"  # Argentina (CPA)
                        r"|\d{5}(?:-\d{4})?"  # US ZIP, Mexico
                        r"|[A-Z]\d[A-Z]\s?\d[A-Z]\d"  # Canada
                        r"|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})")  # UK
_STATE = r"(?:[A-Z]{2,3}|[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)"  # "TX", "NSW", "Haryana", "Tamil Nadu"
_TOWN = r"[A-Z][\w'.-]*(?:\s[A-Z][\w'.-]*){0,2}"
_HOUSE = (r"(?:(?:house|h|flat|apt|apartment|unit|suite|ste|plot|door|shop|block|bldg|building|villa)\.?\s*"
          r"(?:no\.?|number|#)?\s*|#\s*)?(?:[A-Z]{1,2}-)?\d{1,5}[A-Za-z]?(?:[-/][A-Za-z0-9]{1,4}){0,3}")
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
PO_BOX = re.compile(r"(?i:\b(?:p\.?\s?o\.?\s*box|post\s+office\s+box|rural\s+(?:delivery|route)|r\.?\s?[dr]\.?(?=\s*#?\s*\d)|postfach|apartado(?:\s+de\s+correos)?|"
                    r"bo[iî]te\s+postale|caixa\s+postal|casella\s+postale)\s*#?\s*\d{1,6})"
                    r"(?:(?i:,?\s+[a-z][\w'.-]*(?:\s[a-z][\w'.-]*){0,2},?\s+(?:[a-z]{2,3}\s+)?\d{4,5}(?:-\d{4})?)"
                    r"|,\s*" + _TOWN + r"(?:,?\s+(?:[A-Z]{2}\s+)?(?:" + _POSTCODE_AFTER_TOWN + r"|\d{4}\b))?)?")
_AT = r"(?:\s*[\[({<]\s*at\s*[\])}>]\s*|\s+at\s+)"
_DOT = r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+(?:dot|punkt|ponto|punto|point)\s+|\.)"
SPELT_EMAIL = re.compile(r"(?i)\b(?P<local>[a-z0-9_+-]+(?:(?:" + _DOT + r"|\s+(?:underscore|dash|hyphen)\s+)"
                         r"[a-z0-9_+-]+)*)" + _AT +
                         r"(?P<domain>[a-z0-9-]+(?:" + _DOT + r"[a-z0-9-]+)+)\b")
_DOT_ONLY = re.compile(r"(?i)" + _DOT)

# A record word, then within a few words (no sentence end) an identifier: a code with at least five
# digits, optionally letters before or after, in groups ("RVJ 884 1029", "VSL-48210", "7734821X");
# more of them joined by "or", "and", "/" or a comma ("either 8820193 or 8820913").
RECORD_WORDS = Path(__file__).resolve().parent / "record_words.txt"
# scripts written without spaces: a label there is glued to the particle after it ("診察券番号は004512です")
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


@lru_cache(maxsize=1)
def record_word() -> re.Pattern[str]:
    """The record words of guardrails/record_words.txt as one pattern (read once, on first use)."""
    spaced: list[str] = []
    unspaced: list[str] = []
    for line in RECORD_WORDS.read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip().lower()
        if word:
            (unspaced if _UNSPACED.search(word) else spaced).append(r"\s+".join(map(re.escape, word.split())))
    if not spaced:
        raise ValueError(f"{RECORD_WORDS}: no record words")
    longest_first = sorted(spaced, key=len, reverse=True)
    pattern = r"\b(?:" + "|".join(longest_first) + r")\b"
    if unspaced:
        pattern += "|" + "|".join(sorted(unspaced, key=len, reverse=True))
    return re.compile("(?i)" + pattern)


_CODE = r"(?<![\w$£€₹.,/-])(?:[A-Z]{1,4}[\s-]?)?\d[\d\s-]{3,}\d[A-Z]{0,2}(?![\w/.,]\d)\b"
CODE = re.compile(_CODE)  # capital letters only before the digits: "id 0083721" is not one code
CODE_LIST = re.compile(r"\s*(?:,|/|\b(?i:or|and|either)\b)\s*(?i:maybe\s+|possibly\s+)?(?P<id>" + _CODE +
                       r"|(?=[A-Z0-9/-]*\d{3})[A-Z0-9]+(?:[/-][A-Z0-9]+)+)")  # or a code in parts: "2023/OP/1187"
_WINDOW = 60
LABEL_GAP = re.compile(r"(?i)(?:\s*(?:id|number|no\.?|num|#|nr))?(?:\s+(?:is|was))?\s*[:#]?\s*")
_UNIT_AFTER = re.compile(r"(?i)\s*(?:rupees|rs|inr|usd|dollars|pounds|euros?|gbp|eur|mg|ml|mcg|steps|miles|km|kg|lbs?|"
                         r"cc|units|%|pm|am)\b")
# the words that say a phone number follows, in the languages patients here write
_PHONE_WORDS = (r"(?:call|ring|text|phone|tel|cell|cel|mobile|mob|landline|line|whatsapp|number|reach|ph|hp|telefone|"
                r"tel[eé]fono|telefono|m[oó]vil|celular|handy|portable|telem[oó]vel|num[eé]ro)")
# an extension after a number: "555-0126x4", "555 0126 ext. 12"
_EXTENSION = r"(?:\s?(?i:x|ext\.?)\s?\d{1,5})?"
# A local number (no area code: 7 digits, "555-0148", "5550148") after a phone word: phonenumbers needs the
# whole national number to match, and 6-7 bare digits elsewhere are counts, doses and prices.
LOCAL_PHONE = re.compile(r"(?i)\b" + _PHONE_WORDS + r"\b"
                         r"(?:[\s,|]+(?:me|us|him|her|back|on|at|is|it'?s|its|no\.?|number|:|#)){0,4}\s*[:#|]?\s*"
                         r"(?P<id>(?<!\d)\d{3}[-. ]?\d{4}" + _EXTENSION + r"(?![\d-]))")
# The same shape with no phone word ("use mine, 555-0152"), written with a dash or a dot: a count,
# dose or price range has a unit after it or round ends ("400-1000 mg", "300-1000"), not a line number.
BARE_LOCAL = re.compile(r"(?<![\w+(.,/$£€₹#-])([2-9]\d{2})[-.](\d{4})" + _EXTENSION + r"(?![\w/-]|[.,]\d)")
# A number after a phone word, in any country's grouping ("cell 0803 555 1234", "whatsapp 0917 555
# 0142"): phonenumbers knows the regions in pii.PHONE_REGIONS; after the word, any 8-13 digits will do.
PHONE_WORD = re.compile(r"(?i)\b" + _PHONE_WORDS + r"\b"
                        r"(?:[\s,|]+(?:me|us|him|her|on|at|is|it'?s|its|no\.?|number|:|#)){0,3}\s*[:#.|]?\s*"
                        r"(?P<id>\+?\(?\d[\d\s().\-\u2010-\u2015]{6,20}\d)")
# An email written "jo.smith at example.com" (only the "@" spelt out), after a word that says it
# is one: without it, "at home.com" or "at clinic.org" reads as a place.
EMAIL_CUE = re.compile(r"(?i)\b(?:e-?mail|mail|inbox|address|write\s+to|send\s+(?:it\s+|them\s+)?to|contact|reply\s+to)\b")
AT_EMAIL = re.compile(r"(?i)\b[a-z0-9][a-z0-9._+-]*\s+at\s+[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,24}\b")

# A phone number spoken into voice typing, alone or mixed with digit groups: "oh seven seven oh oh,
# nine oh oh...", "nine one nine, 555, 0137", "oh seven seven double-oh 900 727". Read as digits
# (see _spoken_digits): 7-13 of them, at least two spoken; "double"/"triple" repeat the next digit.
_DIGIT_WORD = r"(?:zero|oh|o|one|two|three|four|five|six|seven|eight|nine|double|triple)"
_SPOKEN_TOKEN = r"(?:" + _DIGIT_WORD + r"|\d{1,4})"
SPOKEN_DIGITS = re.compile(r"(?i)(?<![\w+$£€-])" + _SPOKEN_TOKEN + r"(?:(?:[\s,.]+|-)" + _SPOKEN_TOKEN + r"){2,}(?![\w-])")
_SPOKEN_GATE = re.compile(r"(?i)\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)\b.*"
                          r"\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)\b")
_SPOKEN_VALUE = {w: 1 for w in "zero oh o one two three four five six seven eight nine".split()} | {"double": 1, "triple": 2}


def _spoken_digits(run: str) -> tuple[int, int]:
    """(digits, spoken digit words) in a run SPOKEN_DIGITS found."""
    digits = spoken = 0
    for token in re.findall(r"[a-z]+|\d+", run.lower()):
        if token.isdigit():
            digits += len(token)
        else:
            digits += _SPOKEN_VALUE[token]
            spoken += token not in ("double", "triple")
    return digits, spoken


# A date of birth after its cue, in any language: "born the third of may 1971", "née le 22 mars 1947",
# "nació el quince de marzo de mil novecientos setenta y uno", "born on Christmas Day 1949", "dob is oh
# three, oh nine, sixty-eight", "生年月日：昭和45年3月12日". Presidio's date patterns want digits. After the
# cue, birth_dates reads on while each word is a date's word: digits, a month name of many languages
# (Babel's CLDR data), a number word of those languages (num2words'), a linking word, or a capitalised
# word (a holiday, another calendar's month, a town: "nato a Napoli il 18 gennaio 1971"), and keeps what
# it read when it holds a date: a year, a month and a number, or three numbers. "born with scoliosis,
# had surgery in 1998" and "born 3 weeks early" are not dates of birth.
# (the birth words of the languages patients here write: English, Spanish, French, German, Italian,
# Portuguese, Polish, Dutch, Romanian, Hungarian, Turkish, Tagalog, Swahili, Indonesian and Malay, Czech,
# Scandinavian, Finnish, Greek, Chinese and Japanese)
BIRTH_CUE = (r"(?:born|n[ée]e|né|nac(?:id[oa]|í|i|ió)|geboren|geb\.|nat[oa]|nasceu|nascid[oa]|nasci|urodzon[ya]|"
             r"urodzi(?:ł|l)(?:em|am|a)?(?:\s+si[ęe])?|ur\.(?=\s*\d)|n[ăa]scut[ăa]?(?:\s+(?:pe|[îi]n))?|"
             r"sz[üu]let(?:ett|[ée]si\s+d[áa]tum(?:a)?)|do[ğg]um\s+tarihi|do[ğg]dum|ipinanganak(?:\s+(?:noong|sa))?|"
             r"alizaliwa(?:\s+tarehe)?|(?:tanggal\s+|tarikh\s+)?lahir(?:\s+pada)?|narozen[aá]?|f[öo]dd|f[øo]dt|"
             r"syntynyt|γεννήθηκ[αε]|"
             r"dob|d\.o\.b\.?|date\s+of\s+birth|birth\s*date|birthday|geburtsdatum|fecha\s+de\s+nacimiento|"
             r"date\s+de\s+naissance|data\s+di\s+nascita|data\s+de\s+nascimento|生年月日|出生日期|出生)")
BIRTH_CUE_RE = re.compile(r"(?i)(?<!\w)" + BIRTH_CUE + r"(?!\w)")
_CJK_DATE = re.compile(r"[\s:：]*(?P<id>[^\s\d]{0,4}\d{1,4}年\d{1,2}月\d{1,2}日)")
_DATE_TOKEN = re.compile(r"['’]\d\d\b|[^\W_]+")  # a word, or a year with an apostrophe ('57)
_DATE_GAP = re.compile(r"[\s,./:：=()'’\-–—]{0,4}")
_DATE_LINKS = frozenset("""the of on in at de del des den le el la il lo du di da do am im em a à y and en op van
day year th st nd rd er o º ª e is was est es ist é è r roku año ano anno jahr pe noong tarehe pada στις s as""".split())
# the languages patients here write, for month names (Babel) and number words (num2words)
_DATE_LOCALES = ("en", "es", "fr", "de", "it", "pt", "nl", "pl", "sv", "da", "nb", "fi", "cs", "ro", "hu", "tr", "ga", "ca",
                 "id", "ms", "fil", "sw", "el")


@lru_cache(maxsize=1)
def month_names() -> frozenset[str]:
    """Month names, full and abbreviated, of _DATE_LOCALES (Babel's CLDR data, read on first use)."""
    from babel.dates import get_month_names

    names: set[str] = set()
    for locale in _DATE_LOCALES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                names |= {str(n).lower().strip(".") for n in get_month_names(width, context, locale).values()}
    return frozenset(names)


@lru_cache(maxsize=1)
def number_words() -> frozenset[str]:
    """The words of days (1-31, cardinal and ordinal) and of years (1900-2029) in _DATE_LOCALES, as
    num2words writes them ("quince", "ventotto", "mil novecientos setenta y uno", "nineteen sixty-eight"),
    and "oh" for a spoken zero. Built on first use (about 0.2 s)."""
    from num2words import CONVERTER_CLASSES, num2words

    def spell(n: int, lang: str, to: str) -> set[str]:
        try:
            return set(re.findall(r"[^\W\d_]+", str(num2words(n, lang=lang, to=to)).lower()))
        except (NotImplementedError, KeyError, ValueError, TypeError, OverflowError, AttributeError):
            return set()  # a form this language's converter does not write

    words = {"oh", "o", "zero", "hundred", "thousand"}
    for lang in (x for x in _DATE_LOCALES if x in CONVERTER_CLASSES):
        for n in range(1, 32):
            words |= spell(n, lang, "cardinal") | spell(n, lang, "ordinal")
        for year in range(1900, 2030):
            words |= spell(year, lang, "year") or spell(year, lang, "cardinal")
    return frozenset(w for w in words if len(w) > 1 or w == "o")


def _date_word(word: str) -> str | None:
    """What a word after a birth cue is: "digit", "month", "number", "link", "cap", or None (not a date's word)."""
    lower = word.lower()
    if any(ch.isdigit() for ch in word):
        return "digit"
    if lower in month_names():
        return "month"
    if lower in _DATE_LINKS:  # before number words: "and" and "e" are in num2words' years too
        return "link"
    if lower in number_words():
        return "number"
    return "cap" if word[:1].isupper() else None


def birth_dates(text: str) -> list[tuple[int, int]]:
    """The date read after each birth cue (see BIRTH_CUE)."""
    out: list[tuple[int, int]] = []
    for cue in BIRTH_CUE_RE.finditer(text):  # no cheaper gate: a gate of the cues' stems cost twice this search
        if cjk := _CJK_DATE.match(text, cue.end()):
            out.append((cjk.start("id"), cjk.end("id")))
            continue
        taken: list[tuple[int, int, str, str]] = []
        pos = cue.end()
        for m in _DATE_TOKEN.finditer(text, pos):
            gap = text[pos:m.start()]
            kind = _date_word(m.group(0))
            if kind is None or len(taken) >= 14 or not _DATE_GAP.fullmatch(gap) or (
                    "." in gap and kind == "cap" and taken and taken[-1][3] != "digit"):
                break  # not a date's word, too far, or a new sentence ("born in Leeds. Call me")
            taken.append((m.start(), m.end(), m.group(0), kind))
            pos = m.end()
        while taken and taken[-1][3] in ("link", "cap"):
            taken.pop()
        while taken and taken[0][3] == "link":
            taken.pop(0)
        kinds = [k for _, _, _, k in taken]
        year = any(re.fullmatch(r"(?:1[89]|20)\d\d|['’]\d\d", w) for _, _, w, _ in taken)
        numeric = sum(k in ("digit", "number") for k in kinds)
        if taken and (year or ("month" in kinds and numeric) or numeric >= 3):
            out.append((taken[0][0], taken[-1][1]))
    return out


# A street led by its street word and a house number, with no postcode (Latin America, South-East
# Asia): "Calle 85 # 11-53", "Av. Providencia 1234, depto 56", "Jl. Sudirman No. 45".
LEAD_STREET = re.compile(r"(?i)\b(?:calle|carrera|cra\.|avenida|av\.|rua|travessa|jl\.|jalan|jr\.|pasaje|psje\.)\s+"
                         r"[^\d,\n?!]{0,30}?\d{1,5}[a-z]?(?:\s*(?:#|n[oº°]\.?)\s*\d{1,5}(?:-\d{1,4})?)?"
                         r"(?:,\s*(?:depto|dpto|apto|apt|piso|casa|bloco|unit)\.?\s*\w+)?")

# an identifier shape on its own: capital letters then six or more digits, or the reverse
BARE_CODE = re.compile(r"\b(?:[A-Z]{1,4}-?\d{6,10}[A-Z]?|[A-Z]{2,5}-\d{5}|\d{6,10}-?[A-Z]{1,4})\b")


# cheap tests of what each format needs, so most messages skip its pattern: "dot" or a bracketed
# "at"; a box word; a comma with a 3+ digit run after it (a postcode); a 3-4 digit local number
_EMAIL_GATE = re.compile(r"(?i)\b(?:dot|punkt|ponto|punto|point)\b|[\[({<]\s*at\s*[\])}>]")
_BOX_GATE = re.compile(r"(?i)box|postfach|apartado|postale|postal|rural|\br\.?\s?[dr]\b")
_POSTAL_GATE = re.compile(r",[^\n]*\d{3}|\d{3}[^\n]*,")
_LOCAL_GATE = re.compile(r"\d{3}[-. ]?\d{4}")


# --- identifiers after any label, long digit runs, lower-case streets (round 5) --------------------
# a code: letters, digits, "/", ".", "-", with a digit in it, and digit groups after it ("898 0034 5521");
# a few capitals may lead it ("QQ 12 34 56 C")
_TOKEN = r"(?:[A-Z]{1,4}\s(?=\d))?(?=[\w/.-]*\d)[A-Za-z0-9](?:[A-Za-z0-9/.-]*[A-Za-z0-9])?(?:\s\d{2,}(?![\w/]))*"
# (the label word ends a word: "take Norco 5/325" has no "no" label)
NUMBER_LABEL = re.compile(r"(?i)\b(?P<label>[a-z][\w'-]*)\s+(?:number|no\.?|num|nr|#|id|card)(?![a-z])(?:\s+(?:is|was))?"
                          r"\s*[:#]?\s*(?P<id>" + _TOKEN + ")")
ACRONYM_LABEL = re.compile(r"\b(?P<label>[A-Z]{2,6})(?:\s+(?:is|was|=))?\s*[:#]?\s*(?P<id>" + _TOKEN + ")")
# a compound word that says "number" ("Versichertennummer", "Pasientnummer", "número de historia")
COMPOUND_LABEL = re.compile(r"(?i)\b(?P<label>\w{3,}(?:nummer|nr|numero|número|numéro))(?:\s+(?:de|da|do|del)\s+\w+(?:\s+\w+)?)?"
                            r"(?:\s+(?:is|ist|es|é|est|er|är|on|was))?\s*[:#]?\s*(?P<id>" + _TOKEN + ")")
FORM_LABEL = re.compile(r"(?im)(?:^|[.;|/]\s)\s*(?P<label>[a-zà-ÿ][\w\s'-]{1,30}?)\s*:\s*(?P<id>" + _TOKEN + ")")
# labels whose number is not an identifier of the patient (a phone is found as a phone; a room, a
# dose or a step is not personal) and medical code systems
_NOT_ID_LABELS = frozenset("""phone telephone tel mobile cell cellphone contact fax whatsapp landline home work office room
bed ward floor page step level dose doses question option item version model lot batch cpt icd hcpcs ndc fda mri ct
rx pain vas odi bmi bp hr""".split())
LONG_DIGITS = re.compile(r"(?<!\d)(?<!\d[.,])\d{9,}(?!\d|[.,]\d)")  # not part of 1,234,567,890 or 12.3
_FUNCTION = frozenset("""a an the and or but of to in on at for with by from my your his her our their this that
these those it is are was were be am i we you he she they me him them round around every each per about""".split())
_MEASURE = re.compile(r"(?i)(?:min(?:ute)?s?|h(?:ou)?rs?|days?|weeks?|months?|years?|times?|mg|ml|km|miles?|mile|"
                      r"steps?|laps?|reps?|sets?|pills?|tablets?|kg|lbs?|cm|inch(?:es)?|feet|foot|ft|metres?|meters?|"
                      r"levels?|injections?|shots?|sessions?|visits?|floors?|stairs?|flights?)$")
_LOWER_STREET = (r"street|st|avenue|ave|road|rd|lane|ln|drive|dr|court|ct|close|crescent|grove|park|walk|green|rise|"
                 r"heights|view|terrace|place|way|gardens|square|estate|manor|meadows?|mews|row|hill|vale|wood|lawn")
LOWER_STREET = re.compile(r"(?i)\b\d{1,5}[a-z]?\s+(?P<words>[a-z][\w'-]*(?:\s+[a-z][\w'-]*){0,2})\s+(?:"
                          + _LOWER_STREET + r")\b(?:\s*,\s*[a-z][\w'-]*(?:\s+[a-z0-9][\w'-]*){0,2}){1,4}")


def _id_like(code: str, letters_too: int = 5) -> bool:
    """Enough digits to identify someone: five, or four with letters ("ZAB1234"); not a year range,
    a date or a decimal ("2019-2021", "12.5")."""
    digits = _digits(code)
    letters = sum(ch.isalpha() for ch in code)
    if letters > digits + 4:
        return False  # a word or an encoded string ("aWdub3JlIGFsbCBw..."), not a number
    if re.fullmatch(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|(?:19|20)\d\d\s*-\s*(?:19|20)?\d\d|\d+\.\d+", code):
        return False
    return digits >= letters_too or (digits >= 4 and letters >= 1 and len(code.replace(" ", "")) >= 7)


def labelled_ids(text: str) -> list[tuple[str, int, int]]:
    """Codes after a label that says they are identifiers (see the module docstring)."""
    out: list[tuple[str, int, int]] = []
    for pattern, letters_too in ((NUMBER_LABEL, 5), (ACRONYM_LABEL, 99), (FORM_LABEL, 6), (COMPOUND_LABEL, 5)):
        for m in pattern.finditer(text):
            label = m.group("label").split()[-1].lower()
            code = m.group("id")
            if label in _NOT_ID_LABELS or _UNIT_AFTER.match(text, m.end("id")):
                continue
            if pattern is ACRONYM_LABEL and (_digits(code) < 4 or len(re.sub(r"\W", "", code)) < 7):
                continue
            if _id_like(code, letters_too):
                out.append(("ID_NUMBER", m.start("id"), m.end("id")))
    out += [("ID_NUMBER", m.start(), m.end()) for m in LONG_DIGITS.finditer(text)]
    for m in LOWER_STREET.finditer(text):
        words = m.group("words").lower().split()
        if not any(w in _FUNCTION or _MEASURE.match(w) for w in words):
            out.append(("ADDRESS", m.start(), m.end()))
    return out


def _digits(s: str) -> int:
    return sum(map(str.isdigit, s))


def spans(text: str, is_domain: Callable[[str], bool]) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    if _EMAIL_GATE.search(text):
        pos = 0
        private: list[tuple[int, int]] = []
        while m := SPELT_EMAIL.search(text, pos):
            domain = _DOT_ONLY.sub(".", m.group("domain")).lower()
            # a plain email is Presidio's; "at home.com" is not spelt out; "me at jo dot li at
            # example dot org" first reads "jo.li" as the domain: not one, so look again a word on
            spelt = "@" not in m.group(0) and re.search(r"(?i)dot|punkt|ponto|punto|point|[\[({<]at", m.group(0))
            if spelt and is_domain(domain):
                out.append(("EMAIL", m.start(), m.end()))
                pos = m.end()
            else:
                if spelt and re.search(r"\.[a-z]{2,24}$", domain) and (
                        re.search(r"[\[({<]\s*at", m.group(0)) or re.search(r"(?i)\b(?:dot|punkt|ponto|punto|point)\b", m.group("domain"))):
                    private.append((m.start(), m.end()))  # a private or reserved domain ("lotusmail.example")
                pos = m.start() + 1
        # kept when no address at a public domain covers it: an address is someone's, whatever its domain
        out += [("EMAIL", s, e) for s, e in private if not any(k == "EMAIL" and a < e and s < b for k, a, b in out)]
    if _SPOKEN_GATE.search(text):
        for m in SPOKEN_DIGITS.finditer(text):
            digits, spoken = _spoken_digits(m.group(0))
            if 7 <= digits <= 13 and spoken >= 2:
                out.append(("PHONE", m.start(), m.end()))
    out += [("DOB", start, end) for start, end in birth_dates(text)]
    if " at " in text and EMAIL_CUE.search(text):
        out += [("EMAIL", m.start(), m.end()) for m in AT_EMAIL.finditer(text)
                if is_domain(m.group(0).split()[-1]) or EMAIL_CUE.search(text, max(0, m.start() - 30), m.start())]
    if not any(map(str.isdigit, text)):
        return out
    if _BOX_GATE.search(text):
        out += [("ADDRESS", m.start(), m.end()) for m in PO_BOX.finditer(text)]
    out += [("ADDRESS", m.start(), m.end()) for m in LEAD_STREET.finditer(text)
            if not _MEASURE.match((text[m.end():].split() or [""])[0])]  # "Avenida news 24 hours ago" is not one
    if _POSTAL_GATE.search(text):
        out += [("ADDRESS", m.start(), m.end()) for m in POSTAL_LINE.finditer(text)]
        out += [("ADDRESS", m.start(), m.end()) for m in STREET_FIRST.finditer(text)]
    for word in record_word().finditer(text):
        # characters of unspaced scripts read as spaces (same offsets): a code there ends at a particle
        window = _UNSPACED.sub(" ", text[word.end():word.end() + _WINDOW])
        stop = re.search(r"(?<!\bno)(?<!\bNo)(?<!\bNO)(?<!\bnr)(?<!\bref)(?<!\b[Ss]t)(?<!\b[Dd]r)(?<!\b[Mm]t)[.?!](?:\s|$)|\n",
                         window)  # not at "no.", "ref.", "St.", "Dr.": "my mrn at st. olaf's is SO-448-2210"
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
    out += labelled_ids(text)
    for m in PHONE_WORD.finditer(text):
        if 8 <= _digits(m.group("id")) <= 13 and not _UNIT_AFTER.match(text, m.end("id")):
            out.append(("PHONE", m.start("id"), m.end("id")))
    if _LOCAL_GATE.search(text):
        out += [("PHONE", m.start("id"), m.end("id")) for m in LOCAL_PHONE.finditer(text)]
        out += [("PHONE", m.start(), m.end()) for m in BARE_LOCAL.finditer(text)
                if not _UNIT_AFTER.match(text, m.end()) and not (m.group(1).endswith("0") and m.group(2).endswith("00"))]
    return out
