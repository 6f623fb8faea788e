"""Personal data in patients' messages, found before anything is stored or logged.

    detector = PiiDetector()
    detector.redact("I'm Priya Raman, call +44 7700 900123")   # "I'm [NAME], call [PHONE]"
    detector.find(text)                                        # [Span(kind, start, end, text), ...]

Built on Presidio's pattern recognisers (the field's standard recogniser framework; no statistical
model): email, credit cards, IBAN, IP addresses, URLs, dates, and national identifiers of the US,
UK, India, Spain and Italy, each called directly on a text one of its own patterns matches (no
AnalyzerEngine, no spaCy tokenizer), and phone numbers through phonenumbers' matcher on runs of
digits (see _phones). Presidio's email check asks tldextract for the
public-suffix list, which fetches it over the network: here it reads tldextract's bundled snapshot
instead. Recognisers that fire on any bare number (US driver licence, US bank account, passport
and similar) are left out: they redacted "88231907" in "level 8 pain" messages.

Written here because no packaged recogniser does them (each says why):
- record, member and policy numbers after their label (MRN, patient ID, member ID, policy #...);
- street addresses (a number, words, a street word), continental ones (street, number, postcode,
  town), Irish Eircodes, and UK postcodes with them;
- dates of birth (a date after "born", "DOB"...), other personal dates (appointment, surgery);
- in guardrails/pii_formats.py: postal lines of many countries (house number, parts, town and
  postcode in either order), PO boxes, spelt-out emails ("jo at example dot com"), record numbers
  a few words after a record word and in lists, bare letters-then-digits codes, local phones;
- person names, with no NER model on PyPI that we may use: a learned word classifier
  (guardrails/pii_names.py) over word features and the verdicts of rules (a name after a cue: "my
  name is", "I'm", "it's ... here", "Regards,", "Dr.", "my wife"...; runs of capitalised words that
  are neither common English, nor medical, nor the articles' own words).
Measured by benchmarks/pii_bench.py on guardrails/pii_cases.yaml and the fresh sets in evals/pii/.
"""

from __future__ import annotations

import logging
import re
import threading
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guardrails import pii_formats as formats
from guardrails.pii_names import (
    ORGANISATIONS,
    WORD,
    Context,
    Lexicon,
    NameModel,
    Token,
    _sentence_start,
    decode,
    first_names,
    known_words,
    load_words,
    message_features,
    place_words,
    shared_model,
    zipf,
)
from guardrails.pii_names import tokens as name_tokens

MEDICAL_WORDS = Path(__file__).resolve().parent / "medical_words.txt"
_ANY_TOP_LEVEL = re.compile(r"@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,24}$")  # see OfflineEmailRecognizer
# ID_NUMBER: an identifier of a scheme the labels below do not name ("NHIF no 4410982"), found by
# its label's shape (guardrails/pii_formats.labelled_ids)
TAGS = ("NAME", "EMAIL", "PHONE", "DOB", "DATE", "ADDRESS", "MRN", "INSURANCE_ID", "SSN", "CREDIT_CARD", "IBAN",
        "IP_ADDRESS", "URL", "ID_NUMBER")
# Presidio's entities -> ours
ENTITY_TAGS = {
    "EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "CREDIT_CARD": "CREDIT_CARD", "IBAN_CODE": "IBAN",
    "IP_ADDRESS": "IP_ADDRESS", "URL": "URL", "DATE_TIME": "DATE", "US_SSN": "SSN", "US_ITIN": "SSN",
    "UK_NINO": "SSN", "IN_AADHAAR": "SSN", "IN_PAN": "SSN", "ES_NIF": "SSN", "ES_NIE": "SSN", "IT_FISCAL_CODE": "SSN",
    "FI_PERSONAL_IDENTITY_CODE": "SSN", "UK_NHS": "INSURANCE_ID", "US_MBI": "INSURANCE_ID",
    "UK_POSTCODE": "ADDRESS", "MRN": "MRN", "INSURANCE_ID": "INSURANCE_ID", "ADDRESS": "ADDRESS", "DOB": "DOB",
    "PERSON": "NAME",
}
MIN_SCORE = 0.3
PHONE_REGIONS = ("US", "GB", "IN", "DE", "FR", "ES", "IT", "NL", "IE", "BE", "PT", "PL", "CH", "AT", "SE", "CA", "AU",
                 "NG")
_DIGIT = re.compile(r"\d")
# What every pattern of a recogniser needs, as one cheap test (Python's re; case-insensitive where
# Presidio's flags are, written out as [A-Za-z], which re scans faster): a recogniser's patterns (the `regex` module, 0.1-0.2 ms a long message for
# all of them) run only on a text that passes it. Each is read off the recogniser's patterns;
# tests/guardrails/test_pii.py checks on every message of the corpora that no pattern matches a text
# its hint refuses.
_HINTS = {"OfflineEmailRecognizer": re.compile("@"),
          "UrlRecognizer": re.compile(r"\.[a-z]{2}", re.IGNORECASE),  # a dot before the top-level domain
          "IpRecognizer": re.compile(r"\d\.\d{1,3}\.\d|:[0-9A-Fa-f]{0,4}:"),  # IPv4's dots; IPv6's two colons ("::" or ":db8:")
          "CreditCardRecognizer": re.compile(r"\d{4}[- ]?\d{3}"),
          "UkPostcodeRecognizer": re.compile(r"[0-9][ABD-HJLNP-UW-Z]{2}"),  # its inward code; upper case (see _build)
          "IbanRecognizer": re.compile(r"[A-Za-z]{2}\d\d[ -]?[A-Za-z0-9]{4}"),
          "DateRecognizer": re.compile(r"\d[/.\-]|[/.\-]\d"),
          "UsSsnRecognizer": re.compile(r"\d{3}[- .]\d{2}[- .]\d{4}"),
          "UsItinRecognizer": re.compile(r"9\d\d"),
          "UsMbiRecognizer": re.compile(r"\d[a-z][0-9a-z]\d", re.IGNORECASE),
          "NhsRecognizer": re.compile(r"\d{3}[- ]?\d{3}"),
          "UkNinoRecognizer": re.compile(r"\d\d ?\d\d ?\d\d"),
          "InAadhaarRecognizer": re.compile(r"\d{4}[- :]?\d{4}"),
          "InPanRecognizer": re.compile(r"[A-Za-z]{5}\d{4}"),
          "EsNifRecognizer": re.compile(r"\d{7}-?[a-z]", re.IGNORECASE),
          "EsNieRecognizer": re.compile(r"\d{7}-?[a-z]", re.IGNORECASE),
          "ItFiscalCodeRecognizer": re.compile(r"[A-Za-z0-9]{16}")}  # sixteen letters and digits in a row
