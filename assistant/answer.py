"""The answer pipeline. ``Assistant.ask`` reads as its steps:

    check the input -> read the message (language, typos fixed, one embedding) -> input checks
    -> rewrite a follow-up -> retrieve (screen passages) -> compose -> is it answerable?
    -> check the output -> finalize (consultation, disclaimer) -> remember (redacted)

Usage::

    assistant = services.assistant
    response = assistant.ask("Is the procedure painful?", session_id="abc")
    print(response.answer)        # cited answer + consultation + disclaimer
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field

from assistant.answerability import DECISION_RANK, Answerability, Evidence, Judgement, evidence_of
from assistant.clinic import ClinicProfile
from assistant.compose import Asked, Draft, ExtractiveComposer
from assistant.facts import NONE, FactKinds
from assistant.grounding import ground
from assistant.llm import NOT_IN_MATERIALS, AnswerWriter
from assistant.rewrite import readings as readings_of
from assistant.sessions import SessionStore, TurnRecord
from assistant.trace import Trace
from core.errors import InputError
from core.types import Action, Category, Consultation, Response, SourceRef, Suggestion, cite, new_id
from guardrails.language import ENGLISH
from guardrails.pii import PiiDetector
from guardrails.pipeline import Guardrails, InputDecision, Message
from guardrails.policy import Policy
from guardrails.verdict import Verdict
from knowledge.embeddings import Embedder
from knowledge.search import HybridSearcher, Passage

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
SNIPPET_CHARS = 220
MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class AnswerLimits:
    passages: int  # fused passages retrieved and screened
    max_question_chars: int


@dataclass(frozen=True)
class Reply:
    """What a step decided, before finalization adds consultation and disclaimer."""

    action: Action
    category: Category
    body: str
    sources: list[SourceRef] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)


@dataclass(frozen=True)
class Found:
    """What retrieval and composition found for one question, and its features for answerability."""

    query: str
    passages: list[Passage]
    draft: Draft
    evidence: Evidence
    fact_missing: str
    asked: Asked
    expanded_query: str = ""
    screened: list[Verdict] = field(default_factory=list)  # verdicts on passages the screen removed
    fact_kind: tuple[str, float] | None = None  # the clinic fact the model reads it as asking for (assistant/facts.py)


@dataclass(frozen=True)
class Grounded:
    """Found, and the answerability judgement on it."""

    query: str
    passages: list[Passage]
    draft: Draft
    judgement: Judgement


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
    # one letter is a message ("k" is "ok" typed on a phone); only symbols or digits are not
    if junk > max(2, len(cleaned) // 20) or letters < max(1, len(cleaned) // 5):
        raise InputError(policy.messages.unreadable)
    return " ".join(_CONTROL.sub(" ", cleaned).split())


class Assistant:
    def __init__(self, searcher: HybridSearcher, composer: ExtractiveComposer, answerability: Answerability,
                 fact_kinds: FactKinds, sessions: SessionStore, clinic: ClinicProfile, policy: Policy, embedder: Embedder,
                 guardrails: Guardrails, limits: AnswerLimits, pii: PiiDetector, *,
                 writer: AnswerWriter | None = None) -> None:
        self.searcher = searcher
        self.composer = composer
        self.answerability = answerability
        self.fact_kinds = fact_kinds
        self.sessions = sessions
        self.clinic = clinic
        self.policy = policy
        self.embedder = embedder
        self.guardrails = guardrails
        self.limits = limits
        self.pii = pii
        self.writer = writer
        self._fields = clinic_fields(clinic)
        self._facts = {name: (re.compile(f.question, re.IGNORECASE), re.compile(f.evidence, re.IGNORECASE))
                       for name, f in policy.required_facts.items()}
        unknown = set(fact_kinds.kinds) - set(self._facts) - {NONE}
        if unknown:  # a clinic removed a kind from policy.yaml: without its evidence pattern it cannot be checked
            log.warning("the fact-kind model names %s, which policy.yaml required_facts does not; ignored",
                        sorted(unknown))

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

    # --- the pipeline ---------------------------------------------------------------------------
    def ask(self, question: str, session_id: str | None = None, *, use_writer: bool = True) -> Response:
        started = time.perf_counter()
        turn_id, session_id, trace = new_id(), session_id or new_id(), Trace()
        text = check_input(question, self.policy, self.limits.max_question_chars)
        with trace.timed("history"):
            history = self.sessions.history(session_id)
        with trace.timed("read"):
            self.searcher.prepare()  # the normaliser knows the articles' words before it reads
            message = self.guardrails.read(text)
        with trace.timed("input_checks"):
            decision = self.guardrails.check_input(message, [h.question for h in history])
        self._trace_input(message, decision, trace)
        reply = self._reply(message, decision, history, trace, use_writer)
        response = self.finalize(reply, turn_id, session_id)
        trace.timings["total_ms"] = (time.perf_counter() - started) * 1000
        response.trace = trace.to_dict()
        self._remember(session_id, turn_id, text, trace, response, reply)
        return response

    def _trace_input(self, message: Message, decision: InputDecision, trace: Trace) -> None:
        trace.language = message.language
        trace.corrections = [(self.pii.redact(a), b) for a, b in message.normalised.corrections]
        trace.classifier = decision.scores.to_dict() if decision.scores is not None else None
        if trace.classifier is not None:
            trace.classifier["sentences"] = {k: self.pii.redact(v) for k, v in trace.classifier["sentences"].items()}
        trace.verdicts = list(decision.verdicts)
        trace.safety_net = decision.safety_net

    def _reply(self, message: Message, decision: InputDecision, history: list[TurnRecord], trace: Trace,
               use_writer: bool) -> Reply:
        reply = self._decided(message, decision, history, trace, use_writer)
        if decision.safety_net:  # the guardrails decide which replies carry it (guardrails/pipeline.py)
            reply = Reply(reply.action, reply.category, f"{self.message('safety_net')}\n{reply.body}",
                          reply.sources, reply.suggestions)
        return reply

    def _decided(self, message: Message, decision: InputDecision, history: list[TurnRecord], trace: Trace,
                 use_writer: bool) -> Reply:
        verdict = decision.verdict
        if verdict is not None and verdict.category == "diagnosis" and verdict.action == "refuse" \
                and decision.language == ENGLISH:  # in another language: the translated refusal alone
            return self._diagnosis(message, history, trace)
        if verdict is not None and verdict.category == "social":
            return self._courtesy(message, trace, use_writer)
        if verdict is not None and verdict.action is not None and verdict.action != "answer":
            body = self.guardrails.message_for(verdict, decision.language).format(**self._fields)
            return Reply(verdict.action, verdict.category or "faq", body)
        category: Category = verdict.category if verdict is not None and verdict.category else "faq"
        found = self._ground(message, history, trace)
        return self._answer_or_not(found, message, category, trace, use_writer)

    def readings(self, message: Message, history: list[TurnRecord]) -> list[str]:
        """The question as typed (personal data erased) and, after an answered question, also read in
        that question's context (assistant/rewrite.py): the articles decide which reading they answer."""
        previous = next((h.standalone for h in reversed(history)
                         if h.category in ("faq", "treatment_decision") and h.action == "answer"), None)
        return readings_of(self.pii.erase(message.text), previous)

    def find(self, message: Message, query: str, trace: Trace) -> Found:
        """Retrieve and screen passages for one reading of the question, compose a draft, gather the
        evidence answerability judges (also what `faq train --answerability` learns from)."""
        with trace.timed("rewrite"):
            expansion = self.searcher.expand(query)
        with trace.timed("embed_query"):
            vector = message.vector if query == message.text else self.embedder.encode([query])[0]
            retrieval_vector = self.searcher.retrieval_vector(query, vector)
        result = self.searcher.search(query, self.limits.passages, query_vector=retrieval_vector, expansion=expansion)
        for step, ms in result.timings.items():
            trace.timings[step] = trace.timings.get(step, 0.0) + ms
        passages, screened = self.guardrails.screen(result.passages)
        with trace.timed("compose"):
            examples = self.composer.examples
            sims = examples.similarities(vector)
            asked = Asked(result.expanded_query, result.query_vector, result.idf, result.section_questions, sims)
            draft = self.composer.compose(asked, passages)
            terms = [self.composer.passage_terms(p) for p in passages]
            missing = self._fact_missing(query, passages)
            kind = self.fact_kinds.asked(vector)
            # counted only for a kind the policy can check passages for, and none of them states
            fact_asked = kind[1] if kind is not None and kind[0] in self._facts \
                and not self._states(kind[0], passages) else 0.0
            evidence = evidence_of(result.terms, result, passages, draft.unvoted_best, terms, bool(missing),
                                   (*examples.nearest(sims), examples.present),  # absent: the models without them
                                   fact_asked=fact_asked)
        return Found(query, passages, draft, evidence, missing, asked, result.expanded_query, screened, kind)

    def _ground(self, message: Message, history: list[TurnRecord], trace: Trace) -> Grounded:
        """Each reading of the question found and judged; the one the articles answer best is kept
        (a decision to answer over suggestions over a decline, then the higher probability; the
        question as typed on a tie)."""
        with trace.timed("rewrite"):
            queries = self.readings(message, history)
        judged = []
        for query in queries:
            found = self.find(message, query, trace)
            judged.append((found, self.answerability.judge(found.evidence)))
        found, judgement = max(judged, key=lambda fj: (DECISION_RANK[fj[1].decision], fj[1].probability))
        if len(judged) > 1:
            trace.readings = [{"query": self.pii.redact(f.query), "decision": j.decision,
                               "probability": round(j.probability, 4)} for f, j in judged]
        trace.standalone_query, trace.rewritten = self.pii.redact(found.query), found.query != message.text
        trace.expanded_query = self.pii.redact(found.expanded_query)
        trace.verdicts.extend(found.screened)
        trace.passages = [p.trace() for p in found.passages]
        trace.answerability = judgement.to_dict()
        if found.fact_kind is not None:
            trace.answerability["fact_kind"] = {"likeliest": found.fact_kind[0], "asked": round(found.fact_kind[1], 4)}
        if found.fact_missing:
            trace.no_answer_reason = f"asks for a {found.fact_missing.replace('_', ' ')} that the articles do not state"
        elif judgement.decision != "answer":
            trace.no_answer_reason = f"answerability {judgement.probability:.2f} is below {judgement.answer_from:.2f}"
        return Grounded(found.query, found.passages, found.draft, judgement)

    def _fact_missing(self, query: str, passages: list[Passage]) -> str:
        """The kind of fact (a price, opening hours, a success rate...) a policy pattern reads the
        question as asking for and no passage states; '' when there is none."""
        for name, (asks, _) in self._facts.items():
            if asks.search(query) and not self._states(name, passages):
                return name
        return ""

    def _states(self, kind: str, passages: list[Passage]) -> bool:
        """Whether a passage states a fact of this kind (its policy `evidence` pattern)."""
        evidence = self._facts[kind][1]
        return any(evidence.search(p.text) for p in passages)

    def _answer_or_not(self, found: Grounded, message: Message, category: Category, trace: Trace,
                       use_writer: bool) -> Reply:
        decision = found.judgement.decision
        if decision == "answer" and not found.draft.empty:
            reply = self._quoted(found, message, trace, use_writer)
            if reply is not None:
                if category == "treatment_decision":  # general criteria only, never a personal determination
                    m = self.policy.messages
                    return Reply("answer", category, f"{m.treatment_decision} {m.treatment_general} {reply.body}",
                                 reply.sources)
                return Reply("answer", category, reply.body, reply.sources)
        suggestions = self._suggestions(found) if decision != "decline" else []
        if category == "treatment_decision":
            return self._refusal(category, self.message("treatment_decision"), suggestions, trace)
        if suggestions:
            trace.suggestions = [s.model_dump() for s in suggestions]
            return Reply("no_answer", "faq", self.message("suggestions"), suggestions=suggestions)
        return Reply("no_answer", "faq", self.message("no_answer"))

    def _diagnosis(self, message: Message, history: list[TurnRecord], trace: Trace) -> Reply:
        """Never "not in our materials": the refusal, then what the articles say in general on the
        subject when they do cover it (output-checked like any answer)."""
        refusal = self.message("diagnosis")
        found = self._ground(message, history, trace)
        if found.judgement.decision == "answer" and not found.draft.empty:
            general = self._quoted(found, message, trace, use_writer=False)
            if general is not None:
                return Reply("refuse", "diagnosis", f"{refusal} {self.message('diagnosis_general')} {general.body}",
                             general.sources)
        suggestions = self._suggestions(found) if found.judgement.decision != "decline" else []
        return self._refusal("diagnosis", refusal, suggestions, trace)

    def _courtesy(self, message: Message, trace: Trace, use_writer: bool) -> Reply:
        """Only a greeting, thanks or goodbye: answered if the articles answer something in it, read
        alone (a "thanks!" after an answer is no follow-up to answer again); else the social reply."""
        found = self._ground(message, [], trace)
        if found.judgement.decision == "answer" and not found.draft.empty:
            answered = self._answer_or_not(found, message, "faq", trace, use_writer)
            if answered.action == "answer":
                return answered
        trace.no_answer_reason = ""
        return Reply("deflect", "social", self.message("social"))

    def _refusal(self, category: Category, refusal: str, suggestions: list[Suggestion], trace: Trace) -> Reply:
        """A diagnosis or treatment-decision refusal when no general sentences answer the message: never
        "not in our articles" (the articles may well cover the subject in general), but the refusal, then
        the questions the articles do answer nearest the message when there are any (the consultation
        invitation follows every reply)."""
        if not suggestions:
            return Reply("refuse", category, refusal)
        trace.suggestions = [s.model_dump() for s in suggestions]
        return Reply("refuse", category, f"{refusal} {self.message('refusal_suggestions')}", suggestions=suggestions)

    def _quoted(self, found: Grounded, message: Message, trace: Trace, use_writer: bool) -> Reply | None:
        """The cited answer from the draft (or the LLM's grounded draft), after the output checks;
        None when nothing survives them."""
        trace.composer = "extractive"
        sentences = found.draft.sentences
        if self.writer is not None and use_writer:
            sentences = self._written(found.query, found.passages, trace) or sentences
        with trace.timed("output_checks"):
            cited_text = " ".join(found.passages[i].text for _, i in sentences)
            keep, removed = self.guardrails.check_output([s for s, _ in sentences], cited_text,
                                                          [span.text for span in self.pii.find(message.original)])
        trace.verdicts.extend(removed)
        sentences = [sentences[i] for i in keep]
        if not sentences:
            trace.no_answer_reason = "every sentence of the draft failed an output check"
            return None
        body, sources, used = self._cited(sentences, found.passages)
        for i, p in enumerate(trace.passages):
            p["used"] = i in used
        return Reply("answer", "faq", body, sources)

    def _written(self, query: str, passages: list[Passage], trace: Trace) -> list[tuple[str, int]] | None:
        assert self.writer is not None
        top = passages[: self.composer.settings.passages]
        try:
            text = self.writer.write(query, top)
        except Exception as exc:  # the provider is down or slow: the offline answer stands
            trace.llm = {"error": type(exc).__name__}
            return None
        if NOT_IN_MATERIALS in text:
            trace.llm = {"declined": True}
            return None
        grounded = ground(text, top, self.embedder, self.composer.terms)
        trace.llm = {"draft": text, "dropped": [{"sentence": s, "reason": r} for s, r in grounded.dropped]}
        if not grounded.kept or len(grounded.kept) < len(grounded.dropped):
            trace.llm["fallback"] = "too little of the draft is supported by the passages"
            return None
        trace.composer = "llm"
        return grounded.kept

    @staticmethod
    def _cited(sentences: list[tuple[str, int]], passages: list[Passage]) -> tuple[str, list[SourceRef], set[int]]:
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
        return " ".join(parts), sources, set(numbers)

    @staticmethod
    def _suggestions(found: Grounded) -> list[Suggestion]:
        """Up to three questions the articles do answer, one per section nearest the question: the
        section's first stored example question (the clean one; the others are patients' wordings
        for matching), else its heading."""
        out: list[Suggestion] = []
        for p in sorted(found.passages, key=lambda p: -p.fused):
            if len(out) < MAX_SUGGESTIONS and not any(s.section == p.section for s in out):
                out.append(Suggestion(text=p.questions[0] if p.questions else p.section, section=p.section))
        return out

    def finalize(self, reply: Reply, turn_id: str, session_id: str) -> Response:
        """Every reply ends with the disclaimer; every reply except an emergency escalation
        carries the consultation invitation (an emergency reply leads with the emergency number
        and says nothing that could delay the patient)."""
        consultation = None if reply.category == "emergency" else self.consultation()
        middle = f"\n\n{consultation.text}" if consultation else ""
        answer = f"{reply.body}{middle}\n\n{self.disclaimer}"
        return Response(turn_id=turn_id, session_id=session_id, action=reply.action, category=reply.category,
                        answer=answer, disclaimer=self.disclaimer, consultation=consultation,
                        sources=reply.sources, suggestions=reply.suggestions)

    def _remember(self, session_id: str, turn_id: str, text: str, trace: Trace, response: Response,
                  reply: Reply) -> None:
        """The turn, redacted, for follow-ups and for the console's transcripts."""
        standalone_query = trace.standalone_query if trace.standalone_query is not None else self.pii.redact(text)
        self.sessions.append(session_id, TurnRecord(
            turn_id, time.time(), self.pii.redact(text), standalone_query, reply.action, reply.category,
            answer=response.answer, sources=[s.model_dump() for s in response.sources],
            latency_ms=round(trace.timings.get("total_ms", 0.0), 2),
            suggestions=[s.model_dump() for s in reply.suggestions]))

