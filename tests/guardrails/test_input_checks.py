from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.settings import PACKAGE_ROOT, load_settings
from assistant.wiring import Services
from core.errors import ConfigError
from guardrails.pipeline import Guardrails
from guardrails.policy import load_policy

CASES = yaml.safe_load((Path(__file__).parent / "cases.yaml").read_text())["cases"]


@pytest.fixture(scope="module")
def guardrails(embedder: Any) -> Guardrails:
    return Services(load_settings(), embedder=embedder).guardrails


@pytest.mark.parametrize("case", CASES, ids=[c["message"][:40] for c in CASES])
def test_each_message_is_decided_by_the_right_check(guardrails: Guardrails, embedder: Any,
                                                    case: dict[str, Any]) -> None:
    vector = embedder.encode([case["message"]])[0]
    decision, verdicts = guardrails.check_input(case["message"], [], vector)
    assert (decision.category if decision else None) == case["category"], decision
    assert verdicts and all(v.check.startswith("input:") for v in verdicts)
    if decision is not None:
        assert decision.fired and decision.rule_ids and decision.reason and 0 < decision.confidence <= 1


def test_symptoms_spread_over_turns_are_read_together(guardrails: Guardrails, embedder: Any) -> None:
    earlier = ["I had the injection on Friday", "my back is sore"]
    message = "and now I'm running a fever with chills"
    decision, _ = guardrails.check_input(message, earlier, embedder.encode([message])[0])
    assert decision is not None and decision.category == "emergency"


def test_a_lone_fever_question_without_context_is_still_escalated(guardrails: Guardrails, embedder: Any) -> None:
    # Red flags err towards escalation: fever near a spine procedure is never waved through.
    message = "fever after the spine injection, is that normal?"
    decision, _ = guardrails.check_input(message, [], embedder.encode([message])[0])
    assert decision is not None and decision.action == "escalate"


def test_the_policy_rejects_unknown_keys_and_broken_rules(tmp_path: Path) -> None:
    source = (PACKAGE_ROOT / "guardrails" / "policy.yaml").read_text()
    (tmp_path / "exemplars.yaml").write_text((PACKAGE_ROOT / "guardrails" / "exemplars.yaml").read_text())
    bad = tmp_path / "policy.yaml"
    bad.write_text(source + "\nsurprise: 1\n")
    with pytest.raises(ConfigError, match="surprise"):
        load_policy(bad)
    bad.write_text(source.replace("em-chest: '", "em-chest: '(unclosed"))
    with pytest.raises(ConfigError, match="em-chest"):
        load_policy(bad)


def test_the_policy_fingerprint_changes_with_its_text(tmp_path: Path) -> None:
    original = load_policy(PACKAGE_ROOT / "guardrails" / "policy.yaml")
    (tmp_path / "exemplars.yaml").write_text((PACKAGE_ROOT / "guardrails" / "exemplars.yaml").read_text())
    edited = tmp_path / "policy.yaml"
    edited.write_text((PACKAGE_ROOT / "guardrails" / "policy.yaml").read_text().replace("Call {emergency_number} now",
                                                                                         "Call {emergency_number} immediately"))
    assert load_policy(edited).fingerprint != original.fingerprint


def test_the_red_flag_model_catches_what_no_rule_or_exemplar_does(guardrails: Guardrails, embedder: Any) -> None:
    """'now I'm burning up with a fever' matches no rule and is near no exemplar enough; the
    linear model fitted on the exemplars escalates it. With the model off, nothing does."""
    message = "now I'm burning up with a fever"
    vector = embedder.encode([message])[0]
    decision, verdicts = guardrails.check_input(message, [], vector)
    assert decision is not None and decision.category == "emergency"
    assert decision.rule_ids == ("red-flag-model",) and "probability" in decision.reason
    assert not any(v.fired for v in verdicts if v is not decision)
    semantic = guardrails.policy.semantic.model_copy(update={"red_flag_probability": None})
    off = Guardrails(guardrails.policy.model_copy(update={"semantic": semantic}), guardrails.classifier)
    assert off.check_input(message, [], vector)[0] is None
    # deterministic: the same exemplars fit the same model
    category, probability = guardrails.classifier.red_flag(vector)
    threshold = guardrails.policy.semantic.red_flag_probability
    assert threshold is not None and probability >= threshold
    assert (category, probability) == guardrails.classifier.red_flag(vector)
