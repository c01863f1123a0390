"""The household file (一户一档) and the search that finds it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from assistance import access
from portal import households
from portal.http import AuthedRequest


@login_required
@require_GET
def household_detail(request: AuthedRequest, household_id: int) -> HttpResponse:
    household = access.get_household_for_user(request.user, household_id)
    context = {
        "file": households.household_file(request.user, household),
        "full_ids": access.sees_full_ids(request.user),
    }
    return render(request, "portal/household.html", context)


@login_required
@require_GET
def search(request: AuthedRequest) -> HttpResponse:
    if not access.user_roles(request.user):
        raise PermissionDenied(_("Your account has no role yet."))
    if not access.reads_cases(request.user):
        raise Http404("No such page.")  # policy staff see no household (PIPL)
    form = households.SearchForm(request.GET if "q" in request.GET else None)
    results = None
    if form.is_valid():
        results = households.search(request.user, form.cleaned_data["q"])
    context = {
        "form": form,
        "results": results,
        "limit": households.RESULT_LIMIT,
        "full_ids": access.sees_full_ids(request.user),
    }
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "portal/search.html", context, status=status)
