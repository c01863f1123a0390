"""Case reconstruction for auditors: the whole case on one page, its diagram replayed step by
step, and the case file as a PDF. Read-only; every look is itself on the record."""

from __future__ import annotations

import hashlib
import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from assistance import access
from assistance.models import Case
from assistance.roles import ROLES
from audit import case_file, case_pdf
from audit.access import require_auditor
from audit.actions import do_record_read
from engine.clock import clock
from engine.models import ProcessInstance
from portal.http import AuthedRequest
from portal.templatetags.doudi import action_label


def _case(request: AuthedRequest, case_id: int) -> Case:
    """Auditors only, and only a case in their jurisdiction: to anyone else it does not exist."""
    require_auditor(request.user)
    return access.get_case_for_user(request.user, case_id)


def _process(case: Case, chosen: str | None) -> ProcessInstance | None:
    """The process asked for (?process=<id>), else the case's first: its application."""
    instances = ProcessInstance.objects.filter(case=case).order_by("pk")
    if chosen:
        if not chosen.isdigit():
            raise Http404("No such process.")
        found = instances.filter(pk=int(chosen)).first()
        if found is None:
            raise Http404("No such process.")
        return found
    return instances.first()


@login_required
@require_GET
def case_page(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    shown = _process(case, request.GET.get("process"))
    # Recorded first, so the page shows this look at the end of the trail.
    do_record_read(case.pk, "audit.case_viewed", actor=request.user)
    file = case_file.reconstruct(request.user, case, action_label=action_label)
    replay_url = reverse("audit:case-replay", args=[case.pk])
    context = {
        "case": case,
        "file": file,
        "shown": shown,
        "diagram_url": f"{replay_url}?process={shown.pk}" if shown else "",
        "lane_labels_json": json.dumps(
            {code: str(label) for code, label in ROLES.items()}, ensure_ascii=False
        ),
    }
    return render(request, "audit/case.html", context)


@login_required
@require_GET
def case_replay(request: AuthedRequest, case_id: int) -> JsonResponse:
    """The diagram of one process of the case, with the path replayed event by event."""
    case = _case(request, case_id)
    instance = _process(case, request.GET.get("process"))
    if instance is None:
        raise Http404("No process for this case.")
    return JsonResponse(case_file.replay_data(case, instance, action_label=action_label))


@login_required
@require_GET
def case_pdf_file(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    file = case_file.reconstruct(request.user, case, action_label=action_label)
    who = getattr(getattr(request.user, "staff", None), "full_name", "") or request.user.username
    content = case_pdf.render(file, exported_by=who, created=clock.now())
    do_record_read(
        case.pk,
        "audit.case_file_exported",
        actor=request.user,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        content_disposition_header(True, f"case-file-{case.number}.pdf") or ""
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
