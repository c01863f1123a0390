"""Incidents: the failed diagram steps holding cases, for policy staff to retry."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assistance import access
from assistance.actions import ActionError
from engine.models import Incident
from portal.http import AuthedRequest
from studio import queries_migration
from studio.access import require_studio
from studio.actions import do_retry_incident, get_incident_for_user

RESOLVED_SHOWN = 50


@login_required
@require_GET
def incidents(request: AuthedRequest) -> HttpResponse:
    require_studio(request.user)
    mine = Incident.objects.in_regions(access.jurisdiction_paths(request.user)).select_related(
        "case", "resolved_by", "submitted_by"
    )
    open_incidents = list(mine.open().order_by("-last_failed_at", "-pk"))
    # A newer version of the held case's process: it may carry the fix (move, then retry).
    fixed = queries_migration.fixed_versions(open_incidents)
    for incident in open_incidents:
        incident.fixed_version = fixed.get(incident.pk)  # type: ignore[attr-defined]
    context = {
        "open_incidents": open_incidents,
        "resolved_incidents": list(
            mine.resolved().order_by("-resolved_at", "-pk")[:RESOLVED_SHOWN]
        ),
    }
    return render(request, "studio/incidents.html", context)


@login_required
@require_POST
def incident_retry(request: AuthedRequest, incident_id: int) -> HttpResponse:
    incident = get_incident_for_user(request.user, incident_id)
    try:
        outcome = do_retry_incident(incident.pk, actor=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        if outcome.succeeded:
            number = incident.case.number
            messages.success(request, _("Retried: case %(number)s moves on.") % {"number": number})
        else:
            messages.error(
                request, _("The step failed again: %(error)s") % {"error": outcome.error}
            )
    return redirect("studio:incidents")
