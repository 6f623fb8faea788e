"""The real API (ui/api.py: middleware, rate limit, answer pool, validation, JSON, metrics) with the
answer itself replaced by one canned reply, served the way `faq serve` serves: what a request costs
besides the answer. The load benchmark measures its CPU per request (the bound it compares
against is computed from the in-process answer alone).

    .venv/bin/python -m benchmarks.stub_app --port 8123     # FAQ_* settings from the environment
"""

from __future__ import annotations

import argparse
from typing import Any

from fastapi import FastAPI

from assistant import logs
from assistant.settings import load_settings
from assistant.wiring import Services
from core.types import Response, new_id
from ui.api import SERVE_OPTIONS, create_app

QUESTION = "Is the procedure painful?"


def app_from_environment() -> FastAPI:
    settings = load_settings()
    svc = Services(settings)
    logs.configure(detector=lambda: svc.pii)  # the process's one detector, as `faq serve` does
    canned = svc.assistant.ask(QUESTION)  # a real reply (sources, consultation), computed once

    def ask(question: str, session_id: str | None = None, **_: Any) -> Response:
        return canned.model_copy(update={"turn_id": new_id(), "session_id": session_id or new_id()})

    svc.assistant.ask = ask  # type: ignore[method-assign]
    return create_app(settings, svc)


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run("benchmarks.stub_app:app_from_environment", factory=True, host="127.0.0.1", port=args.port,
                **SERVE_OPTIONS)


if __name__ == "__main__":
    main()
