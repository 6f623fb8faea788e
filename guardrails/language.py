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

    def warm_up(self) -> Any:
        with self._lock:
            if self._detector is None:
                from lingua import IsoCode639_1, LanguageDetectorBuilder

                codes = [getattr(IsoCode639_1, code.upper()) for code in self.settings.detect]
                self._detector = LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()
            return self._detector

    def detect(self, text: str) -> str:
        """The ISO 639-1 code of the message's language; English unless the detector is sure
        enough and the message long enough (a short message is too little to go on)."""
        if len(text.split()) < self.settings.min_words:
            return ENGLISH
        values = self.warm_up().compute_language_confidence_values(text)
        if not values:
            return ENGLISH
        top = values[0]
        code = str(top.language.iso_code_639_1.name).lower()
        if code != ENGLISH and top.value >= self.settings.min_confidence:
            return code
        return ENGLISH
