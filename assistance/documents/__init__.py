"""Printable notices (受理通知书, 一次性告知书, refusal and termination notices, the village
public-notice sheet): built as PDF from the case, stored as evidence, issued by a `do_*`.

`notices` says when each is due and what it states, `pdf` lays it out, `actions` issues it;
`issuable(case, user)` is what the case page offers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistance import access
from assistance.models import Case, Evidence

from .notices import NOTICES, Facts, Notice


@dataclass(frozen=True)
class Offer:
    notice: Notice
    facts: Facts
    may_issue: bool
    issued: Evidence | None


def issuable(case: Case, user: Any) -> list[Offer]:
    """The notices this case is due now, with the current issued copy of each, if any."""
    roles = set(access.acting_roles(user)) if access.in_jurisdiction(user, case.region) else set()
    kinds = [notice.kind for notice in NOTICES.values()]
    current = {
        evidence.kind: evidence
        for evidence in case.evidence.filter(kind__in=kinds, superseded_by__isnull=True).order_by(
            "pk"
        )
    }
    offers = []
    for notice in NOTICES.values():
        facts = notice.facts(case)
        if facts is None and notice.kind not in current:
            continue
        offers.append(
            Offer(
                notice=notice,
                facts=facts or {},
                may_issue=facts is not None and bool(roles & notice.issuers),
                issued=current.get(notice.kind),
            )
        )
    return offers


__all__ = ["NOTICES", "Notice", "Offer", "issuable"]
