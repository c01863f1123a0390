"""Other departments (system accounts of kind "department"): the outbound events of their
region, pulled page by page as an alternative to the signed push (scope "events"), and
referrals they send to the township window (scope "referrals", two-way referral)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from api.auth import caller, system_caller
from api.models import SystemAccount
from api.problems import ApiError
from api.schemas import ERRORS, scope
from onewindow import actions as window
from outbound import queries
from outbound.models import Event, EventType

router = Router(tags=["departments"])

EVENTS = "events"
REFERRALS = "referrals"
# Cursors are event row numbers; the bound keeps a fuzzed one inside PostgreSQL's bigint.
MAX_CURSOR = 2**53


class EventOut(Schema):
    id: str = Field(description="The event's id, the same as the push's Idempotency-Key.")
    cursor: int = Field(description="Pass the last one as `after` to read what follows.")
    type: EventType
    occurred_at: datetime
    region: str
    data: dict[str, Any]


class EventPage(Schema):
    items: list[EventOut]
    next_after: int = Field(
        description="The `after` of the next call: the last item's cursor, or the one given."
    )
    more: bool = Field(description="A full page: call again at once for the rest.")


class EventQuery(Schema):
    after: int = Field(0, ge=0, le=MAX_CURSOR)
    limit: int = Field(100, ge=1, le=500)
    type: EventType | None = None


class ReferralIn(Schema):
    reference: str = Field(min_length=1, max_length=64, description="Your own reference.")
    need: str = Field(min_length=2, max_length=4000, description="What the person needs.")
    name: str = Field("", max_length=50)
    resident_id: str = Field("", max_length=18)
    phone: str = Field("", max_length=30)
    region_code: str = Field(
        "", max_length=12, description="Village or township, if the person is not on record."
    )


class ReferralOut(Schema):
    outcome: Literal["recorded", "duplicate"]
    request_number: str
    region_code: str


def _department(account: SystemAccount) -> str:
    if not account.department:
        raise ApiError(
            403,
            "permission_denied",
            _("This account names no department; ask the administrators to set it."),
        )
    return account.department


def event_out(event: Event) -> EventOut:
    return EventOut(
        id=str(event.uid),
        cursor=event.pk,
        type=EventType(event.type),
        occurred_at=event.occurred_at,
        region=event.region.code,
        data=event.payload,
    )


@router.get(
    "/departments/events",
    response={200: EventPage, **ERRORS},
    summary="Outbound events of my region, oldest first (pull)",
    openapi_extra=scope(EVENTS),
)
def list_events(request: HttpRequest, filters: Query[EventQuery]) -> EventPage:
    account = system_caller(request, EVENTS)
    events = queries.events_after(
        account.region,
        department=account.department,
        after=filters.after,
        limit=filters.limit,
        event_type=filters.type.value if filters.type is not None else "",
    )
    return EventPage(
        items=[event_out(event) for event in events],
        next_after=events[-1].pk if events else filters.after,
        more=len(events) == filters.limit,
    )


@router.post(
    "/departments/referrals",
    response={201: ReferralOut, 200: ReferralOut, **ERRORS},
    summary="Refer a person to the township window",
    openapi_extra=scope(REFERRALS),
)
def post_referral(request: HttpRequest, body: ReferralIn) -> Status[ReferralOut]:
    account = system_caller(request, REFERRALS)
    received = window.do_receive_referral(
        window.IncomingReferral(
            department=_department(account),
            reference=body.reference,
            need=body.need,
            name=body.name,
            resident_id=body.resident_id,
            phone=body.phone,
            region_code=body.region_code,
        ),
        actor=account.user,
        role=caller(request).role,
        within=account.region,
    )
    found = received.request
    return Status(
        201 if received.created else 200,
        ReferralOut(
            outcome="recorded" if received.created else "duplicate",
            request_number=found.number,
            region_code=found.region.code,
        ),
    )
