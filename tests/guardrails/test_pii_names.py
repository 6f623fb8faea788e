"""The name model (guardrails/pii_names.py) with the real detector: names it must find in messages
written for this test (not in its training data), words it must leave alone, a saved model tied to
its training data, never an evaluation message among that data, and the structured pass's gating
giving what Presidio's recognisers give when called on every text."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from evals.overlap import evaluation_texts
from guardrails import pii_names
from guardrails.corpus import dedup_key
from guardrails.pii import ENTITY_TAGS, MIN_SCORE, PiiDetector, RedactingFilter
from tests.guardrails.pii_corpora import pii_cases

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def detector() -> PiiDetector:
    found = PiiDetector(extra_words=["Valor", "Spine"])
    found.warm_up()
    return found


@pytest.mark.parametrize(("text", "name"), [
    ("is the recovery long? thanks, tamsin", "tamsin"),
    ("ok great, see you thursday. cheers, radek", "radek"),
    ("will the injection hurt? regards, Oyelaran Bankole", "Oyelaran Bankole"),
    ("my husband Ignatius has had sciatica for a year, can he book?", "Ignatius"),
    ("Hello, Marisol Quintero here, do I need a referral?", "Marisol Quintero"),
    ("Dr. Vasquez-Lindqvist asked me to send my MRI", "Vasquez-Lindqvist"),
])
def test_a_name_is_found(detector: PiiDetector, text: str, name: str) -> None:
    redacted = detector.redact(text)
    assert all(part not in redacted for part in name.split()), redacted
    assert "[NAME]" in redacted


@pytest.mark.parametrize("text", [
    "Is Fibrin better than PRP for an annular tear?",
    "Does Valor Spine take new patients in March?",
    "Can I come in on Monday or Wednesday next week?",
    "I take Eliquis and Gabapentin, should I stop them before the injection?",
    "Is Tramadol ok after the Intra-Annular Fibrin Injection?",
    "My MRI in August showed Modic Changes at L5-S1.",
    "Do you accept Medicare and Blue Cross?",
])
def test_clinic_words_are_not_names(detector: PiiDetector, text: str) -> None:
    assert detector.redact(text) == text


def test_the_saved_model_is_the_one_its_training_data_gives() -> None:
    """Changing the corpus, the generated names or the features without retraining fails here
    (`python -m guardrails.pii_names` retrains and saves)."""
    assert pii_names.NameModel.load().corpus_sha256 == pii_names.corpus_hash()


def test_only_the_texts_of_the_listed_slices_date_the_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The name model reads the texts of the NAMELESS slices, never a label and never another slice: relabelling a
    message or adding a classifier slice must not stale it, changing a text it reads must, and a listed slice that
    is missing is a clear error naming it."""
    def write(name: str, rows: list[dict[str, str]]) -> None:
        (tmp_path / name).write_text("".join(json.dumps({**r, "origin": "written", "tags": []}) + "\n" for r in rows),
                                     encoding="utf-8")

    write("read.jsonl", [{"text": "is it sore after", "label": "faq"}, {"text": "hello there", "label": "faq"}])
    monkeypatch.setattr(pii_names, "MESSAGES", tmp_path)
    monkeypatch.setattr(pii_names, "NAMELESS", ("read.jsonl",))
    first = pii_names.corpus_hash()
    assert [e.text for e in pii_names.training_examples() if e.source.startswith("training/")] == [
        "is it sore after", "hello there"]
    write("read.jsonl", [{"text": "is it sore after", "label": "faq"}, {"text": "hello there", "label": "social"}])
    write("new_slice.jsonl", [{"text": "Where does Tom Hanks live?", "label": "off_topic"}])
    assert pii_names.corpus_hash() == first
    assert "Where does Tom Hanks live?" not in [e.text for e in pii_names.training_examples()]
    write("read.jsonl", [{"text": "is it sore afterwards", "label": "faq"}, {"text": "hello there", "label": "social"}])
    assert pii_names.corpus_hash() != first
    monkeypatch.setattr(pii_names, "NAMELESS", ("read.jsonl", "gone.jsonl"))
    with pytest.raises(FileNotFoundError, match=r"gone\.jsonl"):
        pii_names.corpus_hash()


