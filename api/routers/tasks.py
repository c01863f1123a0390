"""The caller's work: their queue, a task with its form's JSON Schema, claim, release, and
completion with a body the engine validates against that same schema (as the portal's form).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.contrib.auth.models import User
from django.db.models import F
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Body, Query, Router, Schema, Status

from api.auth import staff_user
from api.problems import ApiError
from api.routers.cases import CaseOut, case_out
from api.schemas import BOUNDED_ERRORS, ERRORS, STAFF, PageInfo, page_bounds
from assistance import access, actions
from assistance.models import AssistanceType, Case
from engine import runtime
from engine.bundle import form_schema
from engine.clock import clock
from engine.models import Task
from portal import workflow_text

router = Router(tags=["tasks"])

# A form's data is a few fields of text; anything much larger is not a form.
TASK_BODY_MAX_BYTES = 64 * 1024
# The portal's words for the same outcome (portal/views/tasks.py).
HELD_MESSAGE = gettext_lazy(
    "The process could not carry this step through, so the case is held. Policy staff have "
    "been told; your submission is kept and will go through when they retry it."
)


class TaskOut(Schema):
    id: int
    case_id: int
    case_number: str
    assistance_type: str
    title: str
    spec_name: str
    lane_role: str
    region_code: str
    region_name: str
    created_at: datetime
    due_date: date | None
    overdue: bool
    claimed_by: str | None
    evidence_required: list[str]


class TaskDetail(TaskOut):
    form_schema: dict[str, Any]


class TaskPage(PageInfo):
    items: list[TaskOut]


class TaskFilter(Schema):
    # "mine": claimed by me; "office": nobody's yet; neither: my whole queue.
    tab: Literal["mine", "office"] | None = None
    assistance_type: AssistanceType | None = None
    overdue: bool = False
    limit: int = 50
    offset: int = 0


class Completed(Schema):
    # "held": the diagram failed on this step; the submission is kept for policy staff to
    # carry through once they fix it, as the portal tells the person at the form.
    outcome: Literal["completed", "held"]
    detail: str
    case: CaseOut


def task_out(task: Task, today: date) -> TaskOut:
    return TaskOut(
        id=task.pk,
        case_id=task.case_id,
        case_number=task.case.number,
        assistance_type=task.case.assistance_type,
        title=workflow_text.translate(task.title),
        spec_name=task.spec_name,
        lane_role=task.lane_role,
        region_code=task.region.code,
        region_name=task.region.name,
        created_at=task.created_at,
        due_date=task.due_date,
        overdue=task.due_date is not None and task.due_date < today,
        claimed_by=task.claimed_by.get_username() if task.claimed_by else None,
        evidence_required=[kind for kind in task.evidence_required.split(",") if kind],
    )


def task_detail(task: Task) -> TaskDetail:
    schema = (
        form_schema(runtime.definition_sources(task.instance_id), task.form) if task.form else {}
    )
    return TaskDetail(
        **task_out(task, clock.today()).model_dump(),
        form_schema=workflow_text.translate_schema(schema),
    )


@router.get("/tasks", response={200: TaskPage, **ERRORS}, summary="My queue", openapi_extra=STAFF)
def list_tasks(request: HttpRequest, filters: Query[TaskFilter]) -> TaskPage:
    user = staff_user(request)
    tasks = access.inbox(user)
    if filters.tab == "mine":
        tasks = tasks.claimed_by(user)
    elif filters.tab == "office":
        tasks = tasks.unclaimed()
    if filters.assistance_type:
        tasks = tasks.filter(case__assistance_type=filters.assistance_type)
    if filters.overdue:
        tasks = tasks.overdue()
    limit, offset = page_bounds(filters.limit, filters.offset)
    ordered = tasks.select_related("case", "region", "claimed_by").order_by(
        F("due_date").asc(nulls_last=True), "pk"
    )
    today = clock.today()
    return TaskPage(
        count=tasks.count(),
        limit=limit,
        offset=offset,
        items=[task_out(task, today) for task in ordered[offset : offset + limit]],
    )


def _task_to_read(user: User, task_id: int) -> Task:
    # As on the portal's task page: office leaders open any task of their office to assign
    # it; everyone else needs the task's lane role.
    return access.get_task_for_user(user, task_id, to_act=not access.is_leader(user))


@router.get(
    "/tasks/{task_id}",
    response={200: TaskDetail, **ERRORS},
    summary="One task, with the JSON Schema of its form",
    openapi_extra=STAFF,
)
def get_task(request: HttpRequest, task_id: int) -> TaskDetail:
    return task_detail(_task_to_read(staff_user(request), task_id))


@router.post(
    "/tasks/{task_id}/claim",
    response={200: TaskDetail, **ERRORS},
    summary="Claim a task",
    openapi_extra=STAFF,
)
def claim_task(request: HttpRequest, task_id: int) -> TaskDetail:
    user = staff_user(request)
    return task_detail(actions.do_claim_task(task_id, actor=user))


@router.post(
    "/tasks/{task_id}/unclaim",
    response={200: TaskDetail, **ERRORS},
    summary="Release a task I claimed",
    openapi_extra=STAFF,
)
def unclaim_task(request: HttpRequest, task_id: int) -> TaskDetail:
    user = staff_user(request)
    return task_detail(actions.do_unclaim_task(task_id, actor=user))


@router.post(
    "/tasks/{task_id}/complete",
    response={200: Completed, 202: Completed, **BOUNDED_ERRORS},
    summary="Complete a task with its form's data",
    description=(
        "The body is the form's data as JSON, validated against the task's own JSON Schema "
        "(`form_schema` of GET /tasks/{task_id}); errors come back per field. 202 when the "
        "diagram failed on this step: the case is held and the submission kept until policy "
        "staff carry it through."
    ),
    openapi_extra=STAFF,
)
def complete_task(
    request: HttpRequest, task_id: int, data: Body[dict[str, Any]]
) -> Status[Completed]:
    user = staff_user(request)
    if len(request.body) > TASK_BODY_MAX_BYTES:
        raise ApiError(
            413,
            "payload_too_large",
            _("A task's data is at most %(n)s bytes.") % {"n": TASK_BODY_MAX_BYTES},
        )
    task = access.get_task_for_user(user, task_id, to_act=True)
    try:
        actions.do_complete_task(task.pk, actor=user, data=data)
    except runtime.ProcessFailed:
        case = Case.objects.select_related("region").get(pk=task.case_id)
        return Status(202, Completed(outcome="held", detail=str(HELD_MESSAGE), case=case_out(case)))
    case = Case.objects.select_related("region").get(pk=task.case_id)
    title = workflow_text.translate(task.title)
    return Status(
        200,
        Completed(
            outcome="completed",
            detail=_("Submitted: %(title)s") % {"title": title},
            case=case_out(case),
        ),
    )
