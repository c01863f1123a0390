"""A task: its page, claim, release, assignment."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from assistance import access, actions
from assistance.models import EvidenceKind
from engine import runtime
from engine.bundle import form_schema
from engine.forms import FormInvalid
from engine.models import AuditEvent
from portal import case_queries, workflow_text
from portal.forms import (
    AssignForm,
    EvidenceForm,
)
from portal.http import AuthedRequest
from portal.schema_forms import SchemaForm

HELD_MESSAGE = gettext_lazy(
    "The process could not carry this step through, so the case is held. Policy staff have "
    "been told; your submission is kept and will go through when they retry it."
)


@login_required
@require_http_methods(["GET", "POST"])
def task_detail(request: AuthedRequest, task_id: int) -> HttpResponse:
    # Office leaders may open any task of their office to assign it; acting needs the lane role.
    to_act = request.method == "POST" or not access.is_leader(request.user)
    try:
        task = access.get_task_for_user(request.user, task_id, to_act=to_act)
    except Http404:
        finished = _finished_task_case(request, task_id)
        if finished is None:
            raise
        return finished
    schema = (
        form_schema(runtime.definition_sources(task.instance_id), task.form) if task.form else {}
    )
    form = SchemaForm(schema, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_complete_task(task.pk, actor=request.user, data=form.submission())
        except FormInvalid as exc:
            form.add_schema_errors(exc.errors)
        except runtime.EvidenceMissing as exc:
            # Back to the form with what was entered: upload the scans, then submit again.
            messages.error(request, str(exc))
        except runtime.ProcessFailed:
            # The engine's own words help policy staff (they see them on the incident), not
            # the approver: tell them plainly what happens next.
            messages.warning(request, HELD_MESSAGE)
            return redirect("case", case_id=task.case_id)
        except (runtime.TaskConflict, runtime.SeparationOfDuties) as exc:
            messages.warning(request, str(exc))
            return redirect("case", case_id=task.case_id)
        else:
            title = workflow_text.translate(task.title)
            messages.success(request, _("Submitted: %(title)s") % {"title": title})
            return redirect("inbox")
    return render(request, "portal/task.html", _task_context(request, task, form))


def _finished_task_case(request: AuthedRequest, task_id: int) -> HttpResponse | None:
    """A task someone else completed a moment ago: say so plainly instead of a 404 page."""
    event = (
        AuditEvent.objects.filter(action="task.completed", payload__task_id=task_id)
        .only("case_id", "actor_name")
        .first()
    )
    if event is None or event.case_id is None:
        return None
    case = access.cases_for_user(request.user).filter(pk=event.case_id).first()
    if case is None:
        return None
    messages.info(
        request, _("This task was already completed by %(name)s.") % {"name": event.actor_name}
    )
    return redirect("case", case_id=case.pk)


def _task_context(request: AuthedRequest, task: Any, form: SchemaForm) -> dict[str, Any]:
    case = task.case
    evidence = case_queries.current_evidence(case)
    required = [kind for kind in task.evidence_required.split(",") if kind]
    on_file = {item.kind for item in evidence}
    members = list(case.household.members.prefetch_related("incomes").order_by("pk"))
    deductions = list(case.household.deductions.order_by("pk"))
    context: dict[str, Any] = {
        "task": task,
        "form": form,
        "case": case,
        "members": members,
        "deductions": deductions,
        "evidence": evidence,
        "checklist": [(EvidenceKind(kind).label, kind in on_file) for kind in required],
        "upload_form": EvidenceForm(),
        "file": case_queries.case_file(
            case, members=members, deductions=deductions, task_due=task.due_date
        ),
    }
    if access.is_leader(request.user):
        context["assign_form"] = AssignForm(candidates=access.colleagues_for(task))
    return context


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
@require_POST
def task_unclaim(request: AuthedRequest, task_id: int) -> HttpResponse:
    access.get_task_for_user(request.user, task_id, to_act=True)
    try:
        actions.do_unclaim_task(task_id, actor=request.user)
    except actions.ActionError as exc:
        messages.warning(request, str(exc))
    return redirect("inbox")


@login_required
@require_POST
def task_assign(request: AuthedRequest, task_id: int) -> HttpResponse:
    task = access.get_task_for_user(request.user, task_id, to_act=False)
    if not access.is_leader(request.user):
        raise PermissionDenied(_("Only an office leader assigns tasks."))
    form = AssignForm(request.POST, candidates=access.colleagues_for(task))
    if not form.is_valid():
        messages.error(request, _("Choose a colleague who can do this task."))
    else:
        actions.do_assign_task(task_id, actor=request.user, assignee=form.cleaned_data["assignee"])
        messages.success(request, _("Assigned."))
    return redirect(f"{reverse('inbox')}?tab=office")
