"""The county check centre (scope "checks"): the open check requests of its region, and its
reports on them (R1). Each report completes the case's waiting step once; the same report
again answers "duplicate" and changes nothing; another result for an answered request, or a
report for a request no longer open, is a conflict (409)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from api.routers.exchange_callers import conflict, exchange_system
from api.schemas import ERRORS, PageInfo, Paging, page_bounds, scope
from assistance.models import Member
from engine.models import Wait
from exchanges import checks
from exchanges.outcomes import Conflict

router = Router(tags=["checks"])
SCOPE = scope("checks")


class MemberOut(Schema):
    name: str
    resident_id: str
    relation: str
    is_applicant: bool
    covered: bool


class CheckRequestOut(Schema):
    id: int
    number: str
    case_number: str
    assistance_type: str
    # "review" for a periodic review's check, which also asks whether anything changed.
    process: str
    round: int
    status: str
    created_at: datetime
    due_date: date | None
    region_code: str
    region_name: str
    members: list[MemberOut]


class CheckRequestPage(PageInfo):
    items: list[CheckRequestOut]


class CheckResultIn(Schema):
    request: str = Field(
        ..., min_length=1, max_length=60, description="The request's number or id."
    )
    result: Literal["eligible", "ineligible"]
    report_no: str = Field(..., min_length=1, max_length=50)
    reasons: str = Field("", max_length=2000)
    changed: bool | None = Field(
        None, description="For a review: whether income, property or members changed."
    )


class CheckResultOut(Schema):
    request: str
    status: Literal["recorded", "duplicate"]
    message: str


@router.get(
    "/checks/requests",
    response={200: CheckRequestPage, **ERRORS},
    summary="Open check requests of my region",
    openapi_extra=SCOPE,
)
def open_requests(request: HttpRequest, paging: Query[Paging]) -> CheckRequestPage:
    _user, system = exchange_system(request, "checks")
    rows = checks.open_requests(None, system).order_by("created_at", "pk")
    limit, offset = page_bounds(paging.limit, paging.offset)
    members = Prefetch("case__household__members", queryset=Member.objects.order_by("pk"))
    page = list(
        rows.select_related("case", "region").prefetch_related(members)[offset : offset + limit]
    )
    due = dict(
        Wait.objects.filter(spiff_id__in=[r.wait_spiff_id for r in page]).values_list(
            "spiff_id", "due_date"
        )
    )
    return CheckRequestPage(
        count=rows.count(),
        limit=limit,
        offset=offset,
        items=[
            CheckRequestOut(
                id=r.pk,
                number=r.number,
                case_number=r.case.number,
                assistance_type=r.case.assistance_type,
                process=r.process_key,
                round=r.round,
                status=r.status,
                created_at=r.created_at,
                due_date=due.get(r.wait_spiff_id),
                region_code=r.region.code,
                region_name=r.region.name,
                members=[
                    MemberOut(
                        name=m.name,
                        resident_id=m.resident_id,
                        relation=m.relation,
                        is_applicant=m.is_applicant,
                        covered=m.covered,
                    )
                    for m in r.case.household.members.all()
                ],
            )
            for r in page
        ],
    )


@router.post(
    "/checks/results",
    response={200: CheckResultOut, **ERRORS},
    summary="The check centre's report on one request",
    openapi_extra=SCOPE,
)
def post_result(request: HttpRequest, body: CheckResultIn) -> CheckResultOut:
    user, system = exchange_system(request, "checks")
    try:
        outcome = checks.do_receive_check_result(
            body.request,
            result=body.result,
            report_no=body.report_no,
            reasons=body.reasons,
            changed=body.changed,
            actor=user,
            system=system,
        )
    except Conflict as exc:
        raise conflict(exc) from exc
    return CheckResultOut(
        request=outcome.ref,
        status="duplicate" if outcome.status == "duplicate" else "recorded",
        message=outcome.message,
    )
