"""schemathesis against the app's OpenAPI schema: no 5xx, every response as documented.

Valid (positive) and invalid (negative) requests for every operation, through the
ASGI app over the corpus. schemathesis' lazy pytest fixture does not run under
pytest 9, so each operation is driven through its Hypothesis strategy instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import create_engine

from reviewbot.app import create_app
from tests.conftest import import_corpus, make_token

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# the operations, from the schema alone (building it touches no database)
OPERATIONS = [
    (method.upper(), path)
    for path, item in create_app(create_engine("sqlite://")).openapi()["paths"].items()
    for method in item
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[FastAPI, str]:
    """The app over the corpus, and a write token so PATCH requests reach the handlers."""
    engine = import_corpus(Path(tmp_path_factory.mktemp("schema")) / "corpus.db")
    return create_app(engine), make_token(engine, "schemathesis")


@pytest.fixture(scope="module")
def api_schema(corpus: tuple[FastAPI, str]) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", corpus[0])


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_api_conforms_to_its_schema(
    method: str,
    path: str,
    mode: GenerationMode,
    api_schema: Any,
    corpus: tuple[FastAPI, str],
) -> None:
    headers = {"Authorization": f"Token {corpus[1]}"}
    operation = api_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()
