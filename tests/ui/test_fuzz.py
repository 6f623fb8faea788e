"""The API fuzzed from its own OpenAPI schema with schemathesis against a real `faq serve`: a
bounded number of generated requests per operation; no 5xx, and every response (errors included)
matches the schema the API publishes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.servers import ADMIN_KEY, running

EXAMPLES = 30  # per operation


@pytest.fixture(scope="module")
def fuzzed_server(indexed: Path, model_cache: Path) -> Iterator[str]:
    with running(indexed, model_cache, FAQ_RATE_LIMIT_PER_MINUTE="100000", FAQ_CONSOLE_ENABLED="false") as url:
        yield url


def fuzz(url: str, examples: int, headers: dict[str, str]) -> list[str]:
    """Every operation, ``examples`` generated requests each; returns the operations run. (Not
    schemathesis' pytest plugin: its lazy fixture does not work with this pytest.)"""
    api = schemathesis.openapi.from_url(f"{url}/openapi.json")
    ran = []
    for result in api.get_all_operations():
        operation = result.ok()

        @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck),
                  derandomize=True, database=None)
        @given(case=operation.as_strategy())
        def call(case: Any) -> None:
            # A schema-valid message can still be unreadable ("0", only symbols): the API answers it
            # with 422 invalid_message and the policy's wording, by design, so that check is off.
            case.call_and_validate(headers=headers, timeout=60, excluded_checks=[positive_data_acceptance])

        call()
        ran.append(f"{operation.method.upper()} {operation.path}")
    return ran


@pytest.mark.slow
def test_no_server_error_and_every_response_matches_the_schema(fuzzed_server: str) -> None:
    ran = fuzz(fuzzed_server, EXAMPLES, {"X-Admin-Key": ADMIN_KEY})
    assert {"POST /v1/chat", "POST /v1/feedback", "GET /v1/admin/transcripts"} <= set(ran)


@pytest.mark.slow
def test_without_the_admin_key_responses_still_match_the_schema(fuzzed_server: str) -> None:
    fuzz(fuzzed_server, 5, {})