# digits and the separators people type between them, including the dashes a phone's keyboard
# substitutes for a hyphen (U+2010-2015, minus sign), which phonenumbers reads as punctuation too
_PHONE_RUN = re.compile(r"\+?\(?\d[\d\s().\-/\u2010-\u2015\u2212]*\d")
_TAG = re.compile(r"\[(" + "|".join(TAGS) + r")\]")
_WORD = re.compile(r"\S+")
WORD_SCOPED = frozenset({"OfflineEmailRecognizer", "UrlRecognizer", "DateRecognizer"})  # see PiiDetector.recognised

# --- the recognisers no package has --------------------------------------------------------------
# An identifier: letters and digits with at least one digit, in groups joined by spaces, dashes or slashes.
# Its later groups have a digit too: "XJ555 please call" is one code and two words.
_ID = r"[A-Z0-9][A-Z0-9/.-]*\d[A-Z0-9/.-]*(?:\s(?=[A-Z-]*\d)[A-Z0-9][A-Z0-9-]{2,})*(?<=[A-Z0-9])"
# the label ends a word ("chi", a Scottish health number, is not the start of "children")
# (a dash may join a label to its code: "mrn-0083321")
_LABEL_TAIL = r"(?!\w)(?:\s*(?:id|number|no\.?|num|#|nr))?(?:\s+(?:is|was|are))?\s*(?:[:#]|-(?=\d))?\s*(?:no\.?\s*)?#?\s*"
MRN = re.compile(r"(?i:\b(?:mrn|medical\s+record|patient(?:\s+(?:acct|account))?|chart|hospital|uhid|file|reg\.?|ip|"
                 r"ref(?:erence)?|acct|account|case|profile|registration)" + _LABEL_TAIL + r")(?P<id>" + _ID + r")", re.IGNORECASE)
INSURANCE = re.compile(r"(?i:\b(?:member(?:ship)?|policy|insurance|insurer|subscriber|group|medicare|medicaid|medi-cal|"
                       r"mbi|claim|plan|nhs|chi|abha|cigna|aetna|humana|bupa|axa|bcbs|blue\s+cross|uhc|kaiser|star\s+health|"
                       r"krankenkasse|zilveren\s+kruis|health\s+card|ehic)(?:[\s,]+[A-Z]{2})?" + _LABEL_TAIL + r")"
                       r"(?P<id>" + _ID + r")", re.IGNORECASE)
NATIONAL = re.compile(r"(?i:\b(?:aadhaa?r|aadhar|ni|nino|national\s+insurance|social\s+security|ssn|s\.s\.n\.|sécu|secu|"
                      r"personnummer|bsn|dni|nie|ppsn?|pps|tax\s+code|codice\s+fiscale|pan|sin|nif|nir|steuer-?id|"
                      r"national\s+id|id\s+card)" + _LABEL_TAIL + r")(?P<id>" + _ID + r")", re.IGNORECASE)
MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
         r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|juni|mai|juli|oktober|dezember|enero|febrero|marzo|abril|mayo|"
         r"junio|julio|agosto|septiembre|octubre|noviembre|diciembre)")
WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)"
DATE_WORDS = re.compile(r"\b" + WEEKDAY + r"?(?:(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?\.?(?:\s+of)?\s+" + MONTH + r"\.?(?:,?\s+(?:19|20)\d\d)?"
                        r"|" + MONTH + r"\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+(?:19|20)\d\d)?)\b"
                        r"|\b" + WEEKDAY + r"\d{1,2}/\d{1,2}(?:/\d{2,4})?\b", re.IGNORECASE)
STREET = (r"street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|close|crescent|"
          r"grove|square|sq|highway|hwy|parkway|pkwy|row|gardens|mews|hill|strasse|straße|str|calle|via|rue|gracht")
_UNIT = r"(?:apt|apartment|unit|suite|ste|flat|#)\.?\s*#?[\w-]+"
# a unit may lead ("Apt 5C, 311 W 94th St"); a street's name may be a number ("W 94th St")
ADDRESS = re.compile(r"(?:\b" + _UNIT + r",?\s+)?\b\d{1,5}[A-Za-z]?(-\d+)?,?\s+(?:[A-Z0-9][\w'.-]*\s+){0,3}(?:" + STREET + r")\b\.?"
                     r"(?:,?\s+" + _UNIT + r")?"
                     r"(?:,\s*[A-Z][\w.]*(?:\s+[A-Z][\w.]*){0,2},?\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?"  # town, state ZIP
                     r"|,\s*[A-Z][\w.]*(?:\s+[A-Z][\w.]*){0,2},?\s*[A-Z]{2,3}\s+\d{4}"  # town, AU state postcode
                     r"|,\s*[A-Z][\w.]*(?:\s+[A-Z][\w.]*){0,2}|,?\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?)?", re.IGNORECASE)
ADDRESS_AFTER = re.compile(r"(?i:\b(?:calle|rue|via|hauptstraße|keizersgracht|elbchaussee)\s+)[\w\s,.'-]{0,40}?\d+[\w\s,.'-]{0,25}"
                           r"\b\d{4,5}\s+[A-Z][a-zäöüéè]+")
# An address after its cue, up to the end of the sentence, when it has a number in it
ADDRESS_CUE = re.compile(r"(?i:\b(?:(?:home\s+|postal\s+|mailing\s+|new\s+)?address\b[^:\n.?!]{0,30}(?::|\bis\b)|"
                         r"(?<!don't\s)\blive\s+at|\bdeliver(?:ed)?\s+(?:it\s+|the\s+\w+\s+)?to\s*:?|\bsend\s+(?:it|them|the\s+\w+)\s+to|"
                         r"\bvivo\s+en|\bmoro\s+na|\bwohne\s+in|\bj'habite|\bpost\s*code|\bzip\s*(?:code)?|\bpin\s*code)"
                         r"(?:\s+is)?\s*:?\s*)(?P<id>[^.?!\n]*\d[^?!\n]*?)(?=\s*(?:[.?!](?:\s|$)|\n|$|\s+(?:and|but|thanks|pls|please)\b))")
