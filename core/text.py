"""One text normaliser, shared by answering and the guardrails.

    normaliser = TextNormaliser(EnglishSpeller())
    normaliser.use_vocabulary(words_of_the_articles)      # once per index generation
    fixed = normaliser.normalise("is the recovry painfull")
    fixed.text          # 'is the recovery painful'
    normaliser.terms(fixed.text)   # ['recoveri', 'pain']  (content words, Snowball stems)

What each step uses, and why (benchmarks/normaliser_bench.py prints the figures):

- cleaning: Unicode NFKC, straight quotes, no zero-width characters, one space;
- spelling: SymSpell (symspellpy) over two dictionaries, the knowledge base's own words first and
  English word frequencies (wordfreq) second. Only a word that is neither an English word nor a
  word of the articles is corrected, so "golf" never becomes "goal", "disc" stays "disc" and
  "paint" stays "paint"; a word of the articles wins over an English word at the same distance
  ("awak" -> "awake", "fibrn" -> "fibrin");
- stems: the Snowball English stemmer (PyStemmer), not a hand-written suffix stripper.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from symspellpy import SymSpell

_QUOTES = str.maketrans({"’": "'", "‘": "'", "‛": "'", "´": "'", "`": "'", "“": '"', "”": '"', "„": '"'})
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u2060\ufeff]")
# Words: letters (any script) with inner apostrophes or hyphens kept apart; numbers.
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|\d+")
_TERM_WORD = re.compile(r"[a-z0-9]+")
# Two texts at least this close by embedding cosine are rewordings of one message: no training
# text may be this close to an evaluation case (evals/overlap.py), and no labelled example counts
# as evidence for its own rewording (assistant/train.py).
REWORDING_COSINE = 0.85
DOMAIN_ZIPF = 4.0  # below this an article's word counts as its own term (wordfreq's Zipf scale)

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
    nor not now of off on once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours yourself yourselves
    im ive id dont doesnt cant wont isnt arent didnt wasnt shouldnt wouldnt couldnt whats thats theres
    get got also may might must shall us u ur pls please b4 til till vs versus hi hello hey thanks thank
    name phone email""".split()
)


