"""The answer pipeline, its steps written out in order:

    check input (guardrails) -> rewrite -> retrieve (screen passages) -> compose -> check output
    -> finalize (consultation, disclaimer) -> remember (redacted)

Usage::

    assistant = services.assistant
    response = assistant.ask("Is the procedure painful?", session_id="abc")
    print(response.answer)        # cited answer + consultation + disclaimer
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from assistant.clinic import ClinicProfile
from assistant.compose import Draft, ExtractiveComposer
from assistant.grounding import ground
from assistant.llm import NOT_IN_MATERIALS, AnswerWriter
from assistant.rewrite import standalone
from assistant.sessions import SessionStore, TurnRecord
from core.errors import InputError
from core.types import Action, Category, Consultation, Response, SourceRef
from guardrails.pii import redact, strip_personal
from guardrails.pipeline import Guardrails
from guardrails.policy import Policy
from guardrails.verdict import Verdict
from knowledge.embeddings import Embedder
from knowledge.search import HybridSearcher, Passage

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
SNIPPET_CHARS = 220


@dataclass(frozen=True)
class AnswerLimits:
    passages: int = 5  # fused passages handed to the composer
    max_question_chars: int = 2000
    max_uncovered_share: float = 0.5  # share of topic words unknown to the articles: not covered
    confident_score: float = 0.55  # below it, any unknown topic word means not covered


@dataclass(frozen=True)
class Search:
    """The retrieval query, already expanded and embedded."""

    query: str
    expanded: str
    matched: list[str]
    vector: Any


@dataclass(frozen=True)
class Reply:
    """What a step decided, before finalization adds consultation and disclaimer."""

    action: Action
    category: Category
    body: str
    sources: list[SourceRef]


def clinic_fields(clinic: ClinicProfile) -> dict[str, str]:
    return {
        "clinic": clinic.name, "phone": clinic.phone, "booking_url": clinic.booking_url,
        "website": clinic.website, "emergency_number": clinic.emergency.number,
        "emergency_department": clinic.emergency.department, "crisis_line": clinic.crisis_line.number,
        "crisis_name": clinic.crisis_line.name, "consultation": clinic.consultation,
    }


def check_input(text: str, policy: Policy, limit: int) -> str:
    """The question, tidied; InputError with a message fit for the patient otherwise."""
    if not isinstance(text, str):
        raise InputError(policy.messages.unreadable)
    cleaned = text.strip()
    if not cleaned:
        raise InputError(policy.messages.empty_question)
    if len(cleaned) > limit:
        raise InputError(policy.messages.too_long.format(length=f"{len(cleaned):,}", limit=f"{limit:,}"))
    junk = len(_CONTROL.findall(cleaned))
    letters = sum(ch.isalpha() for ch in cleaned)
    if junk > max(2, len(cleaned) // 20) or letters < max(2, len(cleaned) // 5):
        raise InputError(policy.messages.unreadable)
    return " ".join(_CONTROL.sub(" ", cleaned).split())


def cite(text: str, n: int) -> str:
    """'Most patients go home.' -> 'Most patients go home [1].'"""
    stripped = text.rstrip()
    if stripped and stripped[-1] in ".!?":
        return f"{stripped[:-1]} [{n}]{stripped[-1]}"
    return f"{stripped} [{n}]."


class Assistant:
    def __init__(self, searcher: HybridSearcher, composer: ExtractiveComposer, sessions: SessionStore,
                 clinic: ClinicProfile, policy: Policy, embedder: Embedder, guardrails: Guardrails, *,
                 limits: AnswerLimits | None = None, writer: AnswerWriter | None = None) -> None:
        limits = limits or AnswerLimits()
        self.passages = limits.passages
        self.max_question_chars = limits.max_question_chars
        self.max_uncovered_share = limits.max_uncovered_share
        self.confident_score = limits.confident_score
        self.searcher = searcher
        self.composer = composer
        self.sessions = sessions
        self.clinic = clinic
        self.policy = policy
        self.embedder = embedder
        self.guardrails = guardrails
        self.writer = writer
        self._fields = clinic_fields(clinic)
        self._facts = {name: (re.compile(f.question, re.IGNORECASE), re.compile(f.evidence, re.IGNORECASE))
                       for name, f in policy.required_facts.items()}

    @property
    def disclaimer(self) -> str:
        return self.clinic.disclaimer

    def greeting(self) -> str:
        return self.policy.messages.greeting.format(**self._fields)

    def error_text(self, error: Exception | str) -> str:
        """A problem explained to the patient; like every reply, it ends with the disclaimer."""
        return f"{error}\n\n{self.disclaimer}"

    def message(self, key: str) -> str:
        """A policy message (guardrails/policy.yaml `messages`) with the clinic's details filled in."""
        return str(getattr(self.policy.messages, key)).format(**self._fields)

    def consultation(self) -> Consultation:
        return Consultation(text=self.policy.messages.consultation.format(**self._fields),
                            url=self.clinic.booking_url, phone=self.clinic.phone)

    def ask(self, question: str, session_id: str | None = None, *, use_writer: bool = True) -> Response:
        started = time.perf_counter()
        timings: dict[str, float] = {}
        turn_id = uuid.uuid4().hex[:16]
        session_id = session_id or uuid.uuid4().hex[:16]
        trace: dict[str, Any] = {}

        # 1. check input: readable, then the guardrails in policy order (first that fires decides).
        # The follow-up rewrite and the query expansion are text work, done first, so that the
        # message and the retrieval query are embedded together in one call.
        text = check_input(question, self.policy, self.max_question_chars)
        t = time.perf_counter()
        history = self.sessions.history(session_id)
        timings["history_ms"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        previous = next((h.standalone for h in reversed(history)
                         if h.category in ("faq", "treatment_decision") and h.action == "answer"), None)
        query = standalone(strip_personal(text), previous)
        expanded, matched = self.searcher.expand(query)
        timings["rewrite_ms"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        # The guardrails judge the patient's own words, embedded alone so that a decision never
        # depends on what else shared the batch. Retrieval uses the standalone query (the same
        # vector unless a follow-up was rewritten) plus its expansion phrases' cached vectors.
        message_vector = self.embedder.encode([text])[0]
        query_vector = message_vector if query == text else self.embedder.encode([query])[0]
        retrieval_vector = self.searcher.retrieval_vector(query, query_vector)
        timings["embed_ms"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        decision, verdicts = self.guardrails.check_input(text, [h.question for h in history], message_vector)
        timings["input_checks_ms"] = (time.perf_counter() - t) * 1000
        category: Category = decision.category if decision and decision.category else "faq"
        if decision is not None and decision.action is not None and decision.action != "answer":
            query = text
            reply = Reply(decision.action, category, self.guardrails.message_for(decision).format(**self._fields), [])
        else:
            # 2. the standalone query (a follow-up rewritten from the conversation)
            trace["standalone_query"] = redact(query)
            trace["rewritten"] = query != text
            # 3. retrieve, 4. compose (5. check output inside)
            search = Search(query, expanded, matched, retrieval_vector)
            reply = self._grounded_reply(text, search, category, trace, timings, verdicts, use_writer)

        # 6. finalize: consultation and disclaimer on every reply
        response = self.finalize(reply, turn_id, session_id)
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        trace["verdicts"] = [v.to_dict() for v in verdicts]
        trace["timings_ms"] = {k: round(v, 2) for k, v in timings.items()}
        response.trace = trace

        # 7. remember the turn (redacted) for follow-ups and for the conversation checks
        self.sessions.append(session_id, TurnRecord(
            turn_id, time.time(), redact(text), redact(query), reply.action, reply.category,
            answer=response.answer, sources=[s.model_dump() for s in response.sources],
            latency_ms=round(timings["total_ms"], 2),
        ))
        return response

    def _grounded_reply(self, text: str, search: Search, category: Category, trace: dict[str, Any],
                        timings: dict[str, float], verdicts: list[Verdict], use_writer: bool) -> Reply:
        query = search.query
        result = self.searcher.search(query, self.passages, query_vector=search.vector,
                                      expansion=(search.expanded, search.matched))
        timings.update(result.timings)
        trace["expanded_query"] = redact(result.expanded_query)
        trace["uncovered_terms"] = result.uncovered
        passages, screened = self.guardrails.screen(result.passages)
        verdicts.extend(screened)
        t = time.perf_counter()
        draft = self.composer.compose(result.expanded_query, result.query_vector, passages)
        trace["best_sentence_score"] = round(draft.best_score, 4)
        reason = self._not_covered(query, result.topic, result.uncovered, passages, draft)
        used: set[int] = set()
        if reason:
            trace["no_answer_reason"] = reason
            reply = self._no_answer(category)
        else:
            sentences = self._sentences(query, passages, draft, trace, use_writer)
            t_out = time.perf_counter()
            cited_text = " ".join(passages[i].text for _, i in sentences)
            keep, removed = self.guardrails.check_output([s for s, _ in sentences], cited_text, text)
            verdicts.extend(removed)
            timings["output_checks_ms"] = (time.perf_counter() - t_out) * 1000
            sentences = [sentences[i] for i in keep]
            if sentences:
                reply, used = self._answer(sentences, passages, category)
            else:
                reply = Reply("no_answer", category, self.policy.messages.output_replaced.format(**self._fields), [])
        timings["compose_ms"] = (time.perf_counter() - t) * 1000
        trace["passages"] = [{**p.trace(), "used": i in used} for i, p in enumerate(passages)]
        return reply

    def _not_covered(self, query: str, terms: list[str], uncovered: list[str], passages: list[Passage],
                     draft: Draft) -> str:
        """Why the clinic's materials do not answer this question, or '' when they do."""
        if draft.empty:
            return f"best sentence score {draft.best_score:.2f} is below the answer floor"
        # Topic words found nowhere in the articles: the question is about something they do
        # not discuss ("does PRP help knee arthritis?"). Half of them missing decides alone;
        # any missing decides when the best sentence is only a middling match.
        if terms and uncovered:
            share = len(uncovered) / len(terms)
            if share >= self.max_uncovered_share or draft.best_score < self.confident_score:
                return f"words not in the articles: {', '.join(uncovered)}"
        # A price, opening hours, a success rate... that no passage states.
        for name, (asks, evidence) in self._facts.items():
            if asks.search(query) and not any(evidence.search(p.text) for p in passages[: self.passages]):
                return f"asks for a {name.replace('_', ' ')} that the articles do not state"
        return ""

    def _sentences(self, query: str, passages: list[Passage], draft: Draft, trace: dict[str, Any],
                   use_writer: bool) -> list[tuple[str, int]]:
        trace["composer"] = "extractive"
        if self.writer is not None and use_writer:
            written = self._written(query, passages, draft, trace)
            if written is not None:
                return written
        return draft.sentences

    def _written(self, query: str, passages: list[Passage], draft: Draft,
                 trace: dict[str, Any]) -> list[tuple[str, int]] | None:
        assert self.writer is not None
        top = passages[: self.composer.settings.passages]
        try:
            text = self.writer.write(query, top)
        except Exception as exc:  # the provider is down or slow: the offline answer stands
            trace["llm"] = {"error": type(exc).__name__}
            return None
        if NOT_IN_MATERIALS in text:
            trace["llm"] = {"declined": True}
            return None
        grounded = ground(text, top, self.embedder)
        trace["llm"] = {"draft": text, "dropped": [{"sentence": s, "reason": r} for s, r in grounded.dropped]}
        if not grounded.kept or len(grounded.kept) < len(grounded.dropped):
            trace["llm"]["fallback"] = "too little of the draft is supported by the passages"
            return None
        trace["composer"] = "llm"
        return grounded.kept

    def _answer(self, sentences: list[tuple[str, int]], passages: list[Passage],
                category: Category = "faq") -> tuple[Reply, set[int]]:
        numbers: dict[int, int] = {}
        parts = []
        for text, p_idx in sentences:
            n = numbers.setdefault(p_idx, len(numbers) + 1)
            parts.append(cite(text, n))
        sources = []
        for p_idx, n in numbers.items():
            p = passages[p_idx]
            cited = " ".join(text for text, i in sentences if i == p_idx)
            snippet = cited if len(cited) <= SNIPPET_CHARS else cited[: SNIPPET_CHARS - 1].rsplit(" ", 1)[0] + "…"
            sources.append(SourceRef(n=n, title=p.title, url=p.url, section=p.section, snippet=snippet,
                                     score=round(p.dense, 4)))
        body = " ".join(parts)
        if category == "treatment_decision":  # general criteria only, never a personal determination
            m = self.policy.messages
            body = f"{m.treatment_decision} {m.treatment_general} {body}"
        return Reply("answer", category, body, sources), set(numbers)

    def _no_answer(self, category: Category = "faq") -> Reply:
        if category == "treatment_decision":
            return Reply("refuse", category, self.policy.messages.treatment_decision + " " +
                         self.policy.messages.no_answer.format(**self._fields), [])
        return Reply("no_answer", "faq", self.policy.messages.no_answer.format(**self._fields), [])

    def finalize(self, reply: Reply, turn_id: str, session_id: str) -> Response:
        """Every reply ends with the disclaimer; every reply except an emergency escalation
        carries the consultation invitation (an emergency reply leads with the emergency number
        and says nothing that could delay the patient)."""
        consultation = None if reply.category == "emergency" else self.consultation()
        middle = f"\n\n{consultation.text}" if consultation else ""
        answer = f"{reply.body}{middle}\n\n{self.disclaimer}"
        return Response(turn_id=turn_id, session_id=session_id, action=reply.action, category=reply.category,
                        answer=answer, disclaimer=self.disclaimer, consultation=consultation,
                        sources=reply.sources)