# A continental address: a street (an abbreviation such as "ul." may lead), a house number, then a
# postcode and a town ("Goethestraße 8, 80336 München", "Obchodná 12, 811 06 Bratislava"). No package
# has it: Presidio's address support is a statistical NER model, and libpostal is not on PyPI as a wheel.
# The postcode shapes are Europe's: 4-5 digits, 4 digits and 2 letters (NL), 3+2 digits (CZ, SK, SE,
# GR), 2-3 digits (PL), 4 digits (AT, CH, BE, DK, NO, HU, PT with -3); not a year ("March 5, 2019 Surgery").
_UPPER = "A-ZÀ-ÖØ-ÞĀ-Ž"
CONTINENTAL = re.compile(r"(?:\b[a-z]{1,3}\.\s+)?\b(?!" + MONTH + r"\b)[" + _UPPER + r"][^\W\d_]+(?:[-'][^\W\d_]+)*"
                         r"(?:\s+[^\W\d_][\w'.-]*){0,3}?\s+\d{1,4}[A-Za-z]?(?:[-/]\w+)?(?:\s+(?:m\.|bus|bte|bo[iî]te|int\.|app?\.|lgh|piso|top|stiege)\s*\w+)?,\s*"
                         r"(?:[\w.ºª°/-]+(?:\s[\w.ºª°/-]+)?,\s*){0,2}"
                         r"(?!(?:19|20)\d\d\s+[^\W\d_]+\b(?!\s*\d))" + formats.CONTINENTAL_POSTCODE + r"\s+[" + _UPPER + r"][^\W\d_]+")
# An Irish Eircode (routing key, unique identifier): Presidio has no recogniser for it.
EIRCODE = re.compile(r"\b[AC-FHKNPRTV-Y]\d[\dW]\s?[0-9AC-FHKNPRTV-Y]{4}\b")
# A date written with digits right after a birth cue ("dob 07-04-91"): Presidio's date patterns
# want a four-digit year with dashes; after the cue, any day-month-year shape is the birth date.
DOB_AFTER = re.compile(r"(?i:(?<!\w)" + formats.BIRTH_CUE + r"(?!\w)\s*(?:on|is|was|el|le|am|il|em|:)?\s*)"
                       r"(?P<id>\d{1,4}(?P<sep>[-/.]|\s)\d{1,2}(?P=sep)\d{2,4})\b")
NINO = re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b")
DOB_CUE = re.compile(r"(?<!\w)" + formats.BIRTH_CUE + r"(?!\w)\s*(on|is|was|el|le|am|il|em|the|:)?\s*$", re.IGNORECASE)
DATE_NUMERIC = re.compile(r"\d")  # a personal date has a day or a year in it ("March" alone is not one)

_NAME_TOKEN = WORD.pattern  # a word as the name model reads it (pii_names.tokens); its last character is a letter
CUES = re.compile(
    r"(?P<sign>\b(?:regards|thanks|thank\s+you|cheers|best|sincerely|love|warmly|kind\s+regards|best\s+wishes|"
    r"many\s+thanks|thanks\s+a\s+million|thx|ta)\s*[,!.—–-]+|(?:^|\s)[-—–]\s*(?=\w+\W*$|\w+\s+\w+\W*$|[A-Z]\w+\s*[.,(])|"
    r"\bsigned)"
    r"|(?P<strong>\b(?:my|his|her|our|their)\s+name\s+is|\bmy\s+name's|\bname\s+is|\b(?:first\s+|last\s+|full\s+|sur|given\s+|family\s+)?name\s*[:\-/=|]?|"
    r"\bpatient\s*[:\-|]|\bdear|\b(?:nome|nombre|naam|nom|navn|namn|nimi|imi[eę]|nazwisko|nume|vorname|nachname|apellidos?|cognome|sobrenome|"
    r"achternaam|voornaam|pr[eé]nom)\b\s*[:\-]?|\bme\s+llamo|\bsoy|\bik\s+ben|\bmi\s+chiamo|\bsono|\bje\s+m'appelle|"
    r"\bich\s+hei(?:ß|ss)e|\bchamo-me|\bsou\s+(?:o|a)|\bjmenuji\s+se|\bmein\s+name\s+ist|\bmi\s+nombre\s+es|"
    r"\bse\s+(?:llama|chama)|\bs'appelle|\bsi\s+chiama|\b(?:er|sie)\s+hei(?:ß|ss)t|\bnama\s+saya|\bm[aă]\s+numesc|\bnazywam\s+si[eę]|\bjag\s+heter|\bjeg\s+he(?:te|dde)r|\bik\s+heet|\bme\s+chamo|"
    r"\bmeu\s+nome\s+[eé]|\bbenim\s+ad[ıi]m|\bnimeni\s+on|\bt[eê]n\s+t[oô]i\s+l[aà]|\bmera\s+naam|\bako\s+si|\bcontact\s*:|\bit\s*'?\s*s(?=\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?\s*(?:[,.!]|here|from|$))|"
    r"\b(?:dr|mr|mrs|ms|miss|mx|prof|nurse|sister|smt|shri)\b\.?|\b(?:my|his|her|our|their|[a-z]+['’]s)\s+(?:wife|husband|partner|son|daughter|"
    r"mother|mom|mum|father|dad|brother|sister|friend|boyfriend|girlfriend|bf|gf|fiancée?|nan|nana|gran|granny|"
    r"grandma|grandpa|grandad|grandfather|grandmother|uncle|aunt|auntie|cousin|nephew|niece|colleague|coworker|"
    r"neighbou?r|carer|physio|gp|doctor|surgeon|therapist|girl|boy|baby|child|kid|in-laws?|father-in-law|"
    r"mother-in-law|brother-in-law|sister-in-law|grandson|granddaughter|stepdad|stepmum|stepmom|stepson|stepdaughter|"
    r"nani|nana|dadi|mama|papa|buddy|mate|pal|bestie|hubby|missus|flatmate|roommate|housemate|godmother|godfather|"
    r"stepbrother|stepsister|twin|fianc[ée]e?|son-in-law|daughter-in-law)\b(?!-in-law)(?:'s)?,?|"
    r"\b(?:ma|mon|mi|minha|meu|meine?|mia|mio|mijn)\s+(?:femme|mari|fille|fils|m[eè]re|p[eè]re|esposa|esposo|marido|"
    r"hija|hijo|madre|padre|mam[aá]|pap[aá]|filha|filho|m[aã]e|pai|frau|mann|tochter|sohn|mutter|vater|moglie|"
    r"marito|figlia|figlio|vrouw|man)\b,?|\b(?:ask(?:ed|ing)?\s+for|"
    r"speak\s+to|spoke\s+(?:to|with)|talk(?:ed)?\s+to|referred\s+by)\b)"
    r"|(?P<weak>\b(?:i\s*'?\s*m|i\s+am|this\s+is|it\s*'?\s*s|its|hi|hello|hey|hiya|hola|bonjour|hallo|moin|ciao|"
    # "I am" / "this is" / "speaking" in the other languages patients here write
    r"she\s*'?\s*s|he\s*'?\s*s|she\s+is|he\s+is|h[äa]r\s+[äa]r|saya|jsem|sunt|jestem|je\s+suis|ich\s+bin|jag\s+[äa]r|jeg\s+er|eu\s+sou|(?:le\s+)?habla|aqu[ií]\s+habla|t[oô]i\s+l[aà]|"
    r"yo)\b,?)",
    re.IGNORECASE)
