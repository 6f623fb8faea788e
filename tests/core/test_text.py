"""The one text normaliser: typos fixed against the articles' words and English, never a word
that is already a word, and real stems."""

from __future__ import annotations

import functools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.text import EnglishSpeller, TextNormaliser, clean, words

ARTICLE_WORDS = words("""Patients remain awake during the procedure, which uses local anesthesia and image guidance.
The fibrin sealant is injected into the annulus; discography may be part of the evaluation. Most patients
return home the same day. An annular tear in the disc can cause discogenic pain. Recovery varies.""")


@pytest.fixture(scope="module")
def normaliser() -> TextNormaliser:
    n = TextNormaliser(EnglishSpeller())
    n.use_vocabulary(ARTICLE_WORDS)
    return n


@pytest.mark.parametrize(("typed", "meant"), [
    ("is the recovry painfull", "is the recovery painful"),
    ("do i get put under for the neeedle", "do i get put under for the needle"),
    ("general anastesia or local?", "general anesthesia or local?"),
    ("how does the fibrn work", "how does the fibrin work"),
    ("will i be awak", "will i be awake"),
    ("wat is a anular tear", "wat is a annular tear"),
    ("sciatca down my leg", "sciatica down my leg"),
    ("howlong till i can drive", "how long till i can drive"),
    ("backpain after the jab", "back pain after the jab"),
])
def test_typos_are_fixed(normaliser: TextNormaliser, typed: str, meant: str) -> None:
    assert normaliser.normalise(typed).text == meant


@pytest.mark.parametrize("word", ["golf", "paint", "disc", "disk", "goal", "pain", "jab", "prp", "physio",
                                  "laminectomy", "gabapentin", "kyphoplasty", "pulposus", "alot", "tramadol"])
def test_no_word_is_corrected_into_another(normaliser: TextNormaliser, word: str) -> None:
    assert normaliser.correct(word) == word


def test_acronyms_and_names_with_capitals_are_left_alone(normaliser: TextNormaliser) -> None:
    # (messages in another language are not normalised at all: tests/guardrails/test_language.py)
    text = "Can SpineBot read my MRI, my COPD notes and Dr. McKenzie's letter?"
    assert normaliser.normalise(text).text == text


def test_corrections_are_reported_for_the_trace(normaliser: TextNormaliser) -> None:
    read = normaliser.normalise("Recovry time?")
    assert read.text == "Recovery time?" and read.corrections == (("Recovry", "recovery"),)
    assert read.original == "Recovry time?"


def test_stems_are_snowball_not_a_suffix_stripper(normaliser: TextNormaliser) -> None:
    assert normaliser.terms("swimming after injections") == ["swim", "inject"]
    assert normaliser.terms("I've been swimming, can't walk") == ["swim", "walk"]


def test_cleaning_straightens_quotes_and_drops_invisible_characters() -> None:
    assert clean("it’s\u200b  “fine”\u00ad") == "it's \"fine\""


@functools.cache
def shared_normaliser() -> TextNormaliser:
    return TextNormaliser(EnglishSpeller())  # built once: hypothesis cannot take a fixture


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_normalising_never_fails_and_is_stable(text: str) -> None:
    n = shared_normaliser()
    once = n.normalise(text).text
    assert isinstance(once, str) and n.normalise(once).text == n.normalise(once).text
    assert all(t == t.lower() for t in n.terms(text))
