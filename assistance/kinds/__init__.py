"""One module per assistance type: which process it runs, what that process starts with,
which policy parameters and script helpers it needs, and its demo cases.

A kind registers itself with `register()`; `assistance.apps` imports every module of this
package (and of `assistance.processes`, the processes that run on any kind's active case)
when Django starts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from assistance.models import Case, Region


def discover() -> None:
    import importlib
    import pkgutil

    import assistance.kinds
    import assistance.processes

    for package in (assistance.kinds, assistance.processes):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")


@dataclass(frozen=True)
class Kind:
    code: str  # AssistanceType value
    process_key: str  # the BPMN process started for an application
    case_prefix: str  # case numbers: <prefix><year><8-digit id>
    # Process variables beyond the common ones (assistance.actions.process_data).
    start_data: Callable[[Case, dict[str, Any]], dict[str, Any]] = lambda case, common: {}
    # Raises ActionError for an application this kind refuses on the spot.
    check_application: Callable[[Any], None] = lambda application: None
    # Demo cases in every stage: called by seed_demo with the demo staff and regions.
    seed_demo: Callable[[Mapping[str, User], Mapping[str, Region]], None] | None = None
    demo_policy: Mapping[str, Any] = field(default_factory=dict)
    # The amount with every figure behind it, for the task and case pages:
    # (case, members with incomes prefetched, deductions, policy values, process=facts)
    # -> a breakdown: dibao's DibaoBreakdown, any other kind's assistance.breakdowns.Breakdown.
    amount_breakdown: Callable[..., Any] | None = None
    # Process variables the breakdown reads (a DMN's care level, an assessed amount), all
    # taken from the case's newest process that has the first of them (so a figure and the
    # day it was found come from one process); passed as `process=` to amount_breakdown.
    amount_facts: tuple[str, ...] = ()
    # For a kind without amount facts: process variables any of which shows that a process
    # computed the amount (an application's `amount`, a dibao review's `recalculated`).
    amount_computed: tuple[str, ...] = ("amount",)
    # The JSON Schema of this kind's own intake fields (its `details`), a file in
    # workflows/forms/ that policy staff edit like task forms.
    intake_form: str = ""
    # Whether one member of a household may be covered alone (单人户施保).
    single_person_cover: bool = False
    # Whether active cases are paid every month on the county's payment roster (payments/);
    # one-off aid (temporary assistance) is not.
    paid_monthly: bool = False


def amount_markers(kind: Kind) -> tuple[str, ...]:
    """The variables that mark the process whose figures and policy copy the amount page
    reads: the first amount fact, else the variables the kind computes its amount in."""
    return kind.amount_facts[:1] or kind.amount_computed


def intake_schema(kind: Kind) -> dict[str, Any]:
    """The kind's intake schema, read on each use so an edited file applies at once."""
    from django.conf import settings

    if not kind.intake_form:
        return {"type": "object", "properties": {}, "additionalProperties": False}
    path = Path(settings.WORKFLOWS_DIR) / "forms" / kind.intake_form
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.code] = kind
    return kind


def kind_for(code: str) -> Kind | None:
    return KINDS.get(code)


ONE_OFF_PAID = "one_off_paid"

# The end reasons of a case granted once, with what the case page calls its amount there.
GRANTED_ONCE: dict[str, Any] = {}


def close_when_granted(process_key: str, end_reason: str = ONE_OFF_PAID, label: Any = None) -> None:
    """For a kind granted once (a sum, a device): its approved case is closed at once, not
    left active, so payment runs, reviews and exits never take it for a monthly benefit."""
    from django.utils.translation import gettext_lazy

    from assistance.models import CaseStatus
    from assistance.projections import apply_application_outcome, register_outcome_handler

    def outcome(case: Case, data: dict[str, Any]) -> list[str]:
        fields = apply_application_outcome(case, data)
        if data.get("outcome") == "approved":
            case.status = CaseStatus.CLOSED
            case.ended_on = case.decided_on
            case.end_reason = end_reason
            fields += ["ended_on", "end_reason"]
        return fields

    register_outcome_handler(process_key, outcome)
    GRANTED_ONCE.setdefault(end_reason, label or gettext_lazy("Paid once"))