# CUES and DATE_WORDS run on the lower-cased text: Python's re scans a case-insensitive alternation of
# words 2-3 times slower than the same one, lower case, on lower-case text (same matches: their only
# case-specific parts are [A-Z] classes, which case-insensitive matching reads as [a-z] anyway;
# tests/guardrails/test_pii.py checks both forms agree on every corpus message)
CUES_LOWER = re.compile(CUES.pattern.replace("[A-Z]", "[a-z]"))
DATE_WORDS_LOWER = re.compile(DATE_WORDS.pattern.replace("[A-Z]", "[a-z]"))


def _lower_iter(pattern: re.Pattern[str], lowered: re.Pattern[str], text: str) -> Iterable[re.Match[str]]:
    """pattern's matches in text, through its lower-case twin when lower-casing keeps every position."""
    low = text.lower()
    return lowered.finditer(low) if len(low) == len(text) else pattern.finditer(text)


HERE = re.compile(r"\b(?P<name>" + _NAME_TOKEN + r"(?:\s+" + _NAME_TOKEN + r"){0,2})\s+here\b")
MIN_PHONE_DIGITS = 8
_GLUED = re.compile(r"[^\W\d_]")
YEARS = re.compile(r"(?:19|20)\d\d\s*[-/\u2010-\u2015]\s*(?:19|20)\d\d")  # "2019-2021": a span of years, not a phone
# the ids this service writes (core.types.new_id: lower-case letters and digits): never personal data
SERVICE_ID = re.compile(r"(?=[0-9a-z]*[a-z])[0-9a-z]{12,}")
# ...but a number typed with words glued to it ("my number is07700900645i prefer") is the patient's
GLUED_NUMBER = re.compile(r"[a-z]{0,4}\d{8,}[a-z]{0,4}")
COMMON_ZIPF = 4.3  # wordfreq's Zipf scale: at or above, a common English word (not a name on its own)
# Capitalised words that are never names: days, months, holidays, greetings.
NOT_NAMES = frozenset("""monday tuesday wednesday thursday friday saturday sunday january february march april may june
july august september october november december christmas easter diwali eid ramadan hanukkah thanksgiving i ok okay
hi hello hey dear thanks regards cheers yes no please sorry""".split())
FUNCTION_CAPS = frozenset("can could does do did is are was will would should may might has have had".split())
FUNCTION = frozenset("""a an the and or but if of to in on at for with by from as is are was were be been am i me my we us our
you your he him his she her they them their it its this that these those so not no yes do does did can could would
should will shall may might must have has had here there what when where who why how which just only also very too
please pls thanks thank hi hello hey ok okay sorry about after before again all any each few more most other some such
than then once same own back still again""".split())


@dataclass(frozen=True)
class Span:
    kind: str  # one of TAGS
    start: int
    end: int
    text: str


