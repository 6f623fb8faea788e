"""Site boilerplate removal, driven by rules in boilerplate.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.errors import ConfigError
from knowledge.sentences import split_sentences


class BoilerplateRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    drop_lines: dict[str, list[str]] = Field(default_factory=dict)
    drop_sentences: dict[str, list[str]] = Field(default_factory=dict)
    footer_starts: list[str] = Field(default_factory=list)
    footer_zone: float = Field(0.35, gt=0, le=1)

    @field_validator("footer_starts")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            re.compile(pattern)
        return patterns

    @field_validator("drop_lines", "drop_sentences")
    @classmethod
    def _groups_compile(cls, groups: dict[str, list[str]]) -> dict[str, list[str]]:
        for patterns in groups.values():
            for pattern in patterns:
                re.compile(pattern)
        return groups


def load_rules(path: Path) -> BoilerplateRules:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return BoilerplateRules.model_validate(raw)
    except OSError as exc:
        raise ConfigError(f"cannot read boilerplate rules {path}: {exc.strerror}") from None
    except (yaml.YAMLError, ValidationError, re.error) as exc:
        raise ConfigError(f"invalid boilerplate rules in {path}: {exc}") from None


def _full(patterns: list[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


@dataclass(frozen=True)
class Cleaner:
    """Removes boilerplate lines and the legal footer from a document's text."""

    drop: re.Pattern[str] | None
    drop_sentence: re.Pattern[str] | None
    footer: re.Pattern[str] | None
    footer_zone: float

    @classmethod
    def from_rules(cls, rules: BoilerplateRules) -> Cleaner:
        lines = [p for group in rules.drop_lines.values() for p in group]
        sentences = [p for group in rules.drop_sentences.values() for p in group]
        return cls(_full(lines), _full(sentences), _full(rules.footer_starts), rules.footer_zone)

    def clean(self, text: str) -> str:
        lines = text.splitlines()
        # Count only non-blank lines so trailing blank padding does not widen the zone.
        content_idx = [i for i, line in enumerate(lines) if line.strip()]
        if self.footer is not None and content_idx:
            zone_start = content_idx[int(len(content_idx) * (1 - self.footer_zone))]
            for i in content_idx:
                if i >= zone_start and self.footer.fullmatch(_normal(lines[i])):
                    lines = lines[:i]
                    break
        if self.drop is not None:
            drop = self.drop
            lines = [line for line in lines if not (line.strip() and drop.fullmatch(_normal(line)))]
        if self.drop_sentence is not None:
            lines = [self._drop_sentences(line, self.drop_sentence) for line in lines]
        return "\n".join(lines).strip() + "\n"


    @staticmethod
    def _drop_sentences(line: str, pattern: re.Pattern[str]) -> str:
        if not line.strip():
            return line
        indent = line[: len(line) - len(line.lstrip())]
        kept = [s for s in split_sentences(line.strip()) if not pattern.fullmatch(_normal(s))]
        return indent + " ".join(kept) if kept else ""


def _normal(line: str) -> str:
    return re.sub(r"\s+", " ", line.strip().strip("•*-–▪● ").strip())
