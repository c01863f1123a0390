"""What the exchange routers (checks, deaths, bank, registry) share: the calling system as the
exchanges' domain knows it, and a per-record outcome."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja import Schema

from api.auth import system_caller
from api.problems import ApiError
from exchanges.access import System
from exchanges.outcomes import Conflict, Outcome


def exchange_system(request: HttpRequest, scope: str) -> tuple[User, System]:
    """The calling system's user (the audit actor) and its kind and region (its scope of
    records); 403 for a token without `scope` or a staff caller."""
    account = system_caller(request, scope)
    return account.user, System(kind=account.kind, region=account.region)


def conflict(exc: Conflict) -> ApiError:
    return ApiError(409, "conflict", str(exc))


class OutcomeOut(Schema):
    """What became of one record: recorded, duplicate (already on record: nothing changed) or
    rejected (with why)."""

    ref: str
    status: str
    message: str


def outcome_out(outcome: Outcome) -> OutcomeOut:
    return OutcomeOut(ref=outcome.ref, status=outcome.status, message=outcome.message)


class Tally(Schema):
    recorded: int
    duplicate: int
    rejected: int


def tally(outcomes: list[Outcome]) -> Tally:
    counts = {status: 0 for status in ("recorded", "duplicate", "rejected")}
    for outcome in outcomes:
        counts[outcome.status] += 1
    return Tally(**counts)
