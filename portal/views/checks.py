"""The county check centre's report on a case (R1), reached from the centre's queue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assistance import access, actions
from engine import runtime
from portal.forms import CheckResultForm
from portal.http import AuthedRequest


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
        except (actions.ActionError, runtime.NoSuchMessage) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("The check result of %(number)s was recorded.") % {"number": case.number}
            )
            return redirect("inbox")
    context = {
        "case": case,
        "wait": wait,
        "form": form,
        "members": case.household.members.prefetch_related("incomes"),
        "deductions": case.household.deductions.all(),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/check_result.html", context, status=status)
