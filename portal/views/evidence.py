"""Scans: upload and viewing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from assistance import access, actions
from portal.forms import (
    EvidenceForm,
)
from portal.http import AuthedRequest, evidence_response


@login_required
@require_POST
def evidence_upload(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = access.get_case_for_user(request.user, case_id)
    access.require_acting_in_region(request.user, case.region)
    form = EvidenceForm(request.POST, request.FILES)
    if getattr(request, "upload_too_large", False):
        messages.error(request, _("The file is larger than the limit; nothing was saved."))
    elif not form.is_valid():
        problems = [str(error) for errors in form.errors.values() for error in errors]
        messages.error(request, " ".join(problems) or _("Choose the kind of evidence and a file."))
    else:
        upload = form.cleaned_data["file"]
        replaced = form.cleaned_data.get("supersedes")
        supersedes = access.get_evidence_for_user(request.user, replaced) if replaced else None
        try:
            actions.do_upload_evidence(
                case,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                upload=upload,
                name=upload.name or "",
                size=upload.size,
                supersedes=supersedes,
            )
        except actions.ActionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The scan was saved."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("case", args=[case.pk])
    return redirect(back)


# Shown in the page: the browser renders these itself, inside a sandbox.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "application/pdf"})


@login_required
@require_GET
def evidence_download(request: AuthedRequest, evidence_id: int) -> StreamingHttpResponse:
    """Always a file to save, never a page: an uploaded HTML or SVG cannot run as ours."""
    evidence = access.get_evidence_for_user(request.user, evidence_id)
    actions.do_view_evidence(evidence, actor=request.user)
    return evidence_response(evidence, inline=False)


@xframe_options_sameorigin
@login_required
@require_GET
def evidence_view(request: AuthedRequest, evidence_id: int) -> StreamingHttpResponse:
    """Images and PDF shown in the task and case pages; anything else is still a download."""
    evidence = access.get_evidence_for_user(request.user, evidence_id)
    actions.do_view_evidence(evidence, actor=request.user)
    return evidence_response(evidence, inline=evidence.content_type in INLINE_TYPES)
