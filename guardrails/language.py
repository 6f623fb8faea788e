"""Which language a message is written in: lingua (its language models ship in the wheel), built
on first use for the languages the policy names."""

from __future__ import annotations

import re
import threading
from typing import Any

from guardrails.policy import Languages

ENGLISH = "en"
# Latin-script languages with a wordfreq word list (wordfreq's code where it differs from lingua's):
# for these a message's words can be weighed against English ones. Other scripts are never English.
WORD_LISTS = {code: code for code in ("ca", "cs", "da", "de", "es", "fi", "fr", "hu", "id", "it", "ms", "nb",
                                      "nl", "pl", "pt", "ro", "sk", "sl", "sv", "tr", "vi")} | {"tl": "fil"}
_WORD = re.compile(r"[^\W\d_]{2,}")
_NOT_WORDS = re.compile(r"<[^>]{0,200}>|https?://\S+|\S+@\S+")  # tags, links and addresses


class LanguageDetector:
    def __init__(self, settings: Languages) -> None:
        self.settings = settings
        self._detector: Any = None
        self._lock = threading.Lock()
        # detect and might_not_be_english ask about the same message one after the other: the last
        # answer is kept (only it: no more of a patient's words are held than the request needs)
        self._last: tuple[str, tuple[str, float]] | None = None
        self._last_share: tuple[tuple[str, str], float] | None = None

    def warm_up(self) -> Any:
        with self._lock:
            if self._detector is None:
                from lingua import IsoCode639_1, LanguageDetectorBuilder

                codes = [getattr(IsoCode639_1, code.upper()) for code in self.settings.detect]
                self._detector = LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()
            return self._detector

    def guess(self, text: str) -> tuple[str, float]:
        """The likeliest language (ISO 639-1) and the detector's confidence in it; English, fully
        confident, for a message too short to go on."""
        if len(text.split()) < self.settings.min_words:
            return ENGLISH, 1.0
        last = self._last
        if last is not None and last[0] == text:
            return last[1]
        values = self.warm_up().compute_language_confidence_values(text)
        guessed = (str(values[0].language.iso_code_639_1.name).lower(), float(values[0].value)) if values \
            else (ENGLISH, 1.0)
        self._last = (text, guessed)
        return guessed

    def detect(self, text: str) -> str:
        """The message's language for the reply: English unless the detector is at least
        ``min_confidence`` sure of another, and its words do not say English
        (``english_word_share``: an English question with HTML, a Polish name or a drug name in it)."""
        code, confidence = self.guess(text)
        if code == ENGLISH or confidence < self.settings.min_confidence:
            return ENGLISH
        return ENGLISH if self._looks_english(text, code) else code

    def _looks_english(self, text: str, code: str) -> bool:
        """Whether the words say English; detect and might_not_be_english ask about the same message
        one after the other, so the last answer is kept as the guess is."""
        last = self._last_share
        if last is None or last[0] != (text, code):
            last = self._last_share = ((text, code), self.english_share(text, code))
        return last[1] >= self.settings.english_word_share

    @staticmethod
    def english_share(text: str, code: str) -> float:
        """The share of the message's words that are commoner in English than in the language
        ``code`` (wordfreq's frequencies); 0 for a language whose words cannot be weighed so."""
        other = WORD_LISTS.get(code)
        words = [w.lower() for w in _WORD.findall(_NOT_WORDS.sub(" ", text))]
        if other is None or not words:
            return 0.0
        from wordfreq import zipf_frequency

        return sum(zipf_frequency(w, ENGLISH) > zipf_frequency(w, other) for w in words) / len(words)

    def might_not_be_english(self, text: str) -> bool:
        """Whether to leave the words alone: English spelling correction would mangle them."""
        code, confidence = self.guess(text)
        return code != ENGLISH and confidence >= self.settings.min_confidence / 2 and not self._looks_english(text, code)
