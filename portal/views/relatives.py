"""The near-relative register (R7)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assistance import access, actions
from portal.forms import (
    RelativeForm,
)
from portal.http import AuthedRequest


@login_required
@require_http_methods(["GET", "POST"])
def relatives(request: AuthedRequest) -> HttpResponse:
    """The near-relative register (R7): each staff member declares their own relatives."""
    if not access.acting_roles(request.user):
        raise PermissionDenied(_("Your role handles no cases."))
    form = RelativeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_declare_relative(actor=request.user, **form.cleaned_data)
        except actions.ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Declared. You will not see or handle cases of this person.")
            )
            return redirect("relatives")
    declared = request.user.relatives.order_by("declared_at")
    return render(request, "portal/relatives.html", {"form": form, "declared": declared})