class PiiDetector:
    """The recognisers above and the name model, built on first use (importing Presidio takes
    seconds), once; the name model is shared by every detector of the process.
    ``vocabulary``: the articles' own words (never names on their own), read at each call.
    ``recent``: how many texts' findings are kept in memory (never stored) so that the several
    redactions of one turn (its trace, its session row, its transcript) detect once; 0 for none
    (benchmarks/pii_bench.py measures detection itself)."""

    def __init__(self, vocabulary: Callable[[], Iterable[str]] | None = None, extra_words: Iterable[str] = (),
                 recent: int = 256) -> None:
        self._vocabulary = vocabulary or (lambda: ())
        self._recent: OrderedDict[str, tuple[Any, tuple[Span, ...]]] = OrderedDict()
        self._recent_size = recent
        self._recent_lock = threading.Lock()
        self._extra = frozenset(w.lower() for w in extra_words)
        self._engine: Any = None
        self._medical: frozenset[str] = frozenset()
        self._orgs: frozenset[str] = frozenset()
        self._name_model: NameModel | None = None
        self._lexicon_for: tuple[Any, Lexicon] | None = None
        self._is_domain: Callable[[str], bool] = lambda domain: False
        self._lock = threading.Lock()
        self._building = threading.local()

    # --- building ---------------------------------------------------------------------------------
    def warm_up(self) -> Any:
        with self._lock:
            if self._engine is None:
                self._building.active = True
                try:
                    self._engine = self._build()
                    self._is_domain("example.com")  # loads the suffix list now (0.25 s), not in a patient's turn
                    self.load_words()
                    # the process-wide word lists (about 0.6 s together), now rather than in a patient's turn
                    place_words(), first_names(), formats.month_names(), formats.number_words()
                    self._name_model = shared_model(self.training_features)
                finally:
                    self._building.active = False
            return self._engine

    def load_words(self) -> None:
        """The medical words (a feature of the name model); warm_up does it, training needs only it."""
        if not self._medical:
            self._medical = load_words(MEDICAL_WORDS)
            self._orgs = load_words(ORGANISATIONS)

    def building_here(self) -> bool:
        """True in the thread that is building the engine (whose own log records, from Presidio
        and spaCy, hold no patient data and must not wait for the engine they are building)."""
        return bool(getattr(self._building, "active", False))

    def _build(self) -> list[tuple[Any, list[Any]]]:
        """Presidio's recognisers, each with its own patterns, compiled: a recogniser is run only on a
        text one of them matches (what it would find first itself), so the result is the same."""
        import regex
        import tldextract
        from presidio_analyzer import Pattern
        from presidio_analyzer.predefined_recognizers import (
            CreditCardRecognizer,
            DateRecognizer,
            EmailRecognizer,
            EsNieRecognizer,
            EsNifRecognizer,
            IbanRecognizer,
            InAadhaarRecognizer,
            InPanRecognizer,
            IpRecognizer,
            ItFiscalCodeRecognizer,
            NhsRecognizer,
            UkNinoRecognizer,
            UkPostcodeRecognizer,
            UrlRecognizer,
            UsItinRecognizer,
            UsMbiRecognizer,
            UsSsnRecognizer,
        )

        offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)  # the bundled snapshot, never a fetch
        self._is_domain = lambda domain: bool(offline(domain).fqdn)

        class OfflineEmailRecognizer(EmailRecognizer):
            def validate_result(self, pattern_text: str) -> bool:
                # Presidio keeps an email only when its domain ends in a public suffix; an address at
                # a private or reserved domain (".example", ".internal", a company's own) is still
                # someone's address: with the "@", any alphabetic top-level label will do
                return bool(offline(pattern_text).fqdn) or bool(_ANY_TOP_LEVEL.search(pattern_text))

        # Presidio's UK postcode pattern is strict about letter positions but scores 0.1, counting on
        # context words a lemmatiser would find: the same pattern, upper case only, at 0.5
        postcode = UkPostcodeRecognizer(patterns=[Pattern(p.name, p.regex, 0.5) for p in UkPostcodeRecognizer.PATTERNS])
        postcode.global_regex_flags = re.MULTILINE
        # Each recogniser is called directly (no AnalyzerEngine, no spaCy tokenizer: their only use
        # here was the context-word boost, which changed no result at our 0.3 threshold), and only on
        # a text one of its patterns matches. Measured on the corpus: the engine cost 1-2 ms a
        # message, these calls about 0.1 ms.
        recognisers = (OfflineEmailRecognizer(), UrlRecognizer(), IpRecognizer(), CreditCardRecognizer(), postcode,
                       IbanRecognizer(), DateRecognizer(), UsSsnRecognizer(), UsItinRecognizer(), UsMbiRecognizer(),
                       NhsRecognizer(), UkNinoRecognizer(), InAadhaarRecognizer(), InPanRecognizer(),
                       EsNifRecognizer(), EsNieRecognizer(), ItFiscalCodeRecognizer())
        from presidio_analyzer import PatternRecognizer

        out: list[tuple[Any, list[Any]]] = []
        for r in recognisers:
            # a pattern scoring under the threshold can only matter when a check sets the score (Luhn,
            # Verhoeff...): the recogniser overrides validate_result
            checked = type(r).validate_result is not PatternRecognizer.validate_result
            own: list[Any] = list(getattr(r, "patterns"))  # noqa: B009 - untyped in Presidio
            patterns: list[Any] = [regex.compile(p.regex, flags=r.global_regex_flags) for p in own
                                   if checked or p.score >= MIN_SCORE]
            hint = _HINTS.get(type(r).__name__, _DIGIT)  # what every one of its patterns needs, cheaply
            out.append((r, [hint, *patterns]))
        return out

    # --- finding ------------------------------------------------------------------------------------
    def find(self, text: str) -> list[Span]:
        """Every piece of personal data, longest first where two overlap, in text order."""
        if not text or not text.strip():
            return []
        if not self._recent_size:
            return self._detect(text)
        vocabulary = self._vocabulary()  # the findings hold for the articles' words they were found with
        with self._recent_lock:
            held = self._recent.get(text)
            if held is not None and held[0] is vocabulary:
                self._recent.move_to_end(text)
                return list(held[1])
        spans = self._detect(text)
        with self._recent_lock:
            self._recent[text] = (vocabulary, tuple(spans))
            while len(self._recent) > self._recent_size:
                self._recent.popitem(last=False)
        return spans

    def _detect(self, text: str) -> list[Span]:
        spans: list[Span] = []
        for entity, start, end in self.recognised(text):
            kind = ENTITY_TAGS[entity]
            piece = text[start:end]
            if kind == "DATE":
                if not DATE_NUMERIC.search(piece) or re.fullmatch(r"\d{1,2}|(19|20)\d\d", piece.strip()):
                    continue  # "March", "2019" and "6 months" are not a person's date
                kind = "DOB" if DOB_CUE.search(text[max(0, start - 25):start]) else "DATE"
            spans.append(Span(kind, start, end, piece))
        labelled = self._labelled(text)
        found = [Span(kind, start, end, text[start:end]) for kind, start, end in formats.spans(text, self._is_domain)]
        # a run of digits a named identifier already covers ("MRN 88231907", a date of birth, a PO box)
        # is not tried as a phone number in 18 regions: the cost of the slowest messages
        sure = [s for s in found if s.kind not in ("MRN_NEAR", "ID_NUMBER")]
        spans += _phones(text, spans + labelled + sure) + labelled + self._names(text)
        phones = [s for s in spans if s.kind == "PHONE"]
        for span in found:
            if span.kind == "MRN_NEAR" and any(p.start < span.end and span.start < p.end for p in phones):
                continue  # a phone number a few words after "hospital" is the hospital's phone
            spans.append(Span(span.kind.removesuffix("_NEAR"), span.start, span.end, span.text))
        # a turn, session or request id this service wrote (in a log line, a stored row) is not a
        # phone, card or record number, even where its characters look like one
        spans = [s for s in spans if s.kind == "NAME" or not SERVICE_ID.fullmatch(token := _token_around(text, s.start, s.end))
                 or GLUED_NUMBER.fullmatch(token)]
        spans += _same_shape(text, spans)
        return _merge(spans + _other_script_names(text, spans), text)

    def recognised(self, text: str) -> list[tuple[str, int, int]]:
        """What Presidio's recognisers find (entity, start, end), each run only on a text its hint and
        one of its patterns accept. The email, URL and date recognisers run on each word (a run
        without spaces) their hint accepts, not the whole text: their patterns hold no space,
        wildcard or lookaround, and a word boundary at a word's edge is one in the text too, so
        they find the same there; over a whole long message they cost 0.1-0.3 ms each.
        tests/guardrails/test_pii_names.py checks that this finds what every recogniser finds
        over every whole text of the corpora."""
        out: list[tuple[str, int, int]] = []
        for recogniser, needs in self.warm_up():
            hint, patterns = needs[0], needs[1:]
            if not hint.search(text):
                continue
            if recogniser.name in WORD_SCOPED:
                pieces = [(m.start(), m.group(0)) for m in _WORD.finditer(text) if hint.search(m.group(0))]
            else:
                pieces = [(0, text)]
            for offset, piece in pieces:
                if not any(pattern.search(piece) for pattern in patterns):
                    continue
                out += [(r.entity_type, r.start + offset, r.end + offset)
                        for r in recogniser.analyze(piece, recogniser.supported_entities, None) or ()
                        if r.score >= MIN_SCORE and r.entity_type in ENTITY_TAGS]
        return out

    @staticmethod
    def _labelled(text: str) -> list[Span]:
        if not _DIGIT.search(text):
            return []  # every pattern below has a digit in it (\d: an identifier's, a date's, a house number)
        out = [Span("MRN", m.start("id"), m.end("id"), m.group("id")) for m in MRN.finditer(text)]
        out += [Span("INSURANCE_ID", m.start("id"), m.end("id"), m.group("id")) for m in INSURANCE.finditer(text)]
        out += [Span("SSN", m.start("id"), m.end("id"), m.group("id")) for m in NATIONAL.finditer(text)]
        for m in _lower_iter(DATE_WORDS, DATE_WORDS_LOWER, text):
            kind = "DOB" if DOB_CUE.search(text[max(0, m.start() - 25):m.start()]) else "DATE"
            out.append(Span(kind, m.start(), m.end(), text[m.start():m.end()]))
        # a street name is written with a capital somewhere ("712 Pine St", "5 oak Road"), or with a unit
        # or a ZIP code ("1216 e 5th st apt 3, austin tx 78702"); "a 90 minute drive" is not an address
        out += [Span("ADDRESS", m.start(), m.start() + len(m.group(0).rstrip(",. ")), m.group(0).rstrip(",. "))
                for m in ADDRESS.finditer(text)
                if not re.fullmatch(r"\d+\s+\w+", m.group(0).strip())
                and not re.search(r"[.!?]\s+[A-Z]", m.group(0))  # not across a sentence ("140 kg. Does the way...")
                and re.search(r"[A-Z]|(?i:\b(?:apt|apartment|unit|suite|flat)\b)|\d{5}", m.group(0))]
        out += [Span("ADDRESS", m.start(), m.end(), m.group(0)) for m in ADDRESS_AFTER.finditer(text)]
        out += [Span("ADDRESS", m.start("id"), m.end("id"), m.group("id")) for m in ADDRESS_CUE.finditer(text)]
        out += [Span("SSN", m.start(), m.end(), m.group(0)) for m in NINO.finditer(text)]
        out += [Span("ADDRESS", m.start(), m.end(), m.group(0)) for m in CONTINENTAL.finditer(text)]
        out += [Span("ADDRESS", m.start(), m.end(), m.group(0)) for m in EIRCODE.finditer(text)]
        out += [Span("DOB", m.start("id"), m.end("id"), m.group("id")) for m in DOB_AFTER.finditer(text)]
        return out

    def _ordinary(self, word: str) -> bool:
        """A word that is not, on its own, a person's name: a function word, a medical word, one of
        the articles' words, or common English; a hyphenated word when all its parts are."""
        lexicon = self._lexicon()
        known = lexicon.ordinary.get(word)
        if known is not None:
            return known
        parts = [p for p in re.split(r"[-’']", word.lower().strip("'’.-")) if p]
        vocabulary = self._vocabulary_set()
        answer = True
        for part in parts or [""]:
            if not part or part in FUNCTION or part in self._medical or part in self._orgs or part in self._extra \
                    or part in vocabulary:
                continue
            if zipf(part) >= COMMON_ZIPF or len(part) == 1:
                continue
            answer = False
            break
        lexicon.ordinary[word] = answer
        return answer

    def _vocabulary_set(self) -> frozenset[str]:
        vocab = self._vocabulary()
        return vocab if isinstance(vocab, frozenset) else frozenset(vocab)

    # --- names: the learned model (guardrails/pii_names.py) over the rules' verdicts --------------------
    def training_features(self, text: str) -> tuple[list[Token], list[list[str]]]:
        """Each word of the text and its features for the name model (what it is trained on)."""
        text = _unshout(text)
        toks = name_tokens(text)
        cues: dict[int, str] = {}
        foreign = _mostly_foreign(text)
        rule_spans = self._rule_names(text, cues, foreign, toks)
        by_start = {t.start: k for k, t in enumerate(toks)}
        rule = {k for k, t in enumerate(toks) for s in rule_spans if s.start <= t.start and t.end <= s.end}
        ctx = Context({by_start[s]: c for s, c in cues.items() if s in by_start}, rule, foreign)
        lexicon = self._lexicon()
        # a lower-case function word or very common word with no cue before it is never scored (nor
        # trained on): about half the words of a message, and none of them a name in the corpora
        scored = [k in ctx.cue or k in rule or not lexicon.plain(t.text) for k, t in enumerate(toks)]
        return toks, message_features(text, toks, scored, lexicon, ctx)

    def _lexicon(self) -> Lexicon:
        """The name model's word lists, rebuilt (with its per-word cache) when the vocabulary changes."""
        vocabulary = self._vocabulary()
        held = self._lexicon_for
        if held is None or held[0] is not vocabulary:
            held = self._lexicon_for = (vocabulary, Lexicon(self._medical, known_words(vocabulary, self._extra),
                                                                        self._orgs, place_words(), first_names()))
        return held[1]

    def _names(self, text: str) -> list[Span]:
        """The words the name model finds (guardrails.pii_names.decode)."""
        model = self._name_model
        if model is None:
            model = self._name_model = shared_model(self.training_features)
        toks, feats = self.training_features(text)
        probs = [model.probability(f) if f else 0.0 for f in feats]
        # a word glued to a digit is a code or a unit ("HbA1c", "L4", "5mg"), never a name
        return [Span("NAME", s, e, text[s:e]) for s, e in decode(text, toks, probs, model.threshold)
                if not (text[s - 1:s].isdigit() or text[e:e + 1].isdigit())]

    def _rule_names(self, text: str, cues: dict[int, str] | None = None, foreign: bool | None = None,
                    tokens: Sequence[Token] | None = None) -> list[Span]:
        """The rules the name model builds on (their verdict is one of its features): names after a
        cue, "X here", and runs of two or more capitalised words with at least one
        that is not an ordinary word ("Hope Martinez", "Kieran O'Connor"; not "Blue Cross").
        ``tokens``: the text's words (pii_names.tokens), when the caller has them already."""
        if tokens is None:
            tokens = name_tokens(text)
        starts = [s for s, _, _ in tokens]
        out: list[Span] = []
        for cue in _lower_iter(CUES, CUES_LOWER, text):
            kind = "sign" if cue.group("sign") else "strong" if cue.group("strong") else "weak"
            i = bisect_left(starts, cue.end())  # the first word after the cue
            if i == len(tokens) or text[cue.end():tokens[i][0]].strip(" ,:-—–(\"'") != "":
                continue
            if cues is not None:
                for k in range(i, min(i + 3, len(tokens))):  # the nearest cue before a word is its cue
                    held = cues.get(tokens[k][0])  # ("hi, it's Dot": "it's", not "hi")
                    if held is None or int(held[-1]) > k - i + 1:
                        cues[tokens[k][0]] = f"{kind}{k - i + 1}"
            taken: list[tuple[int, int, str]] = []
            for s, e, word in tokens[i:i + 3]:
                if taken and text[taken[-1][1]:s].strip() != "":
                    break  # a name's words are not separated by punctuation
                lower = word.lower()
                if lower in FUNCTION or lower in NOT_NAMES:
                    break
                capital = word[:1].isupper()
                after = text[e:e + 6].lstrip()
                ends = not after or after[0] in ",.!)(;" or after.lower().startswith(("here", "from"))
                if kind == "sign" or (kind == "strong" and (capital or not self._ordinary(word))) or (
                        kind == "weak" and (not self._ordinary(word) or (capital and ends))):
                    taken.append((s, e, word))
                else:
                    break
            if taken and kind == "weak" and taken[0][2][:1].islower():
                after = text[taken[-1][1]:taken[-1][1] + 6].lstrip()
                if after and after[0] not in ",.!)(;" and not after.lower().startswith(("here", "from", "and")):
                    continue  # a lower-case word after "I'm" is a name only where a name ends: "i'm mo, ..."
            if taken and not (kind == "weak" and all(self._ordinary(w) for _, _, w in taken)):
                out.append(Span("NAME", taken[0][0], taken[-1][1], text[taken[0][0]:taken[-1][1]]))
        for m in HERE.finditer(text) if "here" in text else ():  # its "here" is lower case
            words = m.group("name").split()
            if words and all(w[:1].isupper() for w in words) and words[-1].lower() not in FUNCTION:
                out.append(Span("NAME", m.start("name"), m.end("name"), m.group("name")))
        foreign = _mostly_foreign(text) if foreign is None else foreign
        if foreign and sum(w[:1].isupper() and not _sentence_start(text, s) for s, _, w in tokens) >= 3:
            return out  # capitalised nouns (German writes every noun so) are not names
        run: list[tuple[int, int, str]] = []
        for s, e, word in [*tokens, (len(text) + 2, len(text) + 2, "")]:
            capital = word[:1].isupper() and any(c.islower() for c in word) and word.lower() not in NOT_NAMES
            if capital and (not run or text[run[-1][1]:s] == " "):
                run.append((s, e, word))
                continue
            if len(run) >= 2 and any(not self._ordinary(w) for _, _, w in run):
                # a sentence may open with an ordinary capitalised word: "Can Ahmed Khan book?"
                while len(run) > 2 and self._ordinary(run[0][2]) and _sentence_start(text, run[0][0]):
                    run = run[1:]
                if not (self._ordinary(run[0][2]) and _sentence_start(text, run[0][0]) and len(run) == 2
                        and run[0][2].lower() in FUNCTION_CAPS and not text[run[-1][1]:].startswith(",")):
                    out.append(Span("NAME", run[0][0], run[-1][1], text[run[0][0]:run[-1][1]]))
            run = [(s, e, word)] if capital else []
        return out

    # --- redacting ----------------------------------------------------------------------------------
    def redact(self, text: str) -> str:
        """The text with each piece of personal data replaced by its tag, e.g. [PHONE]."""
        out = text
        for span in sorted(self.find(text), key=lambda s: -s.start):
            out = out[:span.start] + f"[{span.kind}]" + out[span.end:]
        return out

    def erase(self, text: str) -> str:
        """The text with personal data removed outright, for retrieval, where a tag is noise. A
        sentence that carries personal data is dropped whole when another sentence has none: "my
        member ID is XJ555. Is it painful?" -> "Is it painful?" (its label words would pull the
        search towards insurance)."""
        redacted = self.redact(text)
        sentences = [s for s in re.split(r"(?<=[.!?;])\s+", redacted) if s.strip()]
        plain = [s for s in sentences if not _TAG.search(s)]
        kept = plain if plain and len(plain) < len(sentences) else sentences
        return " ".join(_TAG.sub(" ", " ".join(kept)).split())


