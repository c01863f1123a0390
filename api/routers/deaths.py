"""The civil registry and hospitals (scope "deaths"): death records, one or a batch. Each
record is its own transaction through the one path every death takes
(`exchanges.deaths.receive_death_record`): recorded once with the exits it calls for; a death
already on record with the same date is "duplicate"; a record the domain refuses, another
date for a known death included, is "rejected" with why, and the others still go in."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Field, Router, Schema

from api.routers.exchange_callers import OutcomeOut, Tally, exchange_system, outcome_out, tally
from api.schemas import ERRORS, scope
from exchanges.deaths import receive_death_record

router = Router(tags=["deaths"])
MAX_RECORDS = 500


class DeathIn(Schema):
    resident_id: str = Field(..., min_length=1, max_length=18)
    died_on: date
    source: str = Field(..., min_length=1, max_length=100)


class DeathsIn(Schema):
    records: list[DeathIn] = Field(..., min_length=1, max_length=MAX_RECORDS)


class DeathsOut(Tally):
    items: list[OutcomeOut]


@router.post(
    "/deaths",
    response={200: DeathsOut, **ERRORS},
    summary="Death records (one or a batch)",
    openapi_extra=scope("deaths"),
)
def post_deaths(request: HttpRequest, body: DeathsIn) -> DeathsOut:
    user, system = exchange_system(request, "deaths")
    outcomes = [
        receive_death_record(
            record.resident_id, record.died_on, record.source, actor=user, system=system
        )
        for record in body.records
    ]
    return DeathsOut(items=[outcome_out(o) for o in outcomes], **tally(outcomes).model_dump())