def clean(text: str) -> str:
    """One form for matching and embedding: NFKC, straight quotes, no invisible characters, one space."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return " ".join(_INVISIBLE.sub("", text).split())


def words(text: str) -> list[str]:
    """Lower-case words and numbers, in order."""
    return _WORD.findall(text.lower())


class Stems:
    """Snowball English stems. PyStemmer's stemmer objects are not safe to share between threads,
    so each thread gets its own; each word is stemmed once per thread."""

    def __init__(self) -> None:
        self._local = threading.local()

    def __call__(self, word: str) -> str:
        cache: dict[str, str] | None = getattr(self._local, "cache", None)
        if cache is None:
            import Stemmer

            self._local.stemmer = Stemmer.Stemmer("english")
            cache = self._local.cache = {}
        found = cache.get(word)
        if found is None:
            found = cache[word] = str(self._local.stemmer.stemWord(word))
            if len(cache) > 100_000:
                cache.clear()
        return found


class EnglishSpeller:
    """English spelling: SymSpell's bundled frequency dictionary (82,765 words, the intersection of
    SCOWL and Google Books n-grams, so it holds no common misspellings such as "recieve" or
    "painfull") for candidates, and wordfreq's frequencies of every token seen in English text
    (misspellings and rare medical words included). Loaded on first use (under two seconds), then shared by every normaliser
    of the process."""

    def __init__(self) -> None:
        self._index: SymSpell | None = None
        self._words: frozenset[str] = frozenset()
        self._bigrams: dict[str, int] | None = None
        self._lock = threading.Lock()

    def index(self) -> SymSpell:
        with self._lock:
            if self._index is None:
                import importlib.resources

                from symspellpy import SymSpell

                index = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
                path = importlib.resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
                index.load_dictionary(str(path), term_index=0, count_index=1, encoding="utf-8")
                self._words = frozenset(index.words)
                self._index = index
            return self._index

    def known(self, word: str) -> bool:
        """A dictionary word."""
        self.index()
        return word in self._words

    def bigram(self, first: str, second: str) -> int:
        """How often the two words follow each other (SymSpell's bundled bigram counts; 0 = unseen)."""
        with self._lock:
            if self._bigrams is None:
                import importlib.resources

                path = importlib.resources.files("symspellpy") / "frequency_bigramdictionary_en_243_342.txt"
                counts: dict[str, int] = {}
                with open(str(path), encoding="utf-8") as handle:
                    for line in handle:
                        a, b, count = line.split()
                        counts[f"{a} {b}"] = int(count)
                self._bigrams = counts
        return self._bigrams.get(f"{first} {second}", 0)

    def frequency(self, word: str) -> float:
        """How common the token is in English text of any kind (Zipf scale, 0 = never seen)."""
        from wordfreq import zipf_frequency

        return float(zipf_frequency(word, "en"))


def _symspell(entries: Iterable[tuple[str, int]]) -> SymSpell:
    from symspellpy import SymSpell

    index = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
    for word, count in entries:
        index.create_dictionary_entry(word, max(1, count))
    return index


@dataclass(frozen=True)
class Normalised:
    """A message as the assistant reads it: ``text`` is cleaned and has its typos fixed;
    ``corrections`` lists (typed, read as) for the trace."""

    original: str
    text: str
    corrections: tuple[tuple[str, str], ...] = ()


class TextNormaliser:
    """Cleaning, spelling correction against the articles' words and English, and stems.

    ``min_length``: shorter words are never corrected (too many neighbours: "prp", "jab").
    A word of up to ``short_length`` letters is corrected by one edit at most, longer words by two.
    """

    def __init__(self, english: EnglishSpeller | None = None, *, min_length: int = 4, short_length: int = 6,
                 split_count: int = 10_000_000, typo_gap: float = 2.5) -> None:
        self.english = english or EnglishSpeller()
        self.typo_gap = typo_gap
        self.split_count = split_count  # a split's pair at least this common in SymSpell's bigram counts
        self.min_length = min_length
        self.short_length = short_length
        self.stem = Stems()
        self._vocabulary: frozenset[str] = frozenset()
        self._local_index: SymSpell | None = None
        self._lock = threading.Lock()
        self._cache: dict[str, str] = {}

    # --- the knowledge base's own words -------------------------------------------------------
    def use_vocabulary(self, vocabulary: Iterable[str]) -> None:
        """The words of the articles now indexed (lower case). Rebuilt only when they change."""
        fresh = frozenset(w for w in vocabulary if w.isalpha() and len(w) > 1)
        with self._lock:
            if fresh == self._vocabulary:
                return
            self._vocabulary = fresh
            self._local_index = _symspell((w, 1) for w in fresh)
            self._cache = {}

    @property
    def vocabulary(self) -> frozenset[str]:
        return self._vocabulary

    def known(self, word: str) -> bool:
        return word in self._vocabulary or self.english.known(word)

    # --- spelling -----------------------------------------------------------------------------
    def correct(self, word: str) -> str:
        """The word as the patient most likely meant it (lower case in, lower case out)."""
        if len(word) < self.min_length or not word.isalpha() or not word.isascii():
            return word
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        fixed = self._correct(word)
        with self._lock:
            if len(self._cache) > 50_000:
                self._cache = {}
            self._cache[word] = fixed
        return fixed

    def _correct(self, word: str) -> str:
        """Unchanged when the word is a word of the articles or of the dictionary. A token never
        seen in English text is corrected to the nearest article or dictionary word (one edit for
        a short word, two for a longer one). A token that is seen in English text but is not in
        the dictionary is either a common misspelling ("recieve", "painfull") or a rare real word
        ("laminectomy", "neuroscientists"): it is corrected only by one edit, and only to a word
        at least ``typo_gap`` more common on the Zipf scale (2.5: about 300 times as frequent)."""
        if self.known(word):
            return word
        seen = self.english.frequency(word)
        split = self._split(word)
        if split:
            return split
        from symspellpy import Verbosity

        distance = 1 if len(word) <= self.short_length or seen > 0 else 2
        best: tuple[int, int, float, str] | None = None
        for rank, index in ((0, self._local_index), (1, self.english.index())):
            if index is None:
                continue
            for s in index.lookup(word, Verbosity.ALL, max_edit_distance=distance):
                common = self.english.frequency(s.term)
                if seen > 0 and common - seen < self.typo_gap:
                    continue
                # The nearest word wins, and among the nearest the commoner one; but a term of the
                # articles that English rarely uses ("anesthesia", "annular") is one edit "nearer"
                # than it is: "anastesia" is the article's "anesthesia", not the name "anastasia".
                near = int(s.distance) - (1 if rank == 0 and common < DOMAIN_ZIPF else 0)
                key = (near, rank, -common, s.term)
                if best is None or key < best:
                    best = key
        return best[3] if best is not None else word

    def _split(self, word: str) -> str:
        """Two words typed without a space that are a common pair ("howlong" -> "how long",
        "backpain" -> "back pain"; not "painfull" -> "pain full"), or ''."""
        for i in range(2, len(word) - 1):
            head, tail = word[:i], word[i:]
            if self.known(head) and self.known(tail) and self.english.bigram(head, tail) >= self.split_count:
                return f"{head} {tail}"
        return ""

    def normalise(self, text: str) -> Normalised:
        cleaned = clean(text)
        corrections: list[tuple[str, str]] = []

        def fix(match: re.Match[str]) -> str:
            typed = match.group(0)
            if any(ch.isupper() for ch in typed[1:]):
                return typed  # an acronym or a name written with capitals inside: MRI, COPD, SpineBot
            lower = typed.lower()
            fixed = self.correct(lower)
            if fixed == lower:
                return typed
            corrections.append((typed, fixed))
            return fixed.capitalize() if typed[:1].isupper() else fixed

        text_out = _WORD.sub(lambda m: m.group(0) if "'" in m.group(0) else fix(m), cleaned)
        return Normalised(cleaned, text_out, tuple(corrections))

    # --- terms for lexical matching -------------------------------------------------------------
    def terms(self, text: str) -> list[str]:
        """Content terms: lower-case words without stopwords, Snowball-stemmed. Apostrophes are
        dropped first ("don't" -> "dont", a stopword)."""
        flat = clean(text).lower().replace("'", "")
        return [self.stem(w) for w in _TERM_WORD.findall(flat) if w not in STOPWORDS and len(w) > 1]
