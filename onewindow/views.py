"""The one window's pages: the register, a new request, a request and what became of it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assistance import access as case_access
from assistance.actions import ActionError
from assistance.models import RegionLevel
from engine.models import Task
from onewindow import access, actions, queries
from onewindow.forms import CloseForm, ComplaintForm, ReferForm, RegisterForm
from onewindow.models import Disposition, HelpRequest
from portal.http import AuthedRequest
from portal.queue import rows_with_countdown


@login_required
@require_GET
def request_list(request: AuthedRequest) -> HttpResponse:
    access.require_reader(request.user)
    filters = queries.RequestFilters(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    page = queries.page_of(queries.filtered(request.user, data), request.GET.get("page"))
    context = {
        "filters": filters,
        "page": page,
        "departments": queries.referrals_by_department(request.user),
        "may_register": access.may_register(request.user),
    }
    return render(request, "onewindow/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: AuthedRequest) -> HttpResponse:
    access.require_registrar(request.user)
    form = RegisterForm(request.POST or None, regions=access.window_regions(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = actions.do_register_request(
                actions.RequestData(
                    region_id=data["region"],
                    need=data["need"],
                    channel=data["channel"],
                    name=data["name"],
                    resident_id=data["resident_id"],
                    phone=data["phone"],
                ),
                actor=request.user,
            )
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Request %(number)s registered.") % {"number": created.number}
            )
            return redirect("onewindow:request", request_id=created.pk)
    return render(request, "onewindow/new.html", {"form": form}, status=_status(form))


def _status(*forms: Any) -> int:
    return 400 if any(form.is_bound and form.errors for form in forms) else 200


def _staff(user: User) -> list[User]:
    return list(
        User.objects.filter(staff__office__in=case_access.regions_for_user(user))
        .exclude(pk=user.pk)
        .select_related("staff")
        .order_by("staff__full_name")
    )


def _detail(request: AuthedRequest, found: HelpRequest, **bound: Any) -> HttpResponse:
    may_act = access.may_register(request.user) and found.disposition == Disposition.OPEN
    forms = {
        "refer_form": ReferForm(),
        "complaint_form": ComplaintForm(staff=_staff(request.user)) if may_act else None,
        "close_form": CloseForm(),
        **bound,
    }
    tasks = (
        rows_with_countdown(
            list(Task.objects.filter(case_id=found.case_id).order_by("due_date", "pk"))
        )
        if found.case_id
        else []
    )
    other_cases = (
        list(
            case_access.cases_for_user(request.user)
            .filter(household__members__resident_id=found.resident_id)
            .exclude(pk=found.case_id or 0)
            .order_by("-created_at")[:20]
        )
        if found.resident_id
        else []
    )
    context = {
        "found": found,
        "may_act": may_act,
        "tasks": tasks,
        "other_cases": other_cases,
        # Refusals of a request already handled, whose forms are no longer shown.
        "refusals": [] if may_act else [e for f in bound.values() for e in f.non_field_errors()],
        **forms,
    }
    return render(request, "onewindow/detail.html", context, status=_status(*bound.values()))


@login_required
@require_GET
def request_detail(request: AuthedRequest, request_id: int) -> HttpResponse:
    found = access.get_request_for_user(request.user, request_id)
    return _detail(request, found)


def _to_act(request: AuthedRequest, request_id: int) -> HelpRequest:
    # Readers who may not write are refused before the request is looked up (403).
    access.require_registrar(request.user)
    return access.get_request_for_user(request.user, request_id, to_act=True)


def _submit(
    request: AuthedRequest,
    found: HelpRequest,
    name: str,
    form: Form,
    act: Callable[[dict[str, Any]], HttpResponse],
) -> HttpResponse:
    """Run the form's action on the request: its answer on success, or the detail page with
    the form and its errors (an ActionError is shown as the form's error)."""
    if form.is_valid():
        try:
            return act(form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, str(exc))
    return _detail(request, found, **{name: form})


@login_required
@require_POST
def request_refer(request: AuthedRequest, request_id: int) -> HttpResponse:
    found = _to_act(request, request_id)

    def refer(data: dict[str, Any]) -> HttpResponse:
        case = actions.do_refer(
            found, actor=request.user, department=data["department"], note=data["note"]
        )
        messages.success(
            request, _("Referred: referral %(number)s is tracked.") % {"number": case.number}
        )
        return redirect("onewindow:request", request_id=found.pk)

    return _submit(request, found, "refer_form", ReferForm(request.POST), refer)


@login_required
@require_POST
def request_complaint(request: AuthedRequest, request_id: int) -> HttpResponse:
    found = _to_act(request, request_id)
    staff = _staff(request.user)

    def register(data: dict[str, Any]) -> HttpResponse:
        chosen = data["subject_staff"]
        case = actions.do_register_complaint(
            found,
            actor=request.user,
            anonymous=data["anonymous"],
            subject_case_number=data["subject_case_number"],
            subject_staff=next((u for u in staff if u.pk == chosen), None),
        )
        messages.success(
            request,
            _("Complaint %(number)s registered; it goes to the township reviewer.")
            % {"number": case.number},
        )
        return redirect("onewindow:request", request_id=found.pk)

    form = ComplaintForm(request.POST, staff=staff)
    return _submit(request, found, "complaint_form", form, register)


@login_required
@require_POST
def request_close(request: AuthedRequest, request_id: int) -> HttpResponse:
    found = _to_act(request, request_id)

    def close(data: dict[str, Any]) -> HttpResponse:
        actions.do_close_at_window(
            found, actor=request.user, disposition=data["disposition"], note=data["note"]
        )
        if data["disposition"] == Disposition.APPLICATION:
            messages.success(request, _("Register the application for this person."))
            return redirect(_application_form(found, data["assistance_type"]))
        messages.success(request, _("Answer recorded; the request is closed."))
        return redirect("onewindow:request", request_id=found.pk)

    return _submit(request, found, "close_form", CloseForm(request.POST), close)


def _application_form(found: HelpRequest, assistance_type: str) -> str:
    """The portal's application form with the person's name and village filled in. Their
    resident ID stays out of the URL (server logs, browser history): the clerk types it from
    the card in hand."""
    query = {"assistance_type": assistance_type, "name": found.name}
    if found.region.level == RegionLevel.VILLAGE:
        query["village"] = str(found.region_id)
    return f"{reverse('application-new')}?{urlencode(query)}"
