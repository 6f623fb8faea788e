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


ERROR_MEANINGS = {
    401: "A valid X-Admin-Key header is required",
    404: "No such turn",
    413: "The request body is too large",
    422: "The request or the message could not be read; the message says why in the policy's words",
    429: "Too many requests from this client; Retry-After says when to try again",
    500: "Something went wrong on the server; the request id is in the log",
    503: "Busy (Retry-After) or not ready",
}


def errors(*statuses: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI `responses` for the error bodies a route can return (the schema the fuzz test holds it to)."""
    return {status: {"model": ErrorBody, "description": ERROR_MEANINGS[status]} for status in (*statuses, 413, 500)}
