"""The one fake: a chat model standing in for an LLM provider at the network boundary.
It answers from a script and fails loudly on any call the test did not plan for."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field


class ScriptedChatModel(BaseChatModel):
    replies: list[str]
    received: list[list[BaseMessage]] = Field(default_factory=list)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        if not self.replies:
            raise AssertionError(f"unexpected LLM call with {len(messages)} messages")
        self.received.append(messages)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self.replies.pop(0)))])

    @property
    def _llm_type(self) -> str:
        return "scripted-fake"