def _phones(text: str, found: list[Span]) -> list[Span]:
    """Phone numbers through phonenumbers' matcher (leniency 0, POSSIBLE: a number shaped like one
    of the region's, even in a range no operator has issued yet; patients mistype, and a missed
    number is worse than a tag). Presidio's PhoneRecognizer runs the matcher over the whole text
    once per region (18 of them: 2-5 ms a message); here it runs only on each run of 8 or more
    digits, with a few characters either side, region after region until one match covers the
    run's digits, and not on runs another recogniser already covers (a card number, an IBAN)."""
    import phonenumbers

    out: list[Span] = []
    for m in _PHONE_RUN.finditer(text):
        run = m.group(0)
        if sum(map(str.isdigit, run)) < MIN_PHONE_DIGITS or YEARS.fullmatch(run):
            continue
        first = m.start() + next(i for i, ch in enumerate(run) if ch.isdigit())
        if any(s.start <= first and s.end >= m.end() for s in found):
            continue
        offset = max(0, m.start() - 3)
        # letters glued to the number ("my number is07700900645i prefer") stop the matcher at a word edge;
        # a digit in the context is not the run's (the run takes every digit its separators join), but
        # the matcher would join it across punctuation of its own ("0991 [1", "0991 #2") and then fail
        around = _DIGIT.sub(" ", text[offset:m.start()]), _DIGIT.sub(" ", text[m.end():m.end() + 3])
        window = _GLUED.sub(" ", around[0] + run + around[1])
        for region in PHONE_REGIONS:
            hits = [(x.start + offset, x.end + offset) for x in phonenumbers.PhoneNumberMatcher(window, region, leniency=0)]
            out += [Span("PHONE", s, e, text[s:e]) for s, e in hits
                    if sum(ch.isdigit() for ch in text[s:e]) >= MIN_PHONE_DIGITS]
            if any(s <= first and e >= m.end() for s, e in hits):
                break
    return out


