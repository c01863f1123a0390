"""The case reconstruction, its replay and its PDF cost the same number of queries whatever the
length of the case's history: more steps, scans, looks and people cost none."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assistance import actions
from assistance.models import Evidence
from engine import audit
from tests.audit.case_world import approved, local_evidence, name_staff
from tests.workflows.evidence import upload

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fixed_clock", "deployed", "local_evidence"),
]
__all__ = ["local_evidence"]

URLS = ("audit:case", "audit:case-replay", "audit:case-pdf")


def counts(client, case) -> dict[str, int]:
    found = {}
    for name in URLS:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(name, args=[case.pk]))
        assert response.status_code == 200
        found[name] = len(queries.captured_queries)
    return found


def grow(world, case, rounds: int) -> None:
    """More scans, more looks at them by more people, more steps recorded."""
    for number in range(rounds):
        upload(world, case, "other", user="clerk" if number % 2 else "investigator")
    for scan in Evidence.objects.filter(case=case):
        for user in ("approver", "reviewer", "checker"):
            actions.do_view_evidence(scan, actor=world[user])
    with transaction.atomic():
        for number in range(rounds):
            audit.record(
                "case.change_reported",
                actor=world["reviewer2"],
                role="township_reviewer",
                case_id=case.pk,
                payload={"title": f"变更{number}"},
            )


def test_it_keeps_queries_flat_as_the_history_grows(client, world):
    name_staff(world)
    case = approved(world)
    client.force_login(world["auditor"])
    counts(client, case)  # the engine's per-definition caches fill on the first look
    few = counts(client, case)
    grow(world, case, 12)
    many = counts(client, case)
    assert many == few
    # Sign-in, the case, the look recorded, the trail, processes, scans, people, today's
    # versions, policy records, household, other cases: about thirty at most.
    assert max(few.values()) <= 30, few
