"""Everyday words (knowledge/everyday_words.txt): words of a question that never name its topic."""

from __future__ import annotations

import re
from pathlib import Path

from core.errors import ConfigError

_WORD = re.compile(r"[a-z]+")


def load(path: Path) -> frozenset[str]:
    """The file's words, one a line; comments ('#') and blank lines skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the everyday words file {path}: {exc.strerror}") from None
    words = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip().lower()
        if not line:
            continue
        if not _WORD.fullmatch(line):
            raise ConfigError(f"{path}:{number}: one word of letters a-z per line, got {line!r}")
        words.add(line)
    return frozenset(words)
