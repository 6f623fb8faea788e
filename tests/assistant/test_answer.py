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


@pytest.fixture
def assistant(clinic_services: Services) -> Assistant:
    return clinic_services.assistant


def body(response: Response) -> str:
    return response.answer.split("\n\n")[0]


def all_chunk_text(svc: Services) -> str:
    active = svc.store.active()
    assert active is not None
    return " ".join(" ".join(t.split()) for t in svc.store.get(active.chunks, include=["documents"])["documents"])


def test_in_domain_answers_contain_their_facts_and_cite_the_right_section(assistant: Assistant) -> None:
    failures = []
    for case in FAQ_SET:
        response = assistant.ask(case["turns"][-1])
        text = body(response).lower()
        facts = all(any(alt.lower() in text for alt in group) for group in case["expect"]["must_mention"])
        section = any(s.section in case["expect"]["sections"] for s in response.sources)
        if response.action != "answer" or not facts or not section:
            failures.append((case["id"], response.action, text[:120]))
    # The bar: at least 90% of the 64 questions in patients' words, typos included.
    assert len(failures) <= len(FAQ_SET) // 10, failures


def test_answers_are_grounded_sentences_with_citations_that_map_to_sources(clinic_services: Services) -> None:
    corpus = all_chunk_text(clinic_services)
    for question in ("Is the procedure painful?", "PRP vs fibrin", "Who is a candidate for this treatment?"):
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
    assert "couldn't find that" in response.answer and assistant.clinic.phone in response.answer
    assert not re.search(r"\$\s?\d|\d+\s?%", response.answer)
    assert response.trace is not None and response.trace["no_answer_reason"]


def test_everyday_words_do_not_make_a_question_unanswerable(make_services: Callable[..., Services],
                                                             docs_dir: Path, tmp_path: Path) -> None:
    """'put', 'enough' and 'already' are not in the article; they are not the question's topic
    either (knowledge/everyday_words.txt). Without the list the same questions get no_answer."""
    questions = ["how do the doctors know where to put the needle",
                 "ive had back pain for 2 months is that long enough",
                 "i already had a discectomy, am i automatically out"]
    with_list = make_services(docs_dir=docs_dir)
    with_list.ingestor.ingest([docs_dir], progress=False)
    empty = tmp_path / "no-everyday-words.txt"
    empty.write_text("# nothing here\n", encoding="utf-8")
    without = make_services(docs_dir=docs_dir, everyday_words_file=empty)
    for question in questions:
        answered = with_list.assistant.ask(question)
        assert answered.action == "answer" and answered.sources, question
        refused = without.assistant.ask(question)
        assert refused.action == "no_answer", question
        assert refused.trace is not None and "words not in the articles" in refused.trace["no_answer_reason"]


def test_a_content_word_the_articles_lack_still_means_no_answer(assistant: Assistant) -> None:
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


def test_a_candidacy_follow_up_about_prior_surgery(assistant: Assistant) -> None:
    assistant.ask("Am I a candidate for the fibrin injection?", "conv-2")
    follow = assistant.ask("what if I had surgery before?", "conv-2")
    assert follow.trace is not None and "fibrin injection" in follow.trace["standalone_query"]
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
])
def test_bad_input_gets_a_clear_message(assistant: Assistant, question: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        assistant.ask(question)


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