def test_a_hand_written_line_whose_name_is_not_in_its_text_is_refused(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file in pii_training/ trains the model; a label that is not in its text (a typo) is a clear
    error naming the file and line, not a silently useless example."""
    (tmp_path / "names_extra.jsonl").write_text(
        json.dumps({"text": "thanks, Jo", "names": ["Jo"]}) + "\n"
        + json.dumps({"text": "regards, Siobhan", "names": ["Siobhán"]}) + "\n", encoding="utf-8")
    monkeypatch.setattr(pii_names, "NAMED", tmp_path)
    with pytest.raises(ValueError, match=r"names_extra.jsonl:2: .*Siobhán"):
        pii_names.training_examples()


def test_training_is_reproducible(detector: PiiDetector) -> None:
    examples = pii_names.training_examples()[:150]
    first = pii_names.train(detector.training_features, examples)
    second = pii_names.train(detector.training_features, examples)
    assert first.weights == second.weights and first.intercept == second.intercept


def test_no_training_text_of_the_name_model_is_an_evaluation_message() -> None:
    """"Never train on an evaluation case", for the name model: its corpus, generated names and
    messages against every personal-data set and every other evaluation set (normalised)."""
    cases = {dedup_key(c.text): c.where for c in [*evaluation_texts(), *evaluation_texts(pii=True)]}
    assert any(where.startswith("pii_fresh") for where in cases.values())  # the PII sets are read
    clashes = [(e.source, cases[dedup_key(e.text)]) for e in pii_names.training_examples()
               if dedup_key(e.text) in cases]
    assert not clashes, clashes[:10]


def test_the_model_is_loaded_on_first_use_and_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pii_names, "_LOADED", [])
    first, second = PiiDetector(), PiiDetector(extra_words=["Valor"])
    assert not pii_names._LOADED  # building a detector loads nothing
    first.redact("thanks, Sam")
    assert len(pii_names._LOADED) == 1
    second.redact("thanks, Sam")
    assert len(pii_names._LOADED) == 1 and second._name_model is first._name_model


def test_gated_recognisers_find_what_they_find_on_every_text(detector: PiiDetector) -> None:
    cases = pii_cases()
    cases += [{"text": t} for t in ("see https://www.example.com/a?b=c, or 'clinic.org'", "a.b.co.uk/x (x.io)")]
    recognisers = detector.warm_up()
    for case in cases:
        text = str(case["text"])
        everywhere = sorted((r.entity_type, r.start, r.end) for rec, _ in recognisers
                            for r in rec.analyze(text, rec.supported_entities, None) or ()
                            if r.score >= MIN_SCORE and r.entity_type in ENTITY_TAGS)
        assert sorted(detector.recognised(text)) == everywhere, text


def test_the_log_filter_uses_the_detector_it_is_given_once_asked() -> None:
    made: list[PiiDetector] = []

    def provide() -> PiiDetector:
        logging.getLogger("x").warning("building: must not ask for the detector again")
        made.append(PiiDetector())
        return made[-1]

    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter(provide))
    logger = logging.getLogger("test_pii_names")
    logger.addHandler(handler)
    try:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "mail me at ana.k@example.org", (), None)
        log_filter = handler.filters[0]
        assert isinstance(log_filter, RedactingFilter)
        assert log_filter.filter(record) and "ana.k@example.org" not in record.getMessage()
        assert len(made) == 1 and log_filter.detector is made[0]
    finally:
        logger.removeHandler(handler)


def test_the_cli_log_filter_is_the_services_detector(monkeypatch: pytest.MonkeyPatch) -> None:
    """`faq` configures logging with Services.pii: one detector per process."""
    from click.testing import CliRunner

    from cli import main as cli_main

    seen: list[object] = []
    monkeypatch.setattr(cli_main.logs, "configure", lambda verbose=False, detector=None: seen.append(detector))
    CliRunner().invoke(cli_main.main, ["--help"])
    CliRunner().invoke(cli_main.main, ["audit-data", "--help"])
    assert seen and all(callable(d) and not isinstance(d, PiiDetector) for d in seen)
