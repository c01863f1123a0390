"""Notices printed from the case page: issue one now; reading it goes through the evidence view."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assistance import access
from assistance.actions import ActionError
from assistance.documents.actions import do_issue_document
from portal.http import AuthedRequest


@login_required
@require_POST
def document_issue(request: AuthedRequest, case_id: int, code: str) -> HttpResponse:
    case = access.get_case_for_user(request.user, case_id)
    try:
        evidence = do_issue_document(case, actor=request.user, code=code)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(document)s issued; open it to print.") % {"document": evidence.get_kind_display()},
        )
    return redirect("case", case_id=case.pk)
