"""Thin views: access helper -> form -> one domain action -> redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assistance import access, actions
from engine import runtime
from engine.bundle import form_schema
from engine.forms import FormInvalid
from engine.models import AuditEvent
from portal.forms import CheckResultForm, ObjectionForm
from portal.http import AuthedRequest
from portal.schema_forms import SchemaForm

PAGE_SIZE = 50


@login_required
@require_GET
def inbox(request: AuthedRequest) -> HttpResponse:
    if not access.acting_roles(request.user):
        raise PermissionDenied(_("Your role has no task queue."))
    tab = request.GET.get("tab", "mine")
    tasks = access.inbox(request.user)
    tasks = tasks.claimed_by(request.user) if tab == "mine" else tasks.unclaimed()
    tasks = tasks.select_related("case", "region", "claimed_by").order_by("due_date", "pk")
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/inbox.html", {"page": page, "tab": tab})


@login_required
@require_http_methods(["GET", "POST"])
def task_detail(request: AuthedRequest, task_id: int) -> HttpResponse:
    task = access.get_task_for_user(request.user, task_id, to_act=True)
    schema = (
        form_schema(runtime.definition_sources(task.instance_id), task.form) if task.form else {}
    )
    form = SchemaForm(schema, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_complete_task(task.pk, actor=request.user, data=form.submission())
        except FormInvalid as exc:
            form.add_schema_errors(exc.errors)
        except (runtime.TaskConflict, runtime.SeparationOfDuties) as exc:
            messages.warning(request, str(exc))
            return redirect("case", case_id=task.case_id)
        else:
            messages.success(request, _("Submitted: %(title)s") % {"title": task.title})
            return redirect("inbox")
    return render(
        request,
        "portal/task.html",
        {
            "task": task,
            "form": form,
            "case": task.case,
            "members": task.case.household.members.all(),
        },
    )


@login_required
@require_POST
def task_claim(request: AuthedRequest, task_id: int) -> HttpResponse:
    access.get_task_for_user(request.user, task_id, to_act=True)
    try:
        actions.do_claim_task(task_id, actor=request.user)
    except (runtime.TaskConflict, runtime.SeparationOfDuties) as exc:
        messages.warning(request, str(exc))
        return redirect("inbox")
    return redirect("task", task_id=task_id)


@login_required
@require_GET
def case_detail(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = access.get_case_for_user(request.user, case_id)
    events = AuditEvent.objects.filter(case=case).select_related("actor").order_by("at", "seq")
    context = {
        "case": case,
        "members": case.household.members.prefetch_related("incomes"),
        "tasks": case.tasks.order_by("pk"),
        "events": events,
        "check_form": CheckResultForm(),
        "objection_form": ObjectionForm(),
    }
    return render(request, "portal/case.html", context)


@login_required
@require_POST
def case_check_result(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = access.get_case_for_user(request.user, case_id)
    form = CheckResultForm(request.POST)
    if form.is_valid():
        try:
            actions.do_record_check_result(case, actor=request.user, **form.cleaned_data)
        except (actions.ActionError, runtime.NoSuchMessage) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The check result was recorded."))
    else:
        messages.error(request, _("Please correct the check result form."))
    return redirect("case", case_id=case.pk)


@login_required
@require_POST
def case_objection(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = access.get_case_for_user(request.user, case_id)
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            actions.do_record_objection(case, actor=request.user, **form.cleaned_data)
        except (actions.ActionError, runtime.NoSuchMessage) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("The objection was recorded; the case goes back to investigation.")
            )
    else:
        messages.error(request, _("Please describe the objection."))
    return redirect("case", case_id=case.pk)
