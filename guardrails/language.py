"""Which language a message is written in: lingua (its language models ship in the wheel), built
on first use for the languages the policy names."""

from __future__ import annotations

import threading
from typing import Any

from guardrails.policy import Languages

ENGLISH = "en"


class LanguageDetector:
    def __init__(self, settings: Languages) -> None:
        self.settings = settings
        self._detector: Any = None
        self._lock = threading.Lock()
        # detect and might_not_be_english ask about the same message one after the other: the last
        # answer is kept (only it: no more of a patient's words are held than the request needs)
        self._last: tuple[str, tuple[str, float]] | None = None

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
        ``min_confidence`` sure of another."""
        code, confidence = self.guess(text)
        return code if code != ENGLISH and confidence >= self.settings.min_confidence else ENGLISH

    def might_not_be_english(self, text: str) -> bool:
        """Whether to leave the words alone: English spelling correction would mangle them."""
        code, confidence = self.guess(text)
        return code != ENGLISH and confidence >= self.settings.min_confidence / 2
