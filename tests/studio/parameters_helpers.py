"""Shared by the parameter tests: proposing and approving as the world's two policy officers."""

from __future__ import annotations

from datetime import date
from typing import Any

from studio.actions import do_approve_policy_change, do_propose_policy_change
from studio.models import PolicyChange
from tests.fixtures import World

# fixed_clock's today is Monday 2 March 2026.
TODAY = date(2026, 3, 2)
NEXT_MONTH = date(2026, 4, 1)


def propose(
    world: World,
    values: dict[str, Any],
    *,
    region: Any = None,
    effective_from: date = NEXT_MONTH,
    note: str = "省里提高了标准",
    author: str = "policy",
    **options: Any,
) -> PolicyChange:
    return do_propose_policy_change(
        (region or world.county).pk,
        values,
        effective_from,
        note,
        actor=world[author],
        **options,
    )


def approve(world: World, change: PolicyChange, reviewer: str = "policy2") -> PolicyChange:
    return do_approve_policy_change(change.pk, actor=world[reviewer])
