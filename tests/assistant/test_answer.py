from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from assistant.answer import Assistant
from assistant.llm import LangChainWriter, load_prompts
from assistant.wiring import Services
from core.errors import InputError
from core.types import Response
from tests.assistant.fakes import ScriptedChatModel
from tests.conftest import PACKAGE_ROOT

FAQ_SET = yaml.safe_load((PACKAGE_ROOT / "evals" / "sets" / "clinic_faq.yaml").read_text())["cases"]
MARKER = re.compile(r" \[(\d+)\]")


@pytest.fixture(scope="module")
def assistant(clinic_module: Services) -> Assistant:
    return clinic_module.assistant


def body(response: Response) -> str:
    return response.answer.split("\n\n")[0]


def all_chunk_text(svc: Services) -> str:
    active = svc.store.active()
    assert active is not None
    return " ".join(" ".join(t.split()) for t in svc.store.get(active.chunks, include=["documents"])["documents"])


@pytest.mark.parametrize(("question", "fact"), [
    ("Is the procedure painful?", "soreness"),
    ("Do I have to stay overnight?", "same day"),
    ("do they numb you first", "local anesthesia"),
    ("will i be knocked out for it", "awake"),
    ("is the recovry painfull", "soreness"),  # typos are read, not refused
    ("PRP vs fibrin", "growth factors"),  # what PRP does (the article's PRP item), not only its name
])
def test_plain_questions_are_answered_with_their_fact(assistant: Assistant, question: str, fact: str) -> None:
    response = assistant.ask(question)
    assert response.action == "answer", (question, response.trace)
    assert fact in body(response).lower()


def test_answers_are_grounded_sentences_with_citations_that_map_to_sources(clinic_services: Services) -> None:
    corpus = all_chunk_text(clinic_services)
    for question in ("Is the procedure painful?", "PRP vs fibrin", "What happens during the procedure?"):
        response = clinic_services.assistant.ask(question)
        assert response.action == "answer" and response.category == "faq"
        cited = {int(n) for n in MARKER.findall(body(response))}
        assert cited == {s.n for s in response.sources} and cited
        for source in response.sources:
            assert source.title == "Intra-Annular Fibrin Injection" and source.url.startswith("https://")
            assert source.snippet and 0 < source.score <= 1
        for sentence in re.split(r"(?<=\]\.) ", body(response)):
            plain = MARKER.sub("", sentence)
            assert MARKER.search(sentence), sentence
            if ": " not in plain:  # list quotes are a lead-in plus items; prose is verbatim
                assert " ".join(plain.split()) in corpus, plain
        assert 2 <= body(response).count("[") <= 6


def test_every_reply_ends_with_the_disclaimer_and_offers_a_consultation(assistant: Assistant) -> None:
    for question in ("What is fibrin?", "How much does it cost?"):
        response = assistant.ask(question)
        assert response.answer.endswith(response.disclaimer)
        assert response.disclaimer == assistant.clinic.disclaimer
        assert response.consultation is not None
        assert response.consultation.url in response.answer and response.consultation.phone in response.answer


@pytest.mark.parametrize("question", [
    "How much does the fibrin injection cost?",
    "Does my insurance cover this?",
    "What are your opening hours?",
    "What is the success rate of the fibrin procedure?",
    "What are the symptoms of diabetes?",
    "how many injections will i need",
    "how long does the procedure take",
    "What is the name of the doctor who does the procedure?",
    "how long has the clinic been doing this procedure",
])
def test_questions_the_articles_do_not_answer_get_no_answer(assistant: Assistant, question: str) -> None:
    response = assistant.ask(question)
    assert response.action == "no_answer" and response.category == "faq"
    assert not response.sources
    assert assistant.clinic.phone in response.answer
    assert not re.search(r"\$\s?\d|\d+\s?%", response.answer)
    assert response.trace is not None and response.trace["no_answer_reason"]


def test_answerability_explains_itself_in_the_trace(assistant: Assistant) -> None:
    answered = assistant.ask("Is the procedure painful?")
    judged = (answered.trace or {})["answerability"]
    assert judged["decision"] == "answer" and judged["probability"] >= assistant.answerability.answer_from
    assert set(judged["features"]) >= {"dense_top", "relevance_top", "example_answerable", "fact_missing"}
    declined = assistant.ask("What are the symptoms of diabetes?")
    assert (declined.trace or {})["answerability"]["decision"] == "decline"
    assert "below" in (declined.trace or {})["no_answer_reason"]


def test_a_near_miss_gets_suggestions_that_lead_to_answers(clinic_services: Services) -> None:
    from dataclasses import replace

    assistant = clinic_services.assistant
    trained = assistant.answerability.model
    assistant.answerability.model = replace(trained, settings={"answer_from": 1.01, "suggest_from": 0.0})
    try:
        response = assistant.ask("what should I expect on the day of the fibrin injection")
    finally:
        assistant.answerability.model = trained
    assert response.action == "no_answer" and 1 <= len(response.suggestions) <= 3
    assert response.answer.startswith(assistant.message("suggestions"))
    assert len({s.section for s in response.suggestions}) == len(response.suggestions)
    sidecar = yaml.safe_load((clinic_services.settings.docs_dir / "intra-annular-fibrin-injection.meta.yaml")
                             .read_text())["questions"]
    for suggestion in response.suggestions:
        assert suggestion.text == sidecar[suggestion.section][0]  # the section's clean question
        clicked = assistant.ask(suggestion.text)
        assert clicked.action == "answer", suggestion.text
    stored = clinic_services.sessions.transcripts()
    assert any(t["suggestions"] for t in stored)


