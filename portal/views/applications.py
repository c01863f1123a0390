"""Registering an application at the counter."""

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
from portal import queue
from portal.forms import (
    HouseholdForm,
    MemberFormSet,
)
from portal.http import AuthedRequest

INCOME_FIELDS = ("wage", "employment_cost", "business", "property", "transfer")
DEDUCTION_FIELDS = ("medical", "education", "disability")


@login_required
@require_http_methods(["GET", "POST"])
def application_new(request: AuthedRequest) -> HttpResponse:
    if not set(actions.APPLICATION_ROLES).intersection(access.acting_roles(request.user)):
        raise PermissionDenied(_("Only township and village clerks register applications."))
    villages = queue.villages_for(request.user)
    household = HouseholdForm(request.POST or None, villages=villages)
    members = MemberFormSet(request.POST or None, prefix="m")
    existing = None
    if request.method == "POST" and household.is_valid() and members.is_valid():
        try:
            case = actions.do_apply(
                _application(household.cleaned_data, members), actor=request.user
            )
        except actions.ActionError as exc:
            household.add_error(None, str(exc))
            existing = exc.case
        else:
            messages.success(
                request, _("Application %(number)s registered.") % {"number": case.number}
            )
            return redirect("case", case_id=case.pk)
    context = {"household": household, "members": members, "existing": existing}
    return render(request, "portal/application.html", context)


def _application(data: dict[str, Any], members: Any) -> actions.ApplicationData:
    people = []
    for index, form in enumerate(form for form in members.forms if form.cleaned_data):
        row = form.cleaned_data
        incomes = [(kind, row[kind]) for kind in INCOME_FIELDS if row.get(kind)]
        people.append(
            actions.MemberData(
                name=row["name"],
                resident_id=row["resident_id"],
                relation=row["relation"],
                is_applicant=index == 0,
                covered=row["covered"],
                incomes=incomes,
            )
        )
    deductions = [(kind, data[kind], None) for kind in DEDUCTION_FIELDS if data.get(kind)]
    return actions.ApplicationData(
        region_id=data["village"],
        address=data["address"],
        hukou=data["hukou"],
        members=people,
        deductions=deductions,
    )
