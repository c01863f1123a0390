"""Scenario pages: a draft's scenarios edited and run, a deployed version's shipped ones run.

Runs touch nothing (`engine.scenarios`): the run of all is a POST from a button, the run of
one scenario behind its diagram a plain GET.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assistance.actions import ActionError
from assistance.roles import ROLES
from engine.models import ProcessDefinition
from portal.http import AuthedRequest
from studio import scenarios
from studio.access import get_draft_for_user
from studio.models import Draft, DraftStatus


def _lane_labels() -> str:
    return json.dumps({code: str(label) for code, label in ROLES.items()}, ensure_ascii=False)


def _draft_context(draft: Draft) -> dict[str, Any]:
    return {
        "draft": draft,
        "subject_name": draft.name,
        "subject_key": draft.key,
        "editable": draft.status == DraftStatus.EDITING,
        "run_url": reverse("studio:draft-scenarios-run", args=[draft.pk]),
        "back_url": reverse("studio:draft-scenarios", args=[draft.pk]),
        "scenario_url": "studio:draft-scenario",
        "subject_id": draft.pk,
    }


def _version_context(definition: ProcessDefinition) -> dict[str, Any]:
    return {
        "definition": definition,
        "subject_name": definition.name,
        "subject_key": definition.key,
        "run_url": reverse("studio:process-scenarios-run", args=[definition.pk]),
        "back_url": reverse("studio:process-scenarios", args=[definition.pk]),
        "scenario_url": "studio:process-scenario",
        "subject_id": definition.pk,
    }


# ---------------------------------------------------------------- a draft's scenarios


@login_required
@require_http_methods(["GET", "POST"])
def draft_scenarios(request: AuthedRequest, draft_id: int) -> HttpResponse:
    """The editor: one JSON box per scenario, a box for a new one, a remove tick each."""
    draft = get_draft_for_user(request.user, draft_id)
    context = _draft_context(draft)
    if request.method == "POST":
        texts = request.POST.getlist("scenario")
        removed = set(request.POST.getlist("remove"))
        kept = [text for index, text in enumerate(texts) if str(index) not in removed]
        parsed, errors = scenarios.parse_texts(kept)
        problem = ""
        if not errors:
            try:
                scenarios.do_save_draft_scenarios(
                    draft.pk,
                    parsed,
                    actor=request.user,
                    expected=request.POST.get("fingerprint"),
                )
            except ActionError as exc:
                problem = str(exc)
            else:
                messages.success(request, _("Scenarios saved: %(count)d.") % {"count": len(parsed)})
                return redirect("studio:draft-scenarios", draft.pk)
        boxes = [{"text": text, "errors": errors.get(index, [])} for index, text in enumerate(kept)]
        overflow = errors.get(len(kept), [])
        context.update(
            boxes=boxes,
            problem=problem or " ".join(overflow),
            has_errors=True,
            fingerprint=request.POST.get("fingerprint", ""),
        )
        return render(request, "studio/scenarios.html", context, status=400)
    context.update(
        boxes=[
            {"text": scenarios.as_text(item), "errors": [], "name": item.get("name", "")}
            for item in draft.scenarios
        ],
        fingerprint=scenarios.fingerprint(draft.scenarios),
    )
    return render(request, "studio/scenarios.html", context)


@login_required
@require_POST
def draft_scenarios_run(request: AuthedRequest, draft_id: int) -> HttpResponse:
    draft = get_draft_for_user(request.user, draft_id)
    shown = scenarios.run_all(draft.sources, draft.main, draft.scenarios)
    context = _draft_context(draft)
    context.update(results=shown, summary=scenarios.summary(shown), ran=True)
    return render(request, "studio/scenarios_run.html", context)


@login_required
@require_GET
def draft_scenario(request: AuthedRequest, draft_id: int, index: int) -> HttpResponse:
    draft = get_draft_for_user(request.user, draft_id)
    shown = scenarios.run_one(draft.sources, draft.main, draft.scenarios, index)
    context = _draft_context(draft)
    context.update(
        item=shown,
        diagram_url=reverse("studio:draft-scenario-diagram", args=[draft.pk, index]),
        lane_labels_json=_lane_labels(),
    )
    return render(request, "studio/scenario.html", context)


@login_required
@require_GET
def draft_scenario_diagram(request: AuthedRequest, draft_id: int, index: int) -> JsonResponse:
    draft = get_draft_for_user(request.user, draft_id)
    shown = scenarios.run_one(draft.sources, draft.main, draft.scenarios, index)
    return JsonResponse(scenarios.diagram_data(draft.sources, draft.main, shown))


# ---------------------------------------------------------------- a version's shipped ones


@login_required
@require_GET
def process_scenarios(request: AuthedRequest, definition_id: int) -> HttpResponse:
    definition = scenarios.definition_for_user(request.user, definition_id)
    context = _version_context(definition)
    context.update(shipped=scenarios.default_scenarios(definition.key))
    return render(request, "studio/scenarios_run.html", context)


@login_required
@require_POST
def process_scenarios_run(request: AuthedRequest, definition_id: int) -> HttpResponse:
    definition = scenarios.definition_for_user(request.user, definition_id)
    sources = definition.sources
    shipped = scenarios.default_scenarios(definition.key)
    shown = scenarios.run_all(sources, scenarios.main_file(sources, definition.key), shipped)
    context = _version_context(definition)
    context.update(results=shown, summary=scenarios.summary(shown), ran=True)
    return render(request, "studio/scenarios_run.html", context)


@login_required
@require_GET
def process_scenario(request: AuthedRequest, definition_id: int, index: int) -> HttpResponse:
    definition = scenarios.definition_for_user(request.user, definition_id)
    sources = definition.sources
    shipped = scenarios.default_scenarios(definition.key)
    shown = scenarios.run_one(sources, scenarios.main_file(sources, definition.key), shipped, index)
    context = _version_context(definition)
    context.update(
        item=shown,
        diagram_url=reverse("studio:process-scenario-diagram", args=[definition.pk, index]),
        lane_labels_json=_lane_labels(),
    )
    return render(request, "studio/scenario.html", context)


@login_required
@require_GET
def process_scenario_diagram(
    request: AuthedRequest, definition_id: int, index: int
) -> JsonResponse:
    definition = scenarios.definition_for_user(request.user, definition_id)
    sources = definition.sources
    main = scenarios.main_file(sources, definition.key)
    shipped = scenarios.default_scenarios(definition.key)
    shown = scenarios.run_one(sources, main, shipped, index)
    return JsonResponse(scenarios.diagram_data(sources, main, shown))
