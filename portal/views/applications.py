"""Registering an application at the counter: the type first, then the household and the
type's own intake fields (a JSON Schema per kind, rendered like task forms)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assistance import access, actions
from assistance.kinds import KINDS, Kind, intake_schema, kind_for
from assistance.models import AssistanceType
from portal import queue
from portal.forms import HouseholdForm, IntakeForm, MemberFormSet
from portal.http import AuthedRequest

INCOME_FIELDS = ("wage", "employment_cost", "business", "property", "transfer")
DEDUCTION_FIELDS = ("medical", "education", "disability")
MAX_ROWS = 20


@login_required
@require_http_methods(["GET", "POST"])
def application_new(request: AuthedRequest) -> HttpResponse:
    if not set(actions.APPLICATION_ROLES).intersection(access.acting_roles(request.user)):
        raise PermissionDenied(_("Only township and village clerks register applications."))
    source = request.POST if request.method == "POST" else request.GET
    kind = kind_for(source.get("assistance_type", ""))
    if kind is None:
        return render(request, "portal/application_type.html", {"kinds": _kinds()})
    data = request.POST if request.method == "POST" else None
    household = HouseholdForm(
        data, villages=queue.villages_for(request.user), initial=_prefill(request.GET, "village")
    )
    members = MemberFormSet(data, prefix="m")
    if data is None:
        members.extra = _rows(request.GET.get("rows")) - 1
        # A request registered at the one window hands on the person it names (onewindow/).
        members.forms[0].initial.update(_prefill(request.GET, "name"))
    intake = IntakeForm(intake_schema(kind), data, prefix="d")
    existing = None
    if data is not None and household.is_valid() and members.is_valid() and intake.is_valid():
        try:
            case = actions.do_apply(
                _application(kind, household.cleaned_data, members, intake.details()),
                actor=request.user,
            )
        except actions.ActionError as exc:
            household.add_error(None, str(exc))
            existing = exc.case
        else:
            messages.success(
                request, _("Application %(number)s registered.") % {"number": case.number}
            )
            return redirect("case", case_id=case.pk)
    context = {
        "kind": kind,
        "kind_label": AssistanceType(kind.code).label,
        "household": household,
        "members": members,
        "intake": intake,
        "schema": intake.schema,
        "existing": existing,
        "next_rows": min(members.total_form_count() + 1, MAX_ROWS),
    }
    return render(request, "portal/application.html", context)


def _kinds() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in AssistanceType.choices if code in KINDS]


def _prefill(query: Any, *names: str) -> dict[str, str]:
    """Initial values handed on in the query string (shown, never trusted: the form checks them)."""
    return {name: str(query[name])[:50] for name in names if query.get(name)}


def _rows(raw: str | None) -> int:
    """Rows asked for by the add-member link when the page runs without JavaScript."""
    try:
        return max(1, min(int(raw or 1), MAX_ROWS))
    except ValueError:
        return 1


def _application(
    kind: Kind, data: dict[str, Any], members: Any, details: dict[str, Any]
) -> actions.ApplicationData:
    people = []
    single = None
    for index, form in enumerate(form for form in members.forms if form.cleaned_data):
        row = form.cleaned_data
        if row.get("single_cover"):
            single = index
        people.append(
            actions.MemberData(
                name=row["name"],
                resident_id=row["resident_id"],
                relation=row["relation"],
                is_applicant=index == 0,
                covered=row["covered"],
                disability_grade=row.get("disability_grade"),
                seriously_ill=bool(row.get("seriously_ill")),
                incomes=[(name, row[name]) for name in INCOME_FIELDS if row.get(name)],
            )
        )
    deductions = [(name, data[name], None) for name in DEDUCTION_FIELDS if data.get(name)]
    payment = None
    if data.get("bank_card"):
        payment = actions.PaymentAccount(
            payee_name=data["payee_name"],
            bank_name=data["bank_name"],
            card_number=data["bank_card"],
        )
    return actions.ApplicationData(
        region_id=data["village"],
        address=data["address"],
        hukou=data["hukou"],
        members=people,
        deductions=deductions,
        single_person_index=single,
        assistance_type=kind.code,
        details=details,
        payment=payment,
    )
