"""The approver's queue, and the home page of roles that have none."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from assistance import access, actions
from engine.models import Incident
from portal import queue
from portal.http import AuthedRequest


@login_required
@require_GET
def inbox(request: AuthedRequest) -> HttpResponse:
    if access.acting_roles(request.user) == ["county_finance"]:
        # Payments officers work on the payment rosters (payments/).
        return redirect("payments:home")
    if not access.acting_roles(request.user):
        roles = access.user_roles(request.user)
        # Auditors work in their own workspace; a second role keeps the home page's links.
        if roles == ["auditor"]:
            return redirect("audit:home")
        return home(request)
    villages = queue.villages_for(request.user)
    filters = queue.QueueFilters(request.GET or None, villages=villages)
    data = filters.cleaned_data if filters.is_valid() else {}
    tab = data.get("tab") or queue.landing_tab(request.user)
    context: dict[str, object] = {"filters": filters, "tab": tab, "tabs": queue.TABS}
    if tab == "done":
        page = Paginator(queue.done_by(request.user), queue.PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        context.update(page=page, rows=[])
    else:
        tasks = queue.filtered(request.user, {**data, "tab": tab})
        counts = queue.stage_counts(tasks)
        if data.get("stage"):
            tasks = tasks.filter(spec_name=data["stage"])
        total = queue.total_of(counts, data.get("stage"))
        page, rows = queue.page_of(tasks, request.GET.get("page"), total)
        context["counts"] = counts
        context.update(page=page, rows=rows, leader=access.is_leader(request.user))
        if tab == "office":
            context.update(waits=queue.waiting(request.user, data), page_size=queue.PAGE_SIZE)
    context["may_apply"] = bool(
        set(actions.APPLICATION_ROLES).intersection(access.acting_roles(request.user))
    )
    context["query"] = _query_without_page(request)
    return render(request, "portal/inbox.html", context)


def home(request: AuthedRequest) -> HttpResponse:
    """Roles without a queue (policy staff, auditors, an administrator, no role yet) land here."""
    roles = access.user_roles(request.user)
    context = {
        "roles": roles,
        "reads_cases": access.reads_cases(request.user)
        and bool(access.jurisdiction_paths(request.user)),
        "designs": "policy_staff" in roles,
        "audits": "auditor" in roles,
        "administers": request.user.is_superuser or request.user.is_staff,
    }
    if context["designs"]:
        context["open_incidents"] = (
            Incident.objects.open().in_regions(access.jurisdiction_paths(request.user)).count()
        )
    return render(request, "portal/home.html", context)


def _query_without_page(request: AuthedRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
