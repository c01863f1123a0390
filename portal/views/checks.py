"""The county check centre's report on a case (R1), reached from the centre's queue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assistance import access, actions
from engine import incidents, runtime
from portal.forms import CheckResultForm
from portal.http import AuthedRequest
from portal.views.case_actions import RECORD_HELD


@login_required
@require_http_methods(["GET", "POST"])
def case_check_result(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = access.get_case_for_user(request.user, case_id)
    access.require_role_in_region(request.user, case.region, {"county_checker"})
    wait = next((wait for wait in case.waits.all() if wait.waits_for("check_result")), None)
    form = CheckResultForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_record_check_result(case, actor=request.user, **form.cleaned_data)
        except runtime.ProcessFailed as exc:
            if exc.incident is None:
                form.add_error(None, str(exc))
            else:
                # The engine's own words are for policy staff, on the incident: tell the
                # checker plainly that the case is held and their report kept.
                messages.warning(request, RECORD_HELD)
                return redirect("case", case_id=case.pk)
        except (actions.ActionError, runtime.NoSuchMessage, runtime.MessageHeld) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("The check result of %(number)s was recorded.") % {"number": case.number}
            )
            return redirect("inbox")
    context = {
        "case": case,
        "wait": wait,
        "held": incidents.held_message(case.pk) if wait is not None else None,
        "form": form,
        "members": case.household.members.prefetch_related("incomes"),
        "deductions": case.household.deductions.all(),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/check_result.html", context, status=status)
