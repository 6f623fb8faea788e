"""The optional LLM writer: the one LangChain chat-model adapter.

Off unless settings name a provider. The writer only drafts; the pipeline checks every
sentence of the draft against the passages (assistant/grounding.py) before anything is shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from core.errors import ConfigError
from knowledge.search import Passage

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.settings import Settings

NOT_IN_MATERIALS = "NOT_IN_MATERIALS"


class AnswerWriter(Protocol):
    """Drafts an answer to ``question`` from ``passages`` (cited as [1], [2], ... in order).

    Usage: ``draft = writer.write("Is it painful?", passages)``
    """

    def write(self, question: str, passages: list[Passage]) -> str: ...


class Prompts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    system: str
    user: str


def load_prompts(path: Path) -> Prompts:
    try:
        return Prompts.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"invalid prompts file {path}: {exc}") from None


class LangChainWriter:
    def __init__(self, model: BaseChatModel, prompts: Prompts, clinic: str) -> None:
        self.model = model
        self.prompts = prompts
        self.clinic = clinic

    def write(self, question: str, passages: list[Passage]) -> str:
        from langchain_core.messages import HumanMessage, SystemMessage

        block = "\n\n".join(f"[{i}] ({p.section}) {p.text}" for i, p in enumerate(passages, start=1))
        messages = [
            SystemMessage(self.prompts.system.format(clinic=self.clinic)),
            HumanMessage(self.prompts.user.format(passages=block, question=question)),
        ]
        reply: Any = self.model.invoke(messages)
        content = reply.content if hasattr(reply, "content") else reply
        return content if isinstance(content, str) else str(content)


def build_chat_model(settings: Settings) -> BaseChatModel:
    """The configured provider's chat model; imported only when one is configured."""
    provider = settings.llm_provider
    try:
        if provider == "openai":
            from langchain_openai import ChatOpenAI

            model: Any = ChatOpenAI(model=settings.llm_model, base_url=settings.llm_base_url or None,
                                    api_key=settings.llm_api_key or "not-needed",
                                    temperature=0, timeout=settings.llm_timeout, max_retries=1)
            return cast("BaseChatModel", model)
        if provider == "ollama":
            from langchain_ollama import ChatOllama

            ollama: Any = ChatOllama(model=settings.llm_model, base_url=settings.llm_base_url or None, temperature=0)
            return cast("BaseChatModel", ollama)
    except ImportError:
        raise ConfigError(f"the {provider} LLM needs its package: pip install -e '.[llm]'") from None
    raise ConfigError(f"unknown LLM provider {provider!r}: use 'openai' or 'ollama', or leave it empty")