SHAPED = frozenset({"MRN", "INSURANCE_ID", "SSN", "ID_NUMBER"})
_CODE_TOKEN = re.compile(r"(?<![\w/-])[A-Za-z0-9][A-Za-z0-9/-]*\d[A-Za-z0-9/-]*(?![\w/-])")


def _shape(code: str) -> str:
    return re.sub(r"[A-Za-z]", "A", re.sub(r"\d", "9", code))


def _same_shape(text: str, found: list[Span]) -> list[Span]:
    """A code shaped exactly like an identifier found by its label is another of the same kind: "Her
    MRN is 0082231, mine is 0082232", a list of member numbers after one label."""
    shapes = {_shape(s.text): s.kind for s in found if s.kind in SHAPED and " " not in s.text
              and sum(ch.isdigit() for ch in s.text) >= 5}
    if not shapes:
        return []
    return [Span(shapes[_shape(m.group(0))], m.start(), m.end(), m.group(0)) for m in _CODE_TOKEN.finditer(text)
            if _shape(m.group(0)) in shapes]


def _token_around(text: str, start: int, end: int) -> str:
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return text[start:end].strip("[](){}<>+-. ")


_SHOUTED = re.compile(r"[^\W\d_a-zß-ÿ]{2,}\W+[^\W\d_a-zß-ÿ]{2,}\W+[^\W\d_a-zß-ÿ]{2,}")  # three words in capitals


