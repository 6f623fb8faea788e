"""The policy file (guardrails/policy.yaml) as a validated model."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path

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
    output_replaced: str
    no_answer: str
    consultation: str
    empty_question: str
    too_long: str
    unreadable: str
    rate_limited: str
    server_error: str
    offline: str
    greeting: str


class RequiredFact(_Strict):
    question: str
    evidence: str

    @field_validator("question", "evidence")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        re.compile(pattern)
        return pattern


def check_patterns(named: Mapping[str, str]) -> None:
    """ValueError naming the first pattern that is not a valid regular expression."""
    for name, pattern in named.items():
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{name}: not a valid regular expression: {exc}") from None


def _compile_all(patterns: dict[str, str]) -> dict[str, str]:
    check_patterns({f"rule {rule_id}": pattern for rule_id, pattern in patterns.items()})
    return patterns


class Check(_Strict):
    category: Category
    action: Action
    message: str = ""  # a key of `messages`; default: the category's own
    conversation: bool = False
    rules: dict[str, str]

    @field_validator("rules")
    @classmethod
    def _rules_compile(cls, rules: dict[str, str]) -> dict[str, str]:
        return _compile_all(rules)


class Threshold(_Strict):
    threshold: float = Field(ge=-1, le=1)
    margin: float = Field(ge=0, le=2)


class Semantic(_Strict):
    exemplars_file: str
    categories: dict[Category, Threshold]
    # A linear model fitted on the exemplars (emergency, self_harm, everything else): a message
    # whose red-flag probability reaches this escalates even when no exemplar is near it.
    # None: off.
    red_flag_probability: float | None = Field(None, gt=0, le=1)


class Exemplars(_Strict):
    version: int = 1
    exemplars: dict[str, list[str]]


class Policy(_Strict):
    """guardrails/policy.yaml, validated; unknown keys are errors that name themselves."""

    version: int
    messages: Messages
    required_facts: dict[str, RequiredFact]
    checks: list[Check]
    semantic: Semantic
    output_rules: dict[str, str]
    general_question: str = ""
    exemplars: dict[str, list[str]] = Field(default_factory=dict)
    fingerprint: str = ""

    @model_validator(mode="after")
    def _messages_exist(self) -> Policy:
        for check in self.checks:
            key = check.message or check.category
            if key != "faq" and not hasattr(self.messages, key):
                raise ValueError(f"check {check.category}: no message {key!r} in messages")
        return self

    @field_validator("output_rules")
    @classmethod
    def _output_compile(cls, rules: dict[str, str]) -> dict[str, str]:
        return _compile_all(rules)


def load_policy(path: Path) -> Policy:
    """The policy with its exemplars, validated; the fingerprint names this exact text."""
    try:
        text = path.read_bytes()
        raw = yaml.safe_load(text)
        if not isinstance(raw, dict):
            raise ConfigError(f"the policy file {path} must be a mapping")
        semantic = raw.get("semantic") or {}
        exemplar_path = path.parent / str(semantic.get("exemplars_file", "exemplars.yaml"))
        exemplar_text = exemplar_path.read_bytes()
        exemplars = Exemplars.model_validate(yaml.safe_load(exemplar_text)).exemplars
        digest = hashlib.sha256(text + b"\x1f" + exemplar_text).hexdigest()[:12]
        return Policy.model_validate({**raw, "exemplars": exemplars, "fingerprint": digest})
    except OSError as exc:
        raise ConfigError(f"cannot read the policy file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"the policy file {path} is not valid YAML: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"the policy file {path} is invalid: {problems}") from None
