"""The case file and what can be recorded on it."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assistance import access, actions
from assistance.kinds import GRANTED_ONCE
from assistance.models import CaseStatus
from assistance.roles import ROLES
from engine import incidents, runtime
from portal import case_queries, workflow_text
from portal.forms import EvidenceForm, ExtensionForm
from portal.http import AuthedRequest
from portal.views.case_actions import case_actions_context


@login_required
@require_GET
def case_detail(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = access.get_case_for_user(request.user, case_id)
    roles = set(access.acting_roles(request.user))
    if not roles and "auditor" in access.user_roles(request.user):
        # An auditor's look at a case is on the record wherever it happens.
        actions.do_record_auditor_read(case.pk, actor=request.user)
    members = list(case.household.members.prefetch_related("incomes").order_by("pk"))
    deductions = list(case.household.deductions.order_by("pk"))
    file = case_queries.case_file(case, members=members, deductions=deductions)
    context = {
        "case": case,
        "members": members,
        "deductions": deductions,
        "file": file,
        "tasks": case.tasks.order_by("pk"),
        "evidence": case.evidence.select_related("superseded_by").order_by("kind", "pk"),
        "upload_form": EvidenceForm() if roles else None,
        "diagram_url": reverse("case-diagram", args=[case.pk]),
        "lane_labels_json": json.dumps(
            {code: str(label) for code, label in ROLES.items()}, ensure_ascii=False
        ),
        "actions": case_actions_context(request.user, case),
        # A failed diagram step holds the case until policy staff retry it.
        "held": incidents.open_for_case(case.pk),
        # A sum or a device granted once is not a monthly amount.
        "granted_once": GRANTED_ONCE.get(case.end_reason)
        if case.status == CaseStatus.CLOSED
        else None,
        "extension_form": ExtensionForm()
        if roles & actions.EXTENSION_ROLES and file.procedure.can_extend
        else None,
    }
    return render(request, "portal/case.html", context)


@login_required
@require_GET
def case_diagram(request: AuthedRequest, case_id: int) -> JsonResponse:
    case = access.get_case_for_user(request.user, case_id)
    instance = case.instances.order_by("-pk").first()
    if instance is None:
        raise Http404("No process for this case.")
    data = runtime.diagram(instance)
    data["labels"] = workflow_text.diagram_labels(data["xml"])
    return JsonResponse(data)


@login_required
@require_POST
def case_extend_procedure(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = access.get_case_for_user(request.user, case_id)
    access.require_role_in_region(request.user, case.region, actions.EXTENSION_ROLES)
    form = ExtensionForm(request.POST)
    if form.is_valid():
        try:
            actions.do_extend_procedure(case, actor=request.user, **form.cleaned_data)
        except actions.ActionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The procedure was extended."))
    else:
        messages.error(request, _("Give the reason for extending the procedure."))
    return redirect("case", case_id=case.pk)
