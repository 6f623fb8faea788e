from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import PACKAGE_ROOT
from core.errors import ConfigError
from knowledge.cleaning import Cleaner, load_rules
from tests.conftest import CLINIC_DOC

RULES = PACKAGE_ROOT / "knowledge" / "boilerplate.yaml"


@pytest.fixture(scope="module")
def cleaner() -> Cleaner:
    return Cleaner.from_rules(load_rules(RULES))


BOILERPLATE = [
    "Schedule appointment",
    "Download the Free Guide",
    '"*" indicates required fields',
    "Let’s Get Social",
    "Disclaimer: This content is provided for general informational",
    "Valor Spine works with",
    "see: Annular Tears: A Root Cause",
    "For additional reading on when conservative care",
]


def test_clinic_article_loses_its_site_boilerplate_and_keeps_its_body(cleaner: Cleaner) -> None:
    cleaned = cleaner.clean(CLINIC_DOC.read_text(encoding="utf-8"))
    for text in BOILERPLATE:
        assert text not in cleaned
    assert "Fibrin is a natural protein" in cleaned
    assert cleaned.rstrip().endswith("That evaluation — not a treatment assumption — is where this process begins.")


def test_a_disclaimer_in_the_body_is_not_mistaken_for_the_footer(cleaner: Cleaner) -> None:
    body = "Disclaimer: results vary between patients.\n\n" + "\n\n".join(f"Paragraph {i}." for i in range(20))
    assert "results vary" in cleaner.clean(body)


def test_rules_for_another_site_work_without_code_changes(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("drop_lines:\n  cta: ['Book your free scan today!']\nfooter_starts: ['Legal notice.*']\n")
    other = Cleaner.from_rules(load_rules(rules))
    text = "Intro.\n\nBook your free scan today!\n\nMore.\n\nLegal notice: blah\nMore legal."
    assert other.clean(text).split() == ["Intro.", "More."]


def test_a_broken_rules_file_gives_a_config_error(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("drop_lines:\n  cta: ['(unclosed']\n")
    with pytest.raises(ConfigError, match=r"rules\.yaml"):
        load_rules(rules)
    rules.write_text("drop_lines: [oops\n")
    with pytest.raises(ConfigError):
        load_rules(rules)
    rules.write_text("unknown_key: 1\n")
    with pytest.raises(ConfigError, match="unknown_key"):
        load_rules(rules)
