"""Query expansion from patients' words to the articles' words (knowledge/synonyms.yaml)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import ConfigError


class Expansion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    when: list[str] = Field(min_length=1)
    add: str = Field(min_length=1)


class SynonymFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int = 1
    expansions: list[Expansion] = Field(default_factory=list)


class QueryExpander:
    def __init__(self, expansions: list[Expansion]) -> None:
        self._rules = [
            (re.compile("|".join(rf"\b{re.escape(p.lower())}" for p in e.when), re.IGNORECASE), e.add)
            for e in expansions
        ]

    @classmethod
    def from_file(cls, path: Path) -> QueryExpander:
        try:
            data = SynonymFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        except OSError as exc:
            raise ConfigError(f"cannot read the synonyms file {path}: {exc.strerror}") from None
        except (yaml.YAMLError, ValidationError) as exc:
            raise ConfigError(f"invalid synonyms file {path}: {exc}") from None
        return cls(data.expansions)

    def phrases(self) -> list[str]:
        """Every article phrase the file can add."""
        return list(dict.fromkeys(words for _, words in self._rules))

    def added(self, query: str) -> list[str]:
        """The article phrases (``add``) of every rule the query matches, in file order."""
        out: list[str] = []
        for pattern, words in self._rules:
            if words not in out and pattern.search(query):
                out.append(words)
        return out

    def expand(self, query: str) -> tuple[str, list[str]]:
        """The query with the article words of every matching rule appended, and the phrases matched."""
        added: list[str] = []
        matched: list[str] = []
        for pattern, words in self._rules:
            for m in pattern.finditer(query):
                matched.append(m.group(0))
            if pattern.search(query) and words not in added:
                added.append(words)
        return (f"{query} ({'; '.join(added)})" if added else query), matched
