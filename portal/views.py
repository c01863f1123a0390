"""Thin views: access helper -> form -> one domain action -> redirect."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assistance import access, actions
from assistance.models import EvidenceKind
from assistance.roles import ROLES
from engine import runtime
from engine.bundle import form_schema
from engine.forms import FormInvalid
from engine.models import AuditEvent
from portal import queue
from portal.forms import (
    AssignForm,
    CheckResultForm,
    EvidenceForm,
    HouseholdForm,
    MemberFormSet,
    ObjectionForm,
    RelativeForm,
)
from portal.http import AuthedRequest
from portal.schema_forms import SchemaForm
from storage.base import get_store


@login_required
@require_GET
def inbox(request: AuthedRequest) -> HttpResponse:
    if not access.acting_roles(request.user):
        raise PermissionDenied(_("Your role has no task queue."))
    villages = queue.villages_for(request.user)
    filters = queue.QueueFilters(request.GET or None, villages=villages)
    data = filters.cleaned_data if filters.is_valid() else {}
    tab = data.get("tab") or "mine"
    context: dict[str, object] = {"filters": filters, "tab": tab, "tabs": queue.TABS}
    if tab == "done":
        page = Paginator(queue.done_by(request.user), queue.PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        context.update(page=page, rows=[])
    else:
        tasks = queue.filtered(request.user, {**data, "tab": tab})
        context["counts"] = queue.stage_counts(tasks)
        if data.get("stage"):
            tasks = tasks.filter(spec_name=data["stage"])
        page, rows = queue.page_of(tasks, request.GET.get("page"))
        context.update(page=page, rows=rows, leader=access.is_leader(request.user))
    context["may_apply"] = bool(
        set(actions.APPLICATION_ROLES).intersection(access.acting_roles(request.user))
    )
    context["query"] = _query_without_page(request)
    return render(request, "portal/inbox.html", context)


def _query_without_page(request: AuthedRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


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
        except (runtime.TaskConflict, runtime.SeparationOfDuties, runtime.ProcessFailed) as exc:
            messages.warning(request, str(exc))
            return redirect("case", case_id=task.case_id)
        else:
            messages.success(request, _("Submitted: %(title)s") % {"title": task.title})
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
    evidence = list(case.evidence.filter(superseded_by__isnull=True).order_by("kind", "pk"))
    required = [kind for kind in task.evidence_required.split(",") if kind]
    on_file = {item.kind for item in evidence}
    context: dict[str, Any] = {
        "task": task,
        "form": form,
        "case": case,
        "members": case.household.members.prefetch_related("incomes"),
        "deductions": case.household.deductions.all(),
        "evidence": evidence,
        "checklist": [(EvidenceKind(kind).label, kind in on_file) for kind in required],
        "upload_form": EvidenceForm(),
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


INCOME_FIELDS = ("wage", "employment_cost", "business", "property", "transfer")
DEDUCTION_FIELDS = ("medical", "education", "disability")


@login_required
@require_http_methods(["GET", "POST"])
def application_new(request: AuthedRequest) -> HttpResponse:
    if not set(actions.APPLICATION_ROLES).intersection(access.acting_roles(request.user)):
        raise PermissionDenied(_("Only township and village clerks register applications."))
    villages = queue.villages_for(request.user)
    household = HouseholdForm(request.POST or None, villages=villages)
    members = MemberFormSet(request.POST or None, prefix="m")
    existing = None
    if request.method == "POST" and household.is_valid() and members.is_valid():
        try:
            case = actions.do_apply(
                _application(household.cleaned_data, members), actor=request.user
            )
        except actions.ActionError as exc:
            household.add_error(None, str(exc))
            existing = exc.case
        else:
            messages.success(
                request, _("Application %(number)s registered.") % {"number": case.number}
            )
            return redirect("case", case_id=case.pk)
    context = {"household": household, "members": members, "existing": existing}
    return render(request, "portal/application.html", context)


def _application(data: dict[str, Any], members: Any) -> actions.ApplicationData:
    people = []
    for index, form in enumerate(form for form in members.forms if form.cleaned_data):
        row = form.cleaned_data
        incomes = [(kind, row[kind]) for kind in INCOME_FIELDS if row.get(kind)]
        people.append(
            actions.MemberData(
                name=row["name"],
                resident_id=row["resident_id"],
                relation=row["relation"],
                is_applicant=index == 0,
                covered=row["covered"],
                incomes=incomes,
            )
        )
    deductions = [(kind, data[kind], None) for kind in DEDUCTION_FIELDS if data.get(kind)]
    return actions.ApplicationData(
        region_id=data["village"],
        address=data["address"],
        hukou=data["hukou"],
        members=people,
        deductions=deductions,
    )


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
        "show_check_form": "county_checker" in roles and "核对" in case.stage,
        "show_objection_form": bool(roles & {"township_clerk", "village_clerk"})
        and case.stage == "公示中",
        "check_form": CheckResultForm(),
        "objection_form": ObjectionForm(),
    }
    return render(request, "portal/case.html", context)


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


@login_required
@require_GET
def evidence_download(request: AuthedRequest, evidence_id: int) -> StreamingHttpResponse:
    evidence = access.get_evidence_for_user(request.user, evidence_id)
    actions.do_view_evidence(evidence, actor=request.user)
    response = StreamingHttpResponse(
        get_store().open(evidence.key), content_type=evidence.content_type
    )
    response["Content-Length"] = str(evidence.size)
    response["Content-Disposition"] = (
        content_disposition_header(False, evidence.original_name) or ""
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


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


@login_required
@require_GET
def case_diagram(request: AuthedRequest, case_id: int) -> JsonResponse:
    case = access.get_case_for_user(request.user, case_id)
    instance = case.instances.order_by("-pk").first()
    if instance is None:
        raise Http404("No process for this case.")
    return JsonResponse(runtime.diagram(instance))


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
