"""Keeps the public notices in step with the processes, inside the engine's transaction.

The shared `public_notice` stage names what the notice shows in its data (`notice_round`,
`notice_from`, `notice_until`; the proposed `amount` comes from the calling process). When a
process posts a notice round this records it once; whether the notice still runs is the
engine's own answer (a `Wait` row for the `objection` message), read by `public.queries`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from assistance.models import Case
from engine import runtime
from engine.clock import clock
from engine.models import ProcessInstance
from public.models import NoticePeriod, ObjectionStatus, PublicObjection

# The process whose notice announces an intended termination (终止保障公示).
EXIT_PROCESS = "exit"


def on_instance_changed(
    sender: Any, *, instance: ProcessInstance, data: dict[str, Any], completed: bool, **kwargs: Any
) -> None:
    if completed:
        # The process ended (decided, withdrawn): objections to its notices are concluded.
        _conclude(instance, below_round=None)
        return
    notice = notice_facts(data)
    if notice is None:
        return
    round_, notice_from, notice_until = notice
    if NoticePeriod.objects.filter(instance=instance, round=round_).exists():
        return
    record_notice(instance, data, round_, notice_from, notice_until)
    # A new round follows a re-investigation: the objections to earlier rounds are answered.
    _conclude(instance, below_round=round_)


def notice_facts(data: dict[str, Any]) -> tuple[int, date, datetime] | None:
    round_ = data.get("notice_round")
    if not isinstance(round_, int) or isinstance(round_, bool) or round_ < 1:
        return None
    if data.get("notice_required") is False:
        return None
    try:
        notice_from = date.fromisoformat(str(data["notice_from"])[:10])
        notice_until = datetime.fromisoformat(str(data["notice_until"]))
    except (KeyError, ValueError):
        return None
    if notice_until.tzinfo is None:
        notice_until = notice_until.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
    return round_, notice_from, notice_until


def record_notice(
    instance: ProcessInstance,
    data: dict[str, Any],
    round_: int,
    notice_from: date,
    notice_until: datetime,
) -> NoticePeriod:
    termination = runtime.definition_key(instance.definition_id) == EXIT_PROCESS
    if termination:
        amount = Case.objects.filter(pk=instance.case_id).values_list("monthly_amount", flat=True)[
            0
        ]
    else:
        proposed = data.get("amount")
        amount = _decimal(proposed.get("monthly_amount")) if isinstance(proposed, dict) else None
    last_day = (
        notice_until.astimezone(ZoneInfo(settings.TIME_ZONE)) - timedelta(microseconds=1)
    ).date()
    notice, _created = NoticePeriod.objects.get_or_create(
        instance=instance,
        round=round_,
        defaults={
            "case_id": instance.case_id,
            "termination": termination,
            "notice_from": notice_from,
            "notice_until": notice_until,
            "last_day": last_day,
            "monthly_amount": amount,
            "created_at": clock.now(),
        },
    )
    return notice


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


def _conclude(instance: ProcessInstance, *, below_round: int | None) -> None:
    objections = PublicObjection.objects.filter(notice__instance=instance).exclude(
        status=ObjectionStatus.CONCLUDED
    )
    if below_round is not None:
        objections = objections.filter(notice__round__lt=below_round)
    objections.update(status=ObjectionStatus.CONCLUDED)
