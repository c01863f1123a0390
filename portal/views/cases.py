"""The case file and what can be recorded on it."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from assistance import access
from assistance.roles import ROLES
from engine import runtime
from engine.models import AuditEvent
from portal.forms import EvidenceForm
from portal.http import AuthedRequest
from portal.views.case_actions import case_actions_context


@login_required
@require_GET
def case_detail(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = access.get_case_for_user(request.user, case_id)
    roles = set(access.acting_roles(request.user))
    context = {
        "case": case,
        "members": case.household.members.prefetch_related("incomes"),
        "deductions": case.household.deductions.all(),
        "tasks": case.tasks.order_by("pk"),
        "events": AuditEvent.objects.filter(case=case).order_by("at", "seq"),
        "evidence": case.evidence.select_related("superseded_by").order_by("kind", "pk"),
        "upload_form": EvidenceForm() if roles else None,
        "diagram_url": reverse("case-diagram", args=[case.pk]),
        "lane_labels_json": json.dumps(
            {code: str(label) for code, label in ROLES.items()}, ensure_ascii=False
        ),
        "actions": case_actions_context(request.user, case),
    }
    return render(request, "portal/case.html", context)


@login_required
@require_GET
def case_diagram(request: AuthedRequest, case_id: int) -> JsonResponse:
    case = access.get_case_for_user(request.user, case_id)
    instance = case.instances.order_by("-pk").first()
    if instance is None:
        raise Http404("No process for this case.")
    return JsonResponse(runtime.diagram(instance))
