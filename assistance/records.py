"""What every step of a case recorded, as people read it: the submitted data with the labels of
the form it was submitted with (the JSON Schema in `workflows/forms/`, cached per definition by
the engine), messages the case received (the check centre's report, objections) with labels
declared here, since they have no form, and decisions with their amounts.

Shared by every page that shows a case's history: the approvers' case and task pages (portal)
and the auditors' reconstruction (audit). Audit action codes are labelled by the caller (the
labels live with the templates, `portal/templatetags/doudi.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assistance.models import CaseStatus, EvidenceKind
from engine.models import AuditEvent

# Messages carry no form: their fields are labelled here, values with choices too.
MESSAGE_TITLES = {
    "check_result": gettext_lazy("Economic check report"),
    "objection": gettext_lazy("Objection to the public notice"),
}
MESSAGE_FIELDS: dict[str, dict[str, Any]] = {
    "check_result": {
        "result": (
            gettext_lazy("Check result"),
            {
                "eligible": gettext_lazy("Meets the conditions"),
                "ineligible": gettext_lazy("Does not meet the conditions"),
            },
        ),
        "report_no": gettext_lazy("Report number"),
        "reasons": gettext_lazy("Reasons"),
    },
    "objection": {
        "objector": gettext_lazy("Objector"),
        "received_on": gettext_lazy("Received on"),
        "reason": gettext_lazy("Objection"),
        # Objections sent from the public site (public.actions.do_submit_objection).
        "channel": (gettext_lazy("Received through"), {"online": gettext_lazy("Public website")}),
        "receipt": gettext_lazy("Receipt number"),
    },
}
EXTENSION_FIELDS = {"reason": gettext_lazy("Reason for the extension")}
# Audit actions whose payload is what a person recorded, shown as "what earlier steps found".
RECORDS = ("task.completed", "message.received", "case.procedure_extended")


@dataclass(frozen=True)
class Entry:
    label: str
    value: str


@dataclass
class Step:
    """One audit event as people read it: who, when, what, and what was recorded."""

    at: datetime
    actor_name: str
    code: str  # the audit action
    action: str  # its label
    title: str
    entries: list[Entry] = field(default_factory=list)
    # Where it sits in the case's trail, and who acted in which role: for the auditors' view.
    seq: int = 0
    actor_id: int | None = None
    role: str = ""
    instance_id: int | None = None

    @property
    def is_record(self) -> bool:
        return self.code in RECORDS


def format_value(spec: Mapping[str, Any], value: Any) -> str:
    """A submitted value as its form shows it: choices by their label, booleans as yes/no."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return "；".join(format_value(spec.get("items", {}), item) for item in value)
    if isinstance(value, dict):
        return "；".join(f"{key}: {format_value({}, item)}" for key, item in value.items())
    options = spec.get("oneOf") or spec.get("anyOf")
    if isinstance(options, list):
        for option in options:
            if isinstance(option, dict) and option.get("const") == value:
                return str(option.get("title", value))
    names = spec.get("enumNames") or spec.get("enum_labels")
    if isinstance(names, list) and value in spec.get("enum", []):
        index = spec["enum"].index(value)
        if index < len(names):
            return str(names[index])
    return "" if value is None else str(value)


def labelled(schema: Mapping[str, Any], data: Mapping[str, Any]) -> list[Entry]:
    """The submitted data in the form's order, with its titles; unknown keys last, as sent."""
    properties: Mapping[str, Any] = schema.get("properties", {}) or {}
    order = [name for name in properties if name in data]
    order += [name for name in data if name not in properties]
    entries = []
    for name in order:
        spec = properties.get(name, {}) or {}
        text = format_value(spec, data[name])
        if text != "":
            entries.append(Entry(str(spec.get("title", name)), text))
    return entries


def message_entries(name: str, payload: Mapping[str, Any]) -> list[Entry]:
    fields = MESSAGE_FIELDS.get(name, {})
    entries = []
    for key in [*fields, *(key for key in payload if key not in fields)]:
        if key not in payload or payload[key] in ("", None):
            continue
        declared = fields.get(key, key)
        label, choices = declared if isinstance(declared, tuple) else (declared, {})
        value = payload[key]
        text = str(choices.get(value, value)) if isinstance(value, str) else format_value({}, value)
        entries.append(Entry(str(label), text))
    return entries


def decision_entries(payload: Mapping[str, Any]) -> list[Entry]:
    status = str(payload.get("status", ""))
    entries = [
        Entry(
            _("Status"),
            str(CaseStatus(status).label) if status in CaseStatus.values else status,
        )
    ]
    if payload.get("monthly_amount"):
        entries.append(Entry(_("Monthly amount"), str(payload["monthly_amount"])))
    if payload.get("start_month"):
        entries.append(Entry(_("from"), str(payload["start_month"])[:7]))
    if payload.get("reasons"):
        entries.append(Entry(_("Reasons"), str(payload["reasons"])))
    return entries


def steps_for(
    events: Iterable[AuditEvent],
    forms_by_instance: Mapping[int, Any],
    *,
    action_label: Callable[[str], str] = str,
) -> list[Step]:
    """Each event with what it recorded; `forms_by_instance`: instance id -> spec name -> the
    JSON Schema of that step's form (engine.runtime.task_forms of the instance's definition)."""
    steps = []
    for event in events:
        payload = event.payload or {}
        title = ""
        entries: list[Entry] = []
        if event.action == "task.completed":
            title = str(payload.get("title", ""))
            forms = forms_by_instance.get(event.instance_id or 0, {})
            schema = forms.get(payload.get("task", ""), {})
            entries = labelled(schema, payload.get("data") or {})
        elif event.action == "message.received":
            name = str(payload.get("message", ""))
            title = str(MESSAGE_TITLES.get(name, name))
            entries = message_entries(name, payload.get("payload") or {})
        elif event.action == "case.procedure_extended":
            entries = [Entry(str(EXTENSION_FIELDS["reason"]), str(payload.get("reason", "")))]
        elif event.action == "case.decided":
            entries = decision_entries(payload)
        elif event.action == "timer.fired":
            title = str(payload.get("timer", ""))
        elif event.action == "evidence.uploaded":
            kind = str(payload.get("kind", ""))
            title = str(EvidenceKind(kind).label) if kind in EvidenceKind.values else kind
        elif payload.get("title"):
            title = str(payload["title"])
        steps.append(
            Step(
                event.at,
                event.actor_name,
                event.action,
                action_label(event.action),
                title,
                entries,
                seq=event.seq,
                actor_id=event.actor_id,
                role=event.role,
                instance_id=event.instance_id,
            )
        )
    return steps
