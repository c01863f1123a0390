"""Classifying a case for periodic review and changing its class later (do_classify,
do_change_review_class): who, which cases, when the next review falls due, the audit."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from assistance.actions import ActionError
from assistance.models import CaseRecusal, CaseStatus
from assistance.processes import review
from engine.models import AuditEvent
from tests.workflows.exit import active_case as any_active_case
from tests.workflows.review import active_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def test_it_lets_the_county_approver_classify_at_confirmation(world):
    case = active_case(world, hukou="urban")
    review.do_classify(case, actor=world["approver"], review_class="C")
    case.refresh_from_db()
    assert (case.review_class, case.next_review_on) == ("C", date(2026, 6, 2))
    event = AuditEvent.objects.get(case=case, action="case.classified")
    assert (event.actor_name, event.role) == ("approver", "county_approver")


def test_it_classifies_once_then_changes_only_with_a_reason(world):
    case = active_case(world)
    with pytest.raises(ActionError, match="Classify the case first"):
        review.do_change_review_class(
            case, actor=world["reviewer"], review_class="A", reason="稳定"
        )
    review.do_classify(case, actor=world["reviewer"], review_class="A")
    with pytest.raises(ActionError, match="already classified"):
        review.do_classify(case, actor=world["reviewer"], review_class="C")
    with pytest.raises(ActionError, match="Give the reason"):
        review.do_change_review_class(case, actor=world["reviewer"], review_class="C", reason=" ")
    with pytest.raises(ActionError, match="already in this class"):
        review.do_change_review_class(
            case, actor=world["reviewer"], review_class="A", reason="稳定"
        )
    with pytest.raises(ActionError, match="Choose review class"):
        review.do_change_review_class(case, actor=world["reviewer"], review_class="D", reason="x")
    case.refresh_from_db()
    assert case.review_class == "A"
    assert not AuditEvent.objects.filter(case=case, action="case.reclassified").exists()


@pytest.mark.parametrize(
    ("last_review", "new_class", "due"),
    [
        # Rural class C is half-yearly: from the last review on 10 February, 10 August.
        ("2026-02-10", "C", date(2026, 8, 10)),
        # Half a year after a review in June 2025 is past: the review falls due today.
        ("2025-06-01", "C", date(2026, 3, 2)),
        # No review yet: counted from the decision on 10 March 2025.
        (None, "B", date(2026, 3, 10)),
    ],
)
def test_it_counts_the_new_cycle_from_the_last_review(world, last_review, new_class, due):
    case = active_case(world, review_class="A")
    if last_review:
        case.details = {"last_review_on": last_review}
        case.save(update_fields=["details"])
    review.do_change_review_class(
        case, actor=world["reviewer"], review_class=new_class, reason="收入变化"
    )
    case.refresh_from_db()
    assert (case.review_class, case.next_review_on) == (new_class, due)
    event = AuditEvent.objects.get(case=case, action="case.reclassified")
    assert event.payload == {
        "review_class": new_class,
        "previous_class": "A",
        "reason": "收入变化",
        "next_review_on": due.isoformat(),
    }


def test_it_keeps_other_roles_places_and_recused_staff_out(world):
    case = active_case(world, review_class="A")
    for username in ("clerk", "investigator", "checker", "auditor"):
        with pytest.raises(PermissionDenied):
            review.do_change_review_class(
                case, actor=world[username], review_class="C", reason="变化"
            )
    with pytest.raises(Http404):
        review.do_change_review_class(
            case, actor=world["outsider"], review_class="C", reason="变化"
        )
    CaseRecusal.objects.create(case=case, user=world["reviewer"], reason="near relative: 配偶")
    with pytest.raises(Http404):
        review.do_change_review_class(
            case, actor=world["reviewer"], review_class="C", reason="变化"
        )
    case.refresh_from_db()
    assert case.review_class == "A"


def test_it_classifies_only_open_cases_of_the_reviewed_kinds(world):
    elderly = any_active_case(world, "elderly")
    with pytest.raises(ActionError, match="no periodic review"):
        review.do_classify(elderly, actor=world["reviewer"], review_class="A")
    tekun = any_active_case(world, "tekun")
    review.do_classify(tekun, actor=world["reviewer"], review_class="A")
    closed = active_case(world, review_class="A")
    closed.status = CaseStatus.CLOSED
    closed.save(update_fields=["status"])
    with pytest.raises(ActionError, match="Only an open case"):
        review.do_change_review_class(
            closed, actor=world["reviewer"], review_class="C", reason="x1"
        )
