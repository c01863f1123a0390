"""schemathesis against the served description (/api/v1/openapi.json), through the WSGI app.

Every operation of the served schema is called with generated requests, valid and invalid,
by a staff member's token and by a system's token, on ids that exist (a case with a task and
scans in the caller's jurisdiction) and on any others; each answer must be no server error
and must match what the description says (status, content type, body schema). Bounded and
deterministic: a fixed number of examples per operation, hypothesis derandomized.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.models import KIND_SCOPES
from assistance.models import Evidence
from tests.api.helpers import staff_token, system_token
from tests.fixtures import World
from tests.workflows.dibao import apply, task
from tests.workflows.evidence import upload

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fixed_clock", "deployed", "local_evidence"),
]

SCHEMA_PATH = "/api/v1/openapi.json"
EXAMPLES = 10  # per operation, per generation mode
# A system calling an operation outside its scopes is refused before anything else is read
# (api.auth.declared_scope): a few requests show it.
REFUSED_EXAMPLES = 3
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def settings(examples: int) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


@pytest.fixture(autouse=True)
def connection_kept_across_requests() -> Iterator[None]:
    """The WSGI handler closes the database connection at the end of each request, which would
    end the test's transaction; Django's test client keeps it open the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def real_ids(world: World) -> dict[str, int]:
    """Ids that exist and that the staff caller may see, so requests reach past the 404."""
    case = apply(world)
    upload(world, case, "hukou", "id_cards")
    return {
        "case_id": case.pk,
        "household_id": case.household_id,
        "task_id": task(case, "acceptance").pk,
        "evidence_id": Evidence.objects.filter(case=case).values_list("pk", flat=True)[0],
    }


def operations() -> Iterator[Any]:
    schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, get_wsgi_application())
    for result in schema.get_all_operations():
        yield result.ok()


def cases_for(operation: Any, mode: GenerationMode, ids: dict[str, int]) -> Any:
    """Generated requests, half of them on ids that exist."""
    anywhere = operation.as_strategy(generation_mode=mode)
    names = {parameter.name for parameter in operation.path_parameters}
    known = {name: ids[name] for name in names if name in ids}
    if not known:
        return anywhere
    return st.one_of(anywhere, operation.as_strategy(generation_mode=mode, path_parameters=known))


def fuzz(
    operation: Any, headers: dict[str, str], ids: dict[str, int], examples: int = EXAMPLES
) -> list[str]:
    failures: list[str] = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        failures += fuzz_in_mode(operation, mode, headers, ids, examples)
    return failures


def fuzz_in_mode(
    operation: Any, mode: GenerationMode, headers: dict[str, str], ids: dict[str, int], n: int
) -> list[str]:
    """Every failing check is listed rather than the first raised, and nothing is shrunk: the
    list is the report."""
    failures: list[str] = []

    @settings(n)
    @hypothesis.given(case=cases_for(operation, mode, ids))
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except Exception as failure:
            lines = str(failure).strip().splitlines()
            failures.append(
                f"{operation.label} [{mode}] {response.status_code}: " + " / ".join(lines[:6])
            )

    run()
    return failures


def kind_for(scope: str) -> str:
    """A system whose kind has the scope the operation needs (any, for staff operations)."""
    return next((kind for kind, scopes in KIND_SCOPES.items() if scope in scopes), "check_centre")


def test_it_answers_a_staff_token_within_the_schema_and_never_with_a_server_error(
    world: World, real_ids: dict[str, int]
) -> None:
    headers = {"Authorization": f"Bearer {staff_token(world['clerk'])}"}
    failures = [failure for op in operations() for failure in fuzz(op, headers, real_ids)]
    assert failures == [], "\n".join(failures)


def test_it_answers_a_system_token_within_the_schema_and_never_with_a_server_error(
    world: World, real_ids: dict[str, int]
) -> None:
    failures: list[str] = []
    tokens: dict[str, str] = {}
    for operation in operations():
        scope = operation.definition.raw.get("x-doudi-scope", "")
        kind = kind_for(scope)
        if kind not in tokens:
            tokens[kind] = system_token(kind, world.county, username=f"fuzz-{kind}")
        headers = {"Authorization": f"Bearer {tokens[kind]}"}
        admitted = scope == "any" or scope in KIND_SCOPES[kind]
        failures += fuzz(operation, headers, real_ids, EXAMPLES if admitted else REFUSED_EXAMPLES)
    assert failures == [], "\n".join(failures)
