"""The process library: every process and its versions, and one version's diagram with the
running instances at each step. Read-only, for policy staff."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from assistance.roles import ROLES
from engine import runtime
from portal import workflow_text
from portal.http import AuthedRequest
from studio import queries
from studio.access import draft_scope_choices, drafts_for_user, require_studio


@login_required
@require_GET
def library(request: AuthedRequest) -> HttpResponse:
    require_studio(request.user)
    context = {
        "processes": queries.library(),
        "drafts": queries.draft_lists(drafts_for_user(request.user), request.user),
    }
    return render(request, "studio/library.html", context)


@login_required
@require_GET
def process(request: AuthedRequest, key: str, version: int, scope: str) -> HttpResponse:
    require_studio(request.user)
    found = queries.versions(key)
    definition = queries.pick(found, version, scope)
    context = {
        "definition": definition,
        "versions": found,
        "steps": steps_with_stages(definition.pk),
        "draft_scopes": draft_scope_choices(request.user, definition),
        "diagram_url": reverse("studio:process-diagram", args=[definition.pk]),
        "lane_labels_json": json.dumps(
            {code: str(label) for code, label in ROLES.items()}, ensure_ascii=False
        ),
    }
    return render(request, "studio/process.html", context)


@login_required
@require_GET
def process_diagram(request: AuthedRequest, definition_id: int) -> JsonResponse:
    """The version's main diagram; the steps where running instances wait are marked active."""
    require_studio(request.user)
    definition = queries.definition(definition_id)
    xml = runtime.definition_diagram(definition.pk)
    elements = runtime.main_diagram_elements(definition.pk)
    steps = queries.steps(definition.pk)
    active = sorted({elements.get(step.spec_name, step.spec_name) for step in steps})
    data: dict[str, Any] = {"xml": xml, "completed": [], "active": active}
    data["labels"] = workflow_text.diagram_labels(xml)
    return JsonResponse(data)


@login_required
@require_GET
def process_by_id(request: AuthedRequest, definition_id: int) -> HttpResponse:
    require_studio(request.user)
    definition = queries.definition(definition_id)
    return redirect(
        "studio:process", definition.key, definition.version, queries.scope_of(definition)
    )


def steps_with_stages(definition_id: int) -> list[queries.Step]:
    """The steps, each inside a called stage named after that stage's box on the diagram."""
    elements = runtime.main_diagram_elements(definition_id)
    names = runtime.main_diagram_names(definition_id)
    steps = queries.steps(definition_id)
    for step in steps:
        holder = elements.get(step.spec_name, step.spec_name)
        if holder != step.spec_name:
            step.stage = names.get(holder, holder)
    return steps
