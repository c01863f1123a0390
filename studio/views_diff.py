"""What changed: two deployed versions of one process side by side, or a draft beside the
version it was made from. Both diagrams with the changed elements marked, the changed
properties listed, and the forms and decision tables compared. Read-only, policy staff."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from assistance.roles import ROLES
from engine.models import ProcessDefinition
from portal import workflow_text
from portal.http import AuthedRequest
from studio import queries
from studio.access import get_draft_for_user, require_studio
from studio.diff import (
    ADDED,
    CHANGED,
    INSIDE,
    MOVED,
    REMOVED,
    STATUS_LABELS,
    BundleDiff,
    cached_diff,
    main_path,
    readable_xml,
)
from studio.models import Draft

SIDES = ("old", "new")


def _version(definition_id: int) -> ProcessDefinition:
    found = (
        ProcessDefinition.objects.select_related("region", "deployed_by", "reviewed_by")
        .filter(pk=definition_id)
        .first()
    )
    if found is None:
        raise Http404("No such process version.")
    found.scope = queries.scope_of(found)  # type: ignore[attr-defined]
    return found


def _pair(a: int, b: int) -> tuple[ProcessDefinition, ProcessDefinition]:
    old, new = _version(a), _version(b)
    if old.key != new.key:
        raise Http404("The versions are of different processes.")
    return old, new


def _versions_diff(old: ProcessDefinition, new: ProcessDefinition) -> BundleDiff:
    return cached_diff(
        old.sources, new.sources, main_path(old.sources, old.key), main_path(new.sources, new.key)
    )


def _draft_diff(draft: Draft) -> BundleDiff:
    base = draft.base
    return cached_diff(base.sources, draft.sources, main_path(base.sources, base.key), draft.main)


def _page_context(diff: BundleDiff, old_url: str, new_url: str) -> dict[str, Any]:
    return {
        "diff": diff,
        "counts": diff.counts(),
        "old_diagram_url": old_url,
        "new_diagram_url": new_url,
        "lane_labels_json": json.dumps(
            {code: str(label) for code, label in ROLES.items()}, ensure_ascii=False
        ),
        "badges_json": json.dumps(
            {
                status: str(STATUS_LABELS[status])
                for status in (ADDED, REMOVED, CHANGED, MOVED, INSIDE)
            },
            ensure_ascii=False,
        ),
    }


def _diagram(diff: BundleDiff, sources: dict[str, str], main: str, side: str) -> JsonResponse:
    """One side's main diagram and the ids to mark on it ("xml" is empty when the file is
    missing or not safe to read: the page then says the diagram cannot be shown)."""
    xml = readable_xml(main, sources.get(main))
    data: dict[str, Any] = {"xml": xml, **diff.markers(side)}
    data["labels"] = workflow_text.diagram_labels(xml) if xml else {}
    return JsonResponse(data)


def _side(side: str) -> str:
    if side not in SIDES:
        raise Http404("No such side.")
    return side


@login_required
@require_GET
def diff_versions(request: AuthedRequest, a: int, b: int) -> HttpResponse:
    require_studio(request.user)
    old, new = _pair(a, b)
    context = _page_context(
        _versions_diff(old, new),
        reverse("studio:diff-versions-diagram", args=[a, b, "old"]),
        reverse("studio:diff-versions-diagram", args=[a, b, "new"]),
    )
    context.update(
        {
            "old": old,
            "new": new,
            "old_title": _("Before: v%(version)s") % {"version": old.version},
            "new_title": _("After: v%(version)s") % {"version": new.version},
        }
    )
    return render(request, "studio/diff_versions.html", context)


@login_required
@require_GET
def diff_versions_diagram(request: AuthedRequest, a: int, b: int, side: str) -> JsonResponse:
    require_studio(request.user)
    old, new = _pair(a, b)
    diff = _versions_diff(old, new)
    if _side(side) == "old":
        return _diagram(diff, old.sources, diff.main_old, side)
    return _diagram(diff, new.sources, diff.main_new, side)


@login_required
@require_GET
def diff_pick(request: AuthedRequest, definition_id: int) -> HttpResponse:
    """The picker on a version's page: compare it with another version of the process,
    the older of the two as the base."""
    require_studio(request.user)
    current = queries.definition(definition_id)
    other_id = request.GET.get("with", "")
    other = (
        ProcessDefinition.objects.defer("sources", "spec").filter(pk=int(other_id)).first()
        if other_id.isdigit()
        else None
    )
    if other is None or other.key != current.key or other.pk == current.pk:
        messages.error(request, _("Choose another version of this process to compare with."))
        return redirect("studio:process-by-id", current.pk)
    older, newer = sorted([current, other], key=lambda version: (version.deployed_at, version.pk))
    return redirect("studio:diff-versions", older.pk, newer.pk)


@login_required
@require_GET
def draft_diff(request: AuthedRequest, draft_id: int) -> HttpResponse:
    draft = get_draft_for_user(request.user, draft_id)
    base = _version(draft.base_id)
    context = _page_context(
        _draft_diff(draft),
        reverse("studio:draft-diff-diagram", args=[draft.pk, "old"]),
        reverse("studio:draft-diff-diagram", args=[draft.pk, "new"]),
    )
    context.update(
        {
            "draft": draft,
            "old": base,
            "old_title": _("Before: v%(version)s") % {"version": base.version},
            "new_title": _("After: draft #%(number)s") % {"number": draft.pk},
        }
    )
    return render(request, "studio/diff_draft.html", context)


@login_required
@require_GET
def draft_diff_diagram(request: AuthedRequest, draft_id: int, side: str) -> JsonResponse:
    draft = get_draft_for_user(request.user, draft_id)
    diff = _draft_diff(draft)
    if _side(side) == "old":
        return _diagram(diff, draft.base.sources, diff.main_old, side)
    return _diagram(diff, draft.sources, diff.main_new, side)
