"""Banks (scope "payments"): the rosters sent to them in their region, each roster's lines,
and the results line by line (each line its own transaction through payments' own code,
`exchanges.bank`): the same result again is "duplicate", another result for a settled line
is "rejected", a failed payment starts the township clerk's task to correct the account."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from api.routers.exchange_callers import OutcomeOut, Tally, exchange_system, outcome_out, tally
from api.schemas import ERRORS, PageInfo, Paging, page_bounds, scope
from exchanges import bank

router = Router(tags=["bank"])
SCOPE = scope("payments")


class RosterOut(Schema):
    id: int
    county_code: str
    county_name: str
    month: date
    status: str
    line_count: int
    total_amount: Decimal


class LineOut(Schema):
    # The reference the bank sends back with its result.
    line: int
    payee_name: str
    bank_name: str
    bank_card: str
    amount: Decimal
    for_month: date
    kind: str
    status: str
    failure_reason: str


class LinePage(PageInfo):
    items: list[LineOut]


class PageQuery(Paging):
    limit: int = Field(200, ge=1, le=200)


class ResultIn(Schema):
    line: int = Field(..., ge=1, le=bank.MAX_ID)
    result: str = Field(..., min_length=1, max_length=20, description="成功 or 失败 (paid, failed)")
    reason: str = Field("", max_length=200)


class ResultsIn(Schema):
    results: list[ResultIn] = Field(..., min_length=1, max_length=bank.MAX_LINES)


class ResultsOut(Tally):
    items: list[OutcomeOut]


def roster_out(roster: object) -> RosterOut:
    from payments.models import Roster

    assert isinstance(roster, Roster)
    return RosterOut(
        id=roster.pk,
        county_code=roster.county.code,
        county_name=roster.county.name,
        month=roster.month,
        status=roster.status,
        line_count=roster.line_count,
        total_amount=roster.total_amount,
    )


@router.get(
    "/bank/rosters",
    response={200: list[RosterOut], **ERRORS},
    summary="Rosters sent to the bank in my region",
    openapi_extra=SCOPE,
)
def rosters(request: HttpRequest) -> list[RosterOut]:
    user, system = exchange_system(request, "payments")
    found = (
        bank.rosters_for(user, system)
        .filter(status__in=bank.READABLE)
        .select_related("county")
        .order_by("-month", "pk")[:100]
    )
    return [roster_out(roster) for roster in found]


@router.get(
    "/bank/rosters/{roster_id}/lines",
    response={200: LinePage, **ERRORS},
    summary="A roster's payments",
    openapi_extra=SCOPE,
)
def lines(request: HttpRequest, roster_id: int, paging: Query[PageQuery]) -> LinePage:
    user, system = exchange_system(request, "payments")
    roster = bank.get_roster(roster_id, actor=user, system=system)
    rows = bank.roster_lines(roster)
    limit, offset = page_bounds(paging.limit, paging.offset)
    return LinePage(
        count=roster.line_count,
        limit=limit,
        offset=offset,
        items=[
            LineOut(
                line=row.pk,
                payee_name=row.payee_name,
                bank_name=row.bank_name,
                bank_card=row.bank_card,
                amount=row.amount,
                for_month=row.for_month,
                kind=row.kind,
                status=row.status,
                failure_reason=row.failure_reason,
            )
            for row in rows[offset : offset + limit]
        ],
    )


@router.post(
    "/bank/rosters/{roster_id}/results",
    response={200: ResultsOut, **ERRORS},
    summary="Payment results, line by line",
    openapi_extra=SCOPE,
)
def post_results(request: HttpRequest, roster_id: int, body: ResultsIn) -> ResultsOut:
    user, system = exchange_system(request, "payments")
    outcomes = bank.receive_payment_results(
        roster_id, [item.model_dump() for item in body.results], actor=user, system=system
    )
    return ResultsOut(items=[outcome_out(o) for o in outcomes], **tally(outcomes).model_dump())
