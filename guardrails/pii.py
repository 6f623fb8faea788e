"""Personal data in patients' messages, found before anything is stored or logged.

    detector = PiiDetector()
    detector.redact("I'm Priya Raman, call +44 7700 900123")   # "I'm [NAME], call [PHONE]"
    detector.find(text)                                        # [Span(kind, start, end, text), ...]

Built on Presidio's analyzer (the field's standard recogniser framework), with no statistical model:
its pattern recognisers (email, international phone numbers through phonenumbers, credit cards,
IBAN, IP addresses, URLs, dates, and national identifiers of the US, UK, India, Spain, Italy and
Germany) run on a blank spaCy English tokenizer. Presidio's email check asks tldextract for the
public-suffix list, which fetches it over the network: here it reads tldextract's bundled snapshot
instead. Recognisers that fire on any bare number (US driver licence, US bank account, passport
and similar) are left out: they redacted "88231907" in "level 8 pain" messages.

Written here because no packaged recogniser does them (each says why):
- record, member and policy numbers after their label (MRN, patient ID, member ID, policy #...);
- street addresses (a number, words, a street word) and UK postcodes with them;
- dates of birth (a date after "born", "DOB"...), other personal dates (appointment, surgery);
- person names, with no NER model on PyPI that we may use: a name after a cue ("my name is",
  "I'm", "it's ... here", "Regards,", "Dr.", "my wife"...), and runs of capitalised words that are
  neither common English (wordfreq), nor medical (guardrails/medical_words.txt, from MedQuAD), nor
  the articles' own words. Measured by benchmarks/pii_bench.py on guardrails/pii_cases.yaml.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MEDICAL_WORDS = Path(__file__).resolve().parent / "medical_words.txt"
TAGS = ("NAME", "EMAIL", "PHONE", "DOB", "DATE", "ADDRESS", "MRN", "INSURANCE_ID", "SSN", "CREDIT_CARD", "IBAN",
        "IP_ADDRESS", "URL")
# Presidio's entities -> ours
ENTITY_TAGS = {
    "EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "CREDIT_CARD": "CREDIT_CARD", "IBAN_CODE": "IBAN",
    "IP_ADDRESS": "IP_ADDRESS", "URL": "URL", "DATE_TIME": "DATE", "US_SSN": "SSN", "US_ITIN": "SSN",
    "UK_NINO": "SSN", "IN_AADHAAR": "SSN", "IN_PAN": "SSN", "ES_NIF": "SSN", "ES_NIE": "SSN", "IT_FISCAL_CODE": "SSN",
    "FI_PERSONAL_IDENTITY_CODE": "SSN", "UK_NHS": "INSURANCE_ID", "US_MBI": "INSURANCE_ID",
    "UK_POSTCODE": "ADDRESS", "MRN": "MRN", "INSURANCE_ID": "INSURANCE_ID", "ADDRESS": "ADDRESS", "DOB": "DOB",
    "PERSON": "NAME",
}
_NUMBER_FREE = {"EMAIL_ADDRESS", "URL", "PERSON"}  # entities worth looking for in a text with no digit
_TAG = re.compile(r"\[(" + "|".join(TAGS) + r")\]")

# --- the recognisers no package has --------------------------------------------------------------
_ID = r"[A-Z0-9][A-Z0-9-]*\d[A-Z0-9-]{2,}"
MRN = re.compile(r"(?i:\b(mrn|medical\s+record(\s+(number|no\.?|#))?|patient\s+(id|no\.?|number|#|ref)|chart\s+(number|"
                 r"no\.?|#)|hospital\s+(number|no\.?)|uhid|file\s+no\.?|reg\.?\s+no\.?|ip\s+no\.?|ref(erence)?(\s+no\.?)?)"
                 r"(\s+(is|was))?\s*[:#]?\s*)(?P<id>" + _ID + r")", re.IGNORECASE)
INSURANCE = re.compile(r"(?i:\b(member|policy|insurance|subscriber|group|medicare|medicaid|medi-cal|mbi|claim|"
                       r"account|plan|nhs|chi)\s*(id|number|no\.?|#|num)?(\s+(is|was))?\s*[:#]?\s*)(?P<id>" + _ID + r")",
                       re.IGNORECASE)
STREET = (r"street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|close|crescent|"
          r"grove|square|sq|highway|hwy|parkway|pkwy|row|gardens|mews|hill|strasse|straße|str|calle|via|rue|gracht")
ADDRESS = re.compile(r"\b\d{1,5}[A-Za-z]?(-\d+)?,?\s+(?:[A-Z][\w'.-]*\s+){0,3}(?:" + STREET + r")\b\.?"
                     r"(?:,?\s+(?:apt|apartment|unit|suite|flat|#)\s*[\w-]+)?"
                     r"(?:,\s*[A-Z][\w.]*(?:\s+[A-Z][\w.]*){0,2})?(?:,?\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?)?", re.IGNORECASE)
ADDRESS_AFTER = re.compile(r"(?i:\b(?:calle|rue|via|hauptstraße|keizersgracht|elbchaussee)\s+)[\w\s,.'-]{0,40}?\d+[\w\s,.'-]{0,25}"
                           r"\b\d{4,5}\s+[A-Z][a-zäöüéè]+")
DOB_CUE = re.compile(r"\b(born|dob|d\.o\.b\.?|date\s+of\s+birth|birth\s*date|birthday|geburtsdatum|fecha\s+de\s+nacimiento)"
                     r"\b\s*(on|is|was|:)?\s*$", re.IGNORECASE)
DATE_NUMERIC = re.compile(r"\d")  # a personal date has a day or a year in it ("March" alone is not one)

_NAME_TOKEN = r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'’.-]*"
CUES = re.compile(
    r"(?P<strong>\bmy\s+name\s+is|\bmy\s+name's|\bname\s*[:\-]|\bpatient\s*[:\-]|\bdear|\b(?:regards|thanks|thank\s+you|"
    r"cheers|best|sincerely|love|warmly|kind\s+regards|best\s+wishes|many\s+thanks|thanks\s+a\s+million)\s*[,!.]*|"
    r"(?:^|\s)[-—–]\s*|\b(?:dr|mr|mrs|ms|miss|mx|prof|nurse|sister)\.?|\bmy\s+(?:wife|husband|partner|son|daughter|"
    r"mother|mom|mum|father|dad|brother|sister|friend|boyfriend|girlfriend|bf|gf|fiancée?|nan|nana|gran|granny|"
    r"grandma|grandpa|grandad|grandfather|grandmother|uncle|aunt|auntie|cousin|nephew|niece|colleague|coworker|"
    r"neighbou?r|carer|physio|gp|doctor|surgeon|therapist|girl|boy|baby|child|kid|in-laws?|father-in-law|"
    r"mother-in-law|brother-in-law|sister-in-law)(?:'s)?,?|\b(?:call|ask\s+for|speak\s+to|talk\s+to|referred\s+by)|"
    r"\bsigned)"
    r"|(?P<weak>\b(?:i\s*'?\s*m|i\s+am|this\s+is|it\s*'?\s*s|its|hi|hello|hey|hiya|hola|bonjour|hallo|moin|ciao|"
    r"yo)\b,?)",
    re.IGNORECASE)
HERE = re.compile(r"\b(?P<name>" + _NAME_TOKEN + r"(?:\s+" + _NAME_TOKEN + r"){0,2})\s+here\b")
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


def load_medical_words(path: Path = MEDICAL_WORDS) -> frozenset[str]:
    return frozenset(w.strip() for w in path.read_text(encoding="utf-8").splitlines() if w and not w.startswith("#"))


class PiiDetector:
    """Presidio's analyzer with the recognisers above, built on first use (about a second), once.
    ``vocabulary``: the articles' own words (never names on their own), read at each call."""

    def __init__(self, vocabulary: Callable[[], Iterable[str]] | None = None, extra_words: Iterable[str] = ()) -> None:
        self._vocabulary = vocabulary or (lambda: ())
        self._extra = frozenset(w.lower() for w in extra_words)
        self._engine: Any = None
        self._medical: frozenset[str] = frozenset()
        self._lock = threading.Lock()

    # --- building ---------------------------------------------------------------------------------
    def warm_up(self) -> Any:
        with self._lock:
            if self._engine is None:
                self._engine = self._build()
                self._medical = load_medical_words()
            return self._engine

    def _build(self) -> Any:
        import spacy
        import tldextract
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import SpacyNlpEngine
        from presidio_analyzer.predefined_recognizers import (
            CreditCardRecognizer, DateRecognizer, EmailRecognizer, EsNieRecognizer, EsNifRecognizer, IbanRecognizer,
            InAadhaarRecognizer, InPanRecognizer, IpRecognizer, ItFiscalCodeRecognizer, NhsRecognizer, PhoneRecognizer,
            UkNinoRecognizer, UrlRecognizer, UsItinRecognizer, UsMbiRecognizer, UsSsnRecognizer)

        offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)  # the bundled snapshot, never a fetch

        class OfflineEmailRecognizer(EmailRecognizer):  # type: ignore[misc]
            def validate_result(self, pattern_text: str) -> bool:
                return bool(offline(pattern_text).fqdn)

        class BlankEnglish(SpacyNlpEngine):  # type: ignore[misc]
            """A tokenizer only: no statistical model is on PyPI that we may use."""

            def load(self) -> None:
                self.nlp = {"en": spacy.blank("en")}

        engine = BlankEnglish(models=[{"lang_code": "en", "model_name": "blank"}])
        engine.load()
        registry = RecognizerRegistry(supported_languages=["en"])
        regions = ("US", "GB", "IE", "IN", "DE", "FR", "ES", "IT", "NL", "BE", "PT", "PL", "CH", "AT", "SE", "CA",
                   "AU", "NG")
        for recognizer in (OfflineEmailRecognizer(), PhoneRecognizer(supported_regions=regions), CreditCardRecognizer(),
                           IbanRecognizer(), IpRecognizer(), UrlRecognizer(), DateRecognizer(), UsSsnRecognizer(),
                           UsItinRecognizer(), UsMbiRecognizer(), NhsRecognizer(), UkNinoRecognizer(),
                           InAadhaarRecognizer(), InPanRecognizer(), EsNifRecognizer(), EsNieRecognizer(),
                           ItFiscalCodeRecognizer()):
            registry.add_recognizer(recognizer)
        return AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en"])

    # --- finding ------------------------------------------------------------------------------------
    def find(self, text: str) -> list[Span]:
        """Every piece of personal data, longest first where two overlap, in text order."""
        if not text or not text.strip():
            return []
        engine = self.warm_up()
        spans: list[Span] = []
        if any(ch.isdigit() for ch in text) or "@" in text or "." in text:
            entities = None if any(ch.isdigit() for ch in text) else ["EMAIL_ADDRESS", "URL"]
            for r in engine.analyze(text, language="en", entities=entities, score_threshold=0.3):
                kind = ENTITY_TAGS.get(r.entity_type)
                if kind is None:
                    continue
                piece = text[r.start:r.end]
                if kind == "DATE":
                    if not DATE_NUMERIC.search(piece) or re.fullmatch(r"\d{1,2}|(19|20)\d\d", piece.strip()):
                        continue  # "March", "2019" and "6 months" are not a person's date
                    kind = "DOB" if DOB_CUE.search(text[max(0, r.start - 25):r.start]) else "DATE"
                spans.append(Span(kind, r.start, r.end, piece))
        spans += self._labelled(text) + self._names(text)
        return _merge(spans)

    @staticmethod
    def _labelled(text: str) -> list[Span]:
        out = [Span("MRN", m.start("id"), m.end("id"), m.group("id")) for m in MRN.finditer(text)]
        out += [Span("INSURANCE_ID", m.start("id"), m.end("id"), m.group("id")) for m in INSURANCE.finditer(text)]
        out += [Span("ADDRESS", m.start(), m.end(), m.group(0).rstrip(",. ")) for m in ADDRESS.finditer(text)
                if not re.fullmatch(r"\d+\s+\w+", m.group(0).strip())]
        out += [Span("ADDRESS", m.start(), m.end(), m.group(0)) for m in ADDRESS_AFTER.finditer(text)]
        return out

    def _ordinary(self, word: str) -> bool:
        """A word that is not, on its own, a person's name: a function word, a medical word, one of
        the articles' words, or common English."""
        from wordfreq import zipf_frequency

        lower = word.lower().strip("'’.-")
        if not lower or lower in FUNCTION or lower in self._medical or lower in self._extra:
            return True
        if lower in self._vocabulary_set():
            return True
        return zipf_frequency(lower, "en") >= 4.3

    def _vocabulary_set(self) -> frozenset[str]:
        vocab = self._vocabulary()
        return vocab if isinstance(vocab, frozenset) else frozenset(vocab)

    def _names(self, text: str) -> list[Span]:
        out: list[Span] = []
        tokens = [(m.start(), m.end(), m.group(0)) for m in re.finditer(_NAME_TOKEN, text)]
        starts = {s: i for i, (s, _, _) in enumerate(tokens)}
        # after a cue
        for cue in CUES.finditer(text):
            strong = cue.group("strong") is not None
            i = next((k for k, (s, _, _) in enumerate(tokens) if s >= cue.end()), None)
            if i is None or text[cue.end():tokens[i][0]].strip(" ,:-—–(\"'") not in ("",):
                continue
            taken: list[tuple[int, int, str]] = []
            for s, e, word in tokens[i:i + 3]:
                if taken and text[taken[-1][1]:s].strip() not in ("",):
                    break  # a name's words are not separated by punctuation
                capital = word[:1].isupper()
                if strong and (capital or not self._ordinary(word)) and word.lower() not in FUNCTION:
                    taken.append((s, e, word))
                elif not strong and capital and not self._ordinary(word):
                    taken.append((s, e, word))
                elif not strong and not capital and not self._ordinary(word) and not taken and len(word) > 2:
                    taken.append((s, e, word))
                else:
                    break
                if not strong and not capital:
                    # a lower-case name after "im": the next lower-case rare word is its surname
                    continue
            if taken:
                out.append(Span("NAME", taken[0][0], taken[-1][1], text[taken[0][0]:taken[-1][1]].rstrip(".'’")))
        # "Priya here"
        for m in HERE.finditer(text):
            words = m.group("name").split()
            keep = [w for w in words if w[:1].isupper() and not self._ordinary(w)] if len(words) > 1 else words
            if keep and all(w[:1].isupper() for w in keep):
                first = m.group("name").find(keep[0])
                start = m.start("name") + first
                out.append(Span("NAME", start, m.end("name"), text[start:m.end("name")]))
        # runs of capitalised words that are not ordinary words, anywhere
        run: list[tuple[int, int, str]] = []
        for s, e, word in [*tokens, (len(text) + 1, len(text) + 1, "")]:
            joined = run and text[run[-1][1]:s] in (" ", "-")
            if word[:1].isupper() and word[1:2].islower() and not self._ordinary(word) and (not run or joined):
                run.append((s, e, word))
                continue
            if run and (len(run) >= 2 or not _sentence_start(text, run[0][0])):
                out.append(Span("NAME", run[0][0], run[-1][1], text[run[0][0]:run[-1][1]]))
            run = [(s, e, word)] if word[:1].isupper() and word[1:2].islower() and not self._ordinary(word) else []
        del starts
        return out

    # --- redacting ----------------------------------------------------------------------------------
    def redact(self, text: str) -> str:
        """The text with each piece of personal data replaced by its tag, e.g. [PHONE]."""
        out = text
        for span in sorted(self.find(text), key=lambda s: -s.start):
            out = out[:span.start] + f"[{span.kind}]" + out[span.end:]
        return out

    def strip(self, text: str) -> str:
        """The text with personal data removed outright (for retrieval, where a tag is noise)."""
        return " ".join(_TAG.sub(" ", self.redact(text)).split())


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?\n:;\"(" or before.endswith(("—", "-"))


def _merge(spans: list[Span]) -> list[Span]:
    """Overlapping spans: the longest wins (a phone number inside an address stays one address)."""
    chosen: list[Span] = []
    for span in sorted(spans, key=lambda s: (-(s.end - s.start), s.start)):
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


class RedactingFilter(logging.Filter):
    """Redacts every log record's message, so patient data never reaches a log."""

    def __init__(self, detector: PiiDetector) -> None:
        super().__init__()
        self.detector = detector

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.detector.redact(record.getMessage())
        record.args = ()
        return True
