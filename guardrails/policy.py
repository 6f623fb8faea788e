"""The policy file (guardrails/policy.yaml) as a validated model."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.errors import ConfigError
from core.types import Action, Category


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Messages(_Strict):
    emergency: str
    self_harm: str
    prompt_injection: str
    diagnosis: str
    treatment_decision: str
    treatment_general: str
    self_treatment: str
    medication: str
    abuse: str
    off_topic: str
    social: str  # a message that is only a greeting, thanks, goodbye or "ok"
    output_replaced: str
    no_answer: str
    consultation: str
    empty_question: str
    too_long: str
    unreadable: str
    rate_limited: str
    busy: str  # the server is at capacity (503): try again in a few seconds
    server_error: str
    offline: str
    greeting: str
    safety_net: str  # leads an answer when the red-flag score is in the grey band
    language: str  # a message in a language the assistant does not answer in
    suggestions: str  # leads "did you mean" suggestions when a question is close but not clearly covered
    diagnosis_general: str  # before general article sentences that follow the diagnosis refusal
    refusal_suggestions: str  # after a diagnosis or treatment refusal, before suggestions of what the articles cover


class Translation(_Strict):
    """Wording in another language, shown before the English for a message written in it."""

    language: str
    emergency: str
    self_harm: str
    diagnosis: str | None = None  # for a language in `languages.understood`
    medication: str | None = None
    prompt_injection: str | None = None


class Languages(_Strict):
    """Which languages are told apart (ISO 639-1 codes lingua knows) and how sure the detector must
    be before a message counts as not English: short messages ("ok", "PRP?") stay English."""

    detect: list[str] = Field(min_length=2)
    min_confidence: float = Field(0.75, gt=0, le=1)
    min_words: int = Field(3, ge=1)
    # a message the detector gives to another Latin-script language stays English when at least this
    # share of its words are commoner in English than in that language (markup, names, leetspeak and
    # drug names mislead a character model; words do not)
    english_word_share: float = Field(0.6, gt=0, le=1)
    # languages besides English that the message classifier is trained on: a request it refuses
    # (a diagnosis, a medicine) gets that refusal in them, not the language reply
    understood: list[str] = Field(default_factory=list)


class RequiredFact(_Strict):
    question: str
    evidence: str

    @field_validator("question", "evidence")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        re.compile(pattern)
        return pattern


def check_patterns(named: Mapping[str, str], flags: int = 0) -> None:
    """ValueError naming the first pattern that is not a valid regular expression."""
    for name, pattern in named.items():
        try:
            re.compile(pattern, flags)
        except re.error as exc:
            raise ValueError(f"{name}: not a valid regular expression: {exc}") from None


def _compile_all(patterns: dict[str, str]) -> dict[str, str]:
    check_patterns({f"rule {rule_id}": pattern for rule_id, pattern in patterns.items()})
    return patterns


RULE_FLAGS = re.IGNORECASE | re.MULTILINE | re.VERBOSE


class Rule(_Strict):
    """One backstop rule: a verbose regular expression (spaces ignored, # comments)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,40}$")
    kind: Literal["symptom", "explicit"]  # symptom rules stand aside when the message is not about now
    pattern: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        check_patterns({"pattern": pattern}, RULE_FLAGS)
        return pattern


class Check(_Strict):
    category: Category
    action: Action
    message: str = ""  # a key of `messages`; default: the category's own
    conversation: bool = False
    rules: list[Rule]


class ClassifierPolicy(_Strict):
    training_dir: str = "training"  # beside the policy file
    recall: dict[Literal["emergency", "self_harm"], float]
    precision: float = Field(gt=0, lt=1)
    grey_recall: float = Field(gt=0, le=1)
    short_sentence_floor: float = Field(0.0, ge=0, le=1.01)  # 0: every sentence counts; above 1: none
    courtesy_precision: float = Field(0.95, gt=0, lt=1)  # the courtesy head's threshold keeps this precision
    # Operating thresholds set by hand; a class not listed gets the one cross-validation chooses.
    thresholds: dict[Literal["emergency", "self_harm", "prompt_injection", "diagnosis", "treatment_decision",
                             "medication", "abuse", "off_topic", "social"], float] = {}
    grey_from: float | None = Field(None, gt=0, lt=1)  # where the safety net starts; None: from grey_recall
    pinned_slack: float = Field(0.02, ge=0, lt=1)  # a pinned threshold's precision may sit this far under target
    recall_slack: float = Field(0.01, ge=0, lt=1)  # and a pinned red-flag threshold's recall this far

    @model_validator(mode="after")
    def _targets_and_thresholds(self) -> ClassifierPolicy:
        if not all(0 < t < 1 for t in self.thresholds.values()):
            raise ValueError("classifier.thresholds must each lie between 0 and 1")
        if set(self.recall) != {"emergency", "self_harm"} or not all(0 < r < 1 for r in self.recall.values()):
            raise ValueError("classifier.recall needs emergency and self_harm, each between 0 and 1")
        if self.grey_recall < max(self.recall.values()):  # the band lies below the threshold
            raise ValueError("classifier.grey_recall must be at least the red-flag recall")
        red = [self.thresholds[c] for c in ("emergency", "self_harm") if c in self.thresholds]
        if self.grey_from is not None and red and self.grey_from >= min(red):
            raise ValueError("classifier.grey_from must lie under the red-flag thresholds")
        return self


def regex_bytes(pattern: str) -> int:
    """Size of a verbose pattern without its comments and layout (what policy.yaml's rules weigh)."""
    return len(re.sub(r"\s+", "", re.sub(r"(?<!\\)#.*", "", pattern)).encode())


class Policy(_Strict):
    """guardrails/policy.yaml, validated; unknown keys are errors that name themselves."""

    version: int
    messages: Messages
    required_facts: dict[str, RequiredFact]
    checks: list[Check]
    classifier: ClassifierPolicy
    languages: Languages
    translations: dict[str, Translation] = Field(default_factory=dict)
    output_rules: dict[str, str]
    not_now: str = ""
    fingerprint: str = ""
    folder: Path = Path(".")  # where the policy file is: training_dir is relative to it

    @model_validator(mode="after")
    def _messages_exist(self) -> Policy:
        seen: set[str] = set()
        for check in self.checks:
            key = check.message or check.category
            if key != "faq" and not hasattr(self.messages, key):
                raise ValueError(f"check {check.category}: no message {key!r} in messages")
            for rule in check.rules:
                if rule.id in seen:
                    raise ValueError(f"rule id {rule.id!r} appears twice")
                seen.add(rule.id)
        check_patterns({"not_now": self.not_now}, RULE_FLAGS)
        unknown = set(self.translations) - set(self.languages.detect)
        if unknown:
            raise ValueError(f"translations for languages not in languages.detect: {sorted(unknown)}")
        unknown = set(self.languages.understood) - set(self.languages.detect)
        if unknown:
            raise ValueError(f"languages.understood not in languages.detect: {sorted(unknown)}")
        return self

    @property
    def training_dir(self) -> Path:
        return self.folder / self.classifier.training_dir

    @field_validator("output_rules")
    @classmethod
    def _output_compile(cls, rules: dict[str, str]) -> dict[str, str]:
        return _compile_all(rules)


def load_policy(path: Path) -> Policy:
    """The policy, validated; the fingerprint names this exact text."""
    try:
        text = path.read_bytes()
        raw = yaml.safe_load(text)
        if not isinstance(raw, dict):
            raise ConfigError(f"the policy file {path} must be a mapping")
        digest = hashlib.sha256(text).hexdigest()[:12]
        return Policy.model_validate({**raw, "fingerprint": digest, "folder": path.parent})
    except OSError as exc:
        raise ConfigError(f"cannot read the policy file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"the policy file {path} is not valid YAML: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"the policy file {path} is invalid: {problems}") from None
