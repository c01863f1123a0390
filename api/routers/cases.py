"""Cases in the caller's jurisdiction, with the portal's own rules (assistance.access)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from ninja import Query, Router, Schema

from api.auth import staff_user
from api.schemas import ERRORS, STAFF, PageInfo, page_bounds
from assistance import access, actions
from assistance.models import AssistanceType, Case, CaseStatus

router = Router(tags=["cases"])


class CaseOut(Schema):
    id: int
    number: str
    assistance_type: str
    status: str
    stage: str
    region_code: str
    region_name: str
    household_id: int
    monthly_amount: Decimal | None
    start_month: date | None
    decided_on: date | None
    ended_on: date | None
    channel: str


class CasePage(PageInfo):
    items: list[CaseOut]


class CaseFilter(Schema):
    status: CaseStatus | None = None
    assistance_type: AssistanceType | None = None
    limit: int = 50
    offset: int = 0


def case_out(case: Case) -> CaseOut:
    return CaseOut(
        id=case.pk,
        number=case.number,
        assistance_type=case.assistance_type,
        status=case.status,
        stage=case.stage,
        region_code=case.region.code,
        region_name=case.region.name,
        household_id=case.household_id,
        monthly_amount=case.monthly_amount,
        start_month=case.start_month,
        decided_on=case.decided_on,
        ended_on=case.ended_on,
        channel=case.channel,
    )


@router.get(
    "/cases",
    response={200: CasePage, **ERRORS},
    summary="Cases in my jurisdiction",
    openapi_extra=STAFF,
)
def list_cases(request: HttpRequest, filters: Query[CaseFilter]) -> CasePage:
    user = staff_user(request)
    cases = access.cases_for_user(user).select_related("region").order_by("-created_at", "-pk")
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.assistance_type:
        cases = cases.filter(assistance_type=filters.assistance_type)
    limit, offset = page_bounds(filters.limit, filters.offset)
    return CasePage(
        count=cases.count(),
        limit=limit,
        offset=offset,
        items=[case_out(case) for case in cases[offset : offset + limit]],
    )


@router.get(
    "/cases/{case_id}", response={200: CaseOut, **ERRORS}, summary="One case", openapi_extra=STAFF
)
def get_case(request: HttpRequest, case_id: int) -> CaseOut:
    user = staff_user(request)
    case = access.get_case_for_user(user, case_id)
    if not access.acting_roles(user) and "auditor" in access.user_roles(user):
        # An auditor's look at a case is on the record wherever it happens (as in the portal).
        actions.do_record_auditor_read(case.pk, actor=user)
    return case_out(case)
