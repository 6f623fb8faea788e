"""The clinic profile: contact details and standing wording, loaded from editable YAML."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import ConfigError

PLACEHOLDER_MARK = "PLACEHOLDER"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EmergencyContact(_Strict):
    number: str = Field(min_length=1)
    department: str = Field(min_length=1)


class CrisisLine(_Strict):
    number: str = Field(min_length=1)
    name: str = Field(min_length=1)


class ClinicProfile(_Strict):
    version: int = 1
    name: str = Field(min_length=1)
    website: str
    booking_url: str
    phone: str
    article_url_template: str = Field(pattern=r"\{slug\}")
    emergency: EmergencyContact
    crisis_line: CrisisLine
    disclaimer: str = Field(min_length=20)
    consultation: str = Field(min_length=10)

    def article_url(self, slug: str) -> str:
        return self.article_url_template.format(slug=slug)

    def placeholders(self) -> list[str]:
        """Names of the fields that still hold a placeholder, for start-up warnings."""
        found = []
        for key, value in self.model_dump().items():
            if isinstance(value, str) and PLACEHOLDER_MARK in value:
                found.append(key)
        return found


def load_clinic_profile(path: Path) -> ClinicProfile:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the clinic profile {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"the clinic profile {path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"the clinic profile {path} must be a mapping of fields")
    try:
        return ClinicProfile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"the clinic profile {path} is invalid: {problems}") from None
