"""Logging set-up shared by every process (the CLI and each API worker)."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable

from guardrails.pii import PiiDetector, RedactingFilter

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to every log record (``%(request_id)s``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


def configure(verbose: bool = False, detector: PiiDetector | Callable[[], PiiDetector] | None = None) -> None:
    """Every line names its request ("-" outside one), and patient data never reaches a log.
    ``detector``: the process's one detector (``Services.pii``) or a function returning it, called
    on the first record logged; one of its own only where a process has no services."""
    detector = detector or PiiDetector()
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s [%(request_id)s] %(message)s")
    logging.getLogger("presidio-analyzer").setLevel(logging.WARNING)  # a line per message otherwise
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())
            handler.addFilter(RedactingFilter(detector))