def _unshout(text: str) -> str:
    """A message typed in capitals ("MY NAME IS ..."), in lower case, as many patients write: capitals
    say nothing about names there. Each character keeps its place (the spans found are the text's)."""
    if not _SHOUTED.search(text):
        return text
    upper = sum(map(str.isupper, text))
    if upper < 12 or upper < 2 * sum(map(str.islower, text)):
        return text
    return "".join(c if len(low := c.lower()) != 1 else low for c in text)


# Letters of a script other than Latin (CJK, Cyrillic, Greek, Arabic, Hebrew, Devanagari, Thai...),
# with their combining marks, in words joined by a space or a middle dot ("佐藤 春樹", "Олена Коваленко")
_OTHER_SCRIPT = re.compile(r"[^\W\d_\u0000-\u024F\u1E00-\u1EFF\u0300-\u036F][^\W\d_\u0000-\u024F\u1E00-\u1EFF]*"
                           r"(?:[ \u00B7\u30FB\u3000][^\W\d_\u0000-\u024F\u1E00-\u1EFF\u0300-\u036F]"
                           r"[^\W\d_\u0000-\u024F\u1E00-\u1EFF]*)*")
_LATIN_WORD = re.compile(r"[A-Za-z\u00C0-\u024F\u1E00-\u1EFF]+")
_MARKS = re.compile(r"[\u0900-\u0DFF\u0E00-\u0EFF\u0591-\u05C7\u064B-\u065F\u0670]")  # vowel signs \w omits


def _other_script_names(text: str, found: list[Span]) -> list[Span]:
    """Words in a script the name model cannot read (it reads Latin letters only, and no NER model
    for these scripts is on PyPI that we may use). Inside a message mostly of Latin words, such a
    word is a name ("my mother 王秀英 has the appointment", "Li Wei (李伟)"): redacted. In a message
    mostly in that script, which word is the name cannot be told: its words are redacted when the
    message carries another identifier (a phone, an email, a record number: someone's contact
    details, "我叫王秀英，电话 138 5555 2467"), and kept otherwise (a question: "注射の後、何日で仕事に戻れますか？")."""
    if text.isascii():
        return []
    probe = _MARKS.sub("\u10d0", text)  # a vowel sign is part of its word (a Georgian letter stands in)
    runs = list(_OTHER_SCRIPT.finditer(probe))
    if not runs:
        return []
    other = sum(len(m.group(0).split()) for m in runs)  # words (a CJK run between punctuation counts as one)
    # Latin words, less acronyms and codes, which every language borrows ("MRIの画像はCDで...")
    latin = sum(1 for w in _LATIN_WORD.findall(text) if not w.isupper())
    if latin < other:
        if not any(s.kind != "NAME" for s in found):
            return []
        return [Span("NAME", m.start(), m.end(), text[m.start():m.end()]) for m in runs]
    # inside a Latin message, a name is a few short words; a longer run is a sentence in that script
    # ("sorry my English not good — หลังฉีดต้องพักกี่วันคะ?")
    return [Span("NAME", m.start(), m.end(), text[m.start():m.end()]) for m in runs if _name_sized(m.group(0))]


_DENSE = re.compile(r"[\u3040-\u30FF\u3400-\u9FFF\uAC00-\uD7AF]")  # kana, CJK ideographs, Hangul: a syllable a character


def _name_sized(run: str) -> bool:
    """At most six words (Thai spaces phrases, not words), each at most 12 letters, or 6 in the scripts that
    write a syllable a character."""
    words = run.split()
    return len(words) <= 6 and all(len(w) <= (6 if _DENSE.search(w) else 12) for w in words)


_LOWER_WORD = re.compile(r"\b[a-zà-ÿ]{3,}\b")


def _mostly_foreign(text: str) -> bool:
    """Whether most lower-case words are not English ones (a message in another language)."""
    lower = _LOWER_WORD.findall(text)
    return len(lower) >= 3 and sum(zipf(w) < 3.0 for w in lower) > len(lower) / 2




LABELLED = frozenset({"MRN", "INSURANCE_ID", "SSN", "DOB", "ADDRESS", "ID_NUMBER"})  # found by their label: say more than PHONE


def _merge(spans: list[Span], text: str) -> list[Span]:
    """Overlapping spans become one covering both, so no fragment of either survives; it takes the
    kind of the longest (a phone number inside an address stays one address), a labelled kind on a
    tie ("my MRN is 88231907" is a record number, though it is shaped like a phone number); a named
    scheme's kind over the generic ID_NUMBER ("member number W7734 5521 09" is an insurance number)."""
    groups: list[list[Span]] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if groups and span.start < max(s.end for s in groups[-1]):
            groups[-1].append(span)
        else:
            groups.append([span])
    merged: list[Span] = []
    for group in groups:
        start, end = group[0].start, max(s.end for s in group)
        def rank(s: Span) -> tuple[int, bool, bool, int]:
            # the generic ID_NUMBER ("husband's number is 0803 555 1234") yields to a phone on a tie
            return s.end - s.start, s.kind in LABELLED and s.kind != "ID_NUMBER", s.kind != "ID_NUMBER", -s.start
        kind = max(group, key=rank).kind
        named = [s for s in group if s.kind in LABELLED and s.kind != "ID_NUMBER"]
        if kind == "ID_NUMBER" and named:
            kind = max(named, key=rank).kind
        merged.append(Span(kind, start, end, text[start:end]))
    return merged


class RedactingFilter(logging.Filter):
    """Redacts every log record's message, so patient data never reaches a log.

    ``detector``: the process's one detector, or a function that returns it (the CLI's services are
    built on first use, after logging is configured). Records logged while that function runs (the
    clinic profile's warnings, say) pass as they are: they come from building, not from a patient.
    Should it fail (settings that do not load), a detector of the filter's own is used instead."""

    def __init__(self, detector: PiiDetector | Callable[[], PiiDetector]) -> None:
        super().__init__()
        self._detector = detector if isinstance(detector, PiiDetector) else None
        self._provide = None if isinstance(detector, PiiDetector) else detector
        self._resolving = threading.local()

    @property
    def detector(self) -> PiiDetector | None:
        if self._detector is None and self._provide is not None:
            if getattr(self._resolving, "active", False):
                return None
            self._resolving.active = True
            try:
                self._detector = self._provide()
            except Exception:
                self._detector = PiiDetector()
            finally:
                self._resolving.active = False
        return self._detector

    def filter(self, record: logging.LogRecord) -> bool:
        detector = self.detector
        if detector is None or detector.building_here():
            return True  # the detector's own start-up messages; redacting them would wait on itself
        record.msg = detector.redact(record.getMessage())
        record.args = ()
        return True