def test_the_shipped_models_were_trained_on_the_shipped_questions(clinic_services: Services) -> None:
    """Changing a training question or a retrieval setting without `faq train --answerability`
    fails here: the models would be calibrated on something else."""
    from assistant.train import trained_on

    expected = trained_on(clinic_services)
    assert clinic_services.answerability.model.trained_on == expected
    assert clinic_services.composer.relevance.trained_on == expected


def test_an_activity_the_articles_never_mention_is_not_answered(assistant: Assistant) -> None:
    for question in ("can i fly the day after the injection", "does yoga or pilates help after the procedure"):
        response = assistant.ask(question)
        assert response.action == "no_answer", (question, body(response))


def test_a_follow_up_is_rewritten_from_the_conversation(assistant: Assistant) -> None:
    first = assistant.ask("Tell me about the fibrin procedure", "conv-1")
    follow = assistant.ask("how long does it take to work?", "conv-1")
    assert follow.trace is not None and follow.trace["rewritten"]
    assert "fibrin procedure" in follow.trace["standalone_query"]
    assert "weeks to months" in body(follow)
    assert first.session_id == follow.session_id == "conv-1"


def test_a_self_contained_question_after_others_is_answered_as_asked(assistant: Assistant) -> None:
    # Read only in the context of the turns before, "how long before i feel better" was answered with the
    # conservative-care sentences about tears; read as typed, the articles answer it.
    for question in ("what is an annular tear", "how is it treated here", "does that hurt"):
        assistant.ask(question, "conv-3")
    last = assistant.ask("and how long before i feel better", "conv-3")
    assert last.action == "answer" and "weeks to months" in body(last), body(last)
    assert last.trace is not None and len(last.trace["readings"]) == 2
    assert not last.trace["rewritten"]


def test_a_candidacy_follow_up_about_prior_surgery(assistant: Assistant) -> None:
    assistant.ask("Am I a candidate for the fibrin injection?", "conv-2")
    follow = assistant.ask("what if I had surgery before?", "conv-2")
    assert follow.trace is not None and any("fibrin injection" in r["query"] for r in follow.trace["readings"])
    assert "prior spine surgery" in body(follow)


def test_a_new_session_has_no_memory_of_another(assistant: Assistant) -> None:
    assistant.ask("Tell me about PRP", "conv-3")
    alone = assistant.ask("how long does it take to work?", "conv-4")
    assert alone.trace is not None and not alone.trace["rewritten"]


@pytest.mark.parametrize(("question", "message"), [
    ("", "Please type a question"),
    ("   \n\t ", "Please type a question"),
    ("why " * 2500, "too long"),
    ("\x00\x01\x02\x03\x04\x05\x06\x07" * 40, "couldn't read"),
    ("\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd", "couldn't read"),
    ("?!", "couldn't read"),
    ("0", "couldn't read"),
])
def test_bad_input_gets_a_clear_message(assistant: Assistant, question: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        assistant.ask(question)


def test_a_one_letter_reply_is_a_message(assistant: Assistant) -> None:
    assert assistant.ask("k").answer  # "ok" as typed on a phone: answered somehow, not refused as unreadable


def llm_services(make_services: Callable[..., Services], docs_dir: Path, replies: list[str]) -> Services:
    fake = ScriptedChatModel(replies=replies)
    svc = make_services(docs_dir=docs_dir)
    svc.__dict__["writer"] = LangChainWriter(fake, load_prompts(svc.settings.prompts_file), "Test Clinic")
    svc.ingestor.ingest([docs_dir], progress=False)
    return svc


def test_the_grounding_check_drops_an_invented_sentence_from_the_llm(make_services: Callable[..., Services],
                                                                     docs_dir: Path) -> None:
    svc = llm_services(make_services, docs_dir, [
        "Patients remain awake during the procedure, which uses local anesthesia [1]. "
        "Some temporary soreness at the injection site is common in the first several days [1]. "
        "The procedure has a 95% success rate and is fully covered by insurance [1]."
    ])
    response = svc.assistant.ask("Is the procedure painful?")
    assert response.trace is not None and response.trace["composer"] == "llm"
    assert "95%" not in response.answer and "insurance" not in response.answer
    assert "local anesthesia" in body(response) and "[1]" in body(response)
    dropped = response.trace["llm"]["dropped"]
    assert [d["sentence"] for d in dropped] == ["The procedure has a 95% success rate and is fully covered by insurance."]


def test_an_llm_draft_with_too_little_support_falls_back_to_the_offline_answer(
        make_services: Callable[..., Services], docs_dir: Path) -> None:
    svc = llm_services(make_services, docs_dir, [
        "Fibrin injections cure back pain permanently in 9 out of 10 people [1]. Most people jog the next day [1]."
    ])
    response = svc.assistant.ask("Is the procedure painful?")
    assert response.trace is not None and response.trace["composer"] == "extractive"
    assert "fallback" in response.trace["llm"]
    assert "cure" not in response.answer and "local anesthesia" in body(response)


def test_the_fake_llm_fails_loudly_on_an_unplanned_call(make_services: Callable[..., Services],
                                                         docs_dir: Path) -> None:
    svc = llm_services(make_services, docs_dir, ["Patients remain awake during the procedure [1]."])
    svc.assistant.ask("Will I be awake?")
    with pytest.raises(AssertionError, match="unexpected LLM call"):
        svc.writer.write("again?", [])  # type: ignore[union-attr]


def test_no_llm_is_built_unless_one_is_configured(clinic_services: Services) -> None:
    assert clinic_services.settings.llm_provider == "" and clinic_services.writer is None
