"""The approver's queue."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from assistance import access, actions
from portal import queue
from portal.http import AuthedRequest


@login_required
@require_GET
def inbox(request: AuthedRequest) -> HttpResponse:
    if not access.acting_roles(request.user):
        raise PermissionDenied(_("Your role has no task queue."))
    villages = queue.villages_for(request.user)
    filters = queue.QueueFilters(request.GET or None, villages=villages)
    data = filters.cleaned_data if filters.is_valid() else {}
    tab = data.get("tab") or "mine"
    context: dict[str, object] = {"filters": filters, "tab": tab, "tabs": queue.TABS}
    if tab == "done":
        page = Paginator(queue.done_by(request.user), queue.PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        context.update(page=page, rows=[])
    else:
        tasks = queue.filtered(request.user, {**data, "tab": tab})
        context["counts"] = queue.stage_counts(tasks)
        if data.get("stage"):
            tasks = tasks.filter(spec_name=data["stage"])
        page, rows = queue.page_of(tasks, request.GET.get("page"))
        context.update(page=page, rows=rows, leader=access.is_leader(request.user))
    context["may_apply"] = bool(
        set(actions.APPLICATION_ROLES).intersection(access.acting_roles(request.user))
    )
    context["query"] = _query_without_page(request)
    return render(request, "portal/inbox.html", context)


def _query_without_page(request: AuthedRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
