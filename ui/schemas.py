"""Request and error bodies of the HTTP API. Replies use the answer contract (core/types.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_MESSAGE_CHARS = 2000


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    session_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{1,64}$")


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    turn_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    rating: Literal["up", "down"]
    comment: str = Field("", max_length=1000)


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail
    request_id: str
    disclaimer: str | None = None
