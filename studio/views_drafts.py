"""Drafts: a working copy of a process bundle, edited file by file in the browser (a plain
textarea; the graphical editors mount on the same page when their scripts load), checked by
the server's deploy checks, submitted, and approved or sent back by another policy officer."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from assistance.actions import ActionError
from assistance.roles import ROLES
from engine.checks import Problem
from portal import workflow_text
from portal.http import AuthedRequest
from portal.schema_forms import SchemaForm
from studio import queries
from studio.access import get_draft_for_user, require_studio
from studio.actions import (
    NEW_FORM_TEXT,
    StaleDraft,
    do_approve_draft,
    do_create_draft,
    do_discard_draft,
    do_return_draft,
    do_save_draft_file,
    do_submit_draft,
)
from studio.checks import draft_problems, problem_json
from studio.models import Draft, DraftStatus

# A form preview draws at most this much: forms are a few KiB; the preview is per keystroke.
MAX_PREVIEW_BYTES = 256 * 1024
MAX_PREVIEW_FIELDS = 300


def _revision(request: AuthedRequest) -> int | None:
    try:
        return int(request.POST.get("revision", ""))
    except ValueError:
        return None


# ---------------------------------------------------------------- making a draft


@login_required
@require_POST
def draft_create(request: AuthedRequest, definition_id: int) -> HttpResponse:
    require_studio(request.user)
    definition = queries.definition(definition_id)
    scope = request.POST.get("scope", "")
    region_id: int | None = None
    if scope and scope != queries.PROVINCE_SCOPE:
        try:
            region_id = int(scope)
        except ValueError:
            messages.error(request, _("Choose the scope of the draft from the list."))
            return redirect("studio:process-by-id", definition.pk)
    elif scope == queries.PROVINCE_SCOPE and definition.region_id is not None:
        messages.error(request, _("A county's own version is edited for that county only."))
        return redirect("studio:process-by-id", definition.pk)
    try:
        draft = do_create_draft(definition.pk, actor=request.user, region_id=region_id)
    except ActionError as exc:
        messages.error(request, str(exc))
        return redirect("studio:process-by-id", definition.pk)
    messages.success(
        request,
        _("Draft #%(number)d made from v%(version)d: edit its files, then submit it for review.")
        % {"number": draft.pk, "version": definition.version},
    )
    return redirect("studio:draft", draft.pk)


# ---------------------------------------------------------------- the draft page


def _draft_page(request: AuthedRequest, draft: Draft, **extra: Any) -> HttpResponse:
    problems = draft_problems(draft)
    mine = draft.author_id == request.user.pk
    context = {
        "draft": draft,
        "mine": mine,
        "may_edit": mine and draft.status == DraftStatus.EDITING,
        "may_review": not mine and draft.status == DraftStatus.SUBMITTED,
        "problems": problems,
        "files": queries.draft_files(draft, [problem.file for problem in problems]),
        "newer": queries.newer_in_scope(draft),
        "history": queries.draft_history(draft),
        "diagram_url": reverse("studio:draft-diagram", args=[draft.pk]),
        "lane_labels_json": json.dumps(
            {code: str(label) for code, label in ROLES.items()}, ensure_ascii=False
        ),
        **extra,
    }
    return render(request, "studio/draft.html", context)


@login_required
@require_GET
def draft(request: AuthedRequest, draft_id: int) -> HttpResponse:
    return _draft_page(request, get_draft_for_user(request.user, draft_id))


@login_required
@require_GET
def draft_diagram(request: AuthedRequest, draft_id: int) -> JsonResponse:
    """The draft's main diagram as it stands; elements with problems are listed."""
    found = get_draft_for_user(request.user, draft_id)
    xml = found.sources.get(found.main, "")
    try:
        labels = workflow_text.diagram_labels(xml)
    except Exception:  # a draft may be broken XML: the viewer says so itself
        labels = {}
    problems = [problem.element for problem in draft_problems(found) if problem.element]
    return JsonResponse(
        {
            "xml": xml,
            "completed": [],
            "active": [],
            "labels": labels,
            "problems": sorted(set(problems)),
        }
    )


@login_required
@require_GET
def draft_check(request: AuthedRequest, draft_id: int) -> JsonResponse:
    """The deploy checks on the saved draft, each located, for the editor to show."""
    found = get_draft_for_user(request.user, draft_id)
    return JsonResponse(
        {
            "revision": found.revision,
            "problems": [problem_json(problem) for problem in draft_problems(found)],
        }
    )


# ---------------------------------------------------------------- files


def _file_page(
    request: AuthedRequest,
    found: Draft,
    path: str,
    *,
    text: str | None = None,
    revision: int | None = None,
    preview: dict[str, Any] | None = None,
    stale: bool = False,
    status: int = 200,
) -> HttpResponse:
    saved = found.sources.get(path)
    problems = draft_problems(found)
    kind = queries.file_kind(path)
    mine = [problem for problem in problems if about_file(problem, path, kind)]
    context = {
        "draft": found,
        "path": path,
        "kind": kind,
        "text": saved if text is None else text,
        "saved_text": saved,
        "revision": found.revision if revision is None else revision,
        "editable": found.author_id == request.user.pk and found.status == DraftStatus.EDITING,
        "stale": stale,
        "preview": preview,
        "file_problems": mine,
        "other_problems": len(problems) - len(mine),
        "studio_roles": queries.lane_roles(),
        "studio_forms": queries.form_names(found),
        "studio_evidence": queries.evidence_kinds(),
    }
    return render(request, "studio/draft_file.html", context, status=status)


def about_file(problem: Problem, path: str, kind: str) -> bool:
    """A problem in the file, or, for a form, at a task that names it: the checks locate a
    bad form at the task that uses it."""
    if problem.file == path:
        return True
    return kind == "form" and path.removeprefix("forms/") in problem.message


@login_required
@require_http_methods(["GET", "POST"])
def draft_file(request: AuthedRequest, draft_id: int, path: str) -> HttpResponse:
    found = get_draft_for_user(request.user, draft_id)
    if path not in found.sources:
        raise Http404("No such file in this draft.")
    if request.method == "GET":
        return _file_page(request, found, path)
    text = request.POST.get("text", "")
    revision = _revision(request)
    if request.POST.get("action") == "preview":
        return _file_page(
            request, found, path, text=text, revision=revision, preview=form_preview(text)
        )
    try:
        do_save_draft_file(found.pk, path, text, actor=request.user, revision=revision)
    except StaleDraft as exc:
        messages.error(request, str(exc))
        found.refresh_from_db()
        return _file_page(request, found, path, text=text, stale=True, status=409)
    except ActionError as exc:
        messages.error(request, str(exc))
        return _file_page(request, found, path, text=text, revision=revision, status=400)
    messages.success(request, _("Saved %(path)s.") % {"path": path})
    return redirect("studio:draft-file", found.pk, path)


@login_required
@require_POST
def draft_add_form(request: AuthedRequest, draft_id: int) -> HttpResponse:
    """Add an empty form file to the draft (a task names it as formJsonSchemaFilename)."""
    found = get_draft_for_user(request.user, draft_id)
    name = request.POST.get("name", "").strip().removeprefix("forms/")
    if name and not name.endswith(".json"):
        name += ".json"
    path = f"forms/{name}"
    try:
        do_save_draft_file(
            found.pk,
            path,
            NEW_FORM_TEXT,
            actor=request.user,
            revision=_revision(request),
            create=True,
        )
    except ActionError as exc:
        messages.error(request, str(exc))
        return redirect("studio:draft", found.pk)
    messages.success(request, _("Added %(path)s.") % {"path": path})
    return redirect("studio:draft-file", found.pk, path)


# ---------------------------------------------------------------- form preview


def form_preview(schema_text: str, ui_text: str = "") -> dict[str, Any]:
    """The form a JSON Schema draws, by the portal's own renderer; or why it cannot."""
    if len(schema_text.encode("utf-8", errors="surrogatepass")) > MAX_PREVIEW_BYTES:
        return {
            "error": _("The form is larger than %(limit)d KiB; it cannot be previewed.")
            % {"limit": MAX_PREVIEW_BYTES // 1024}
        }
    try:
        schema = json.loads(schema_text)
        ui = json.loads(ui_text) if ui_text.strip() else {}
    except json.JSONDecodeError as exc:
        return {
            "error": _("Not valid JSON: %(error)s (line %(line)d, column %(column)d).")
            % {"error": exc.msg, "line": exc.lineno, "column": exc.colno}
        }
    except RecursionError:
        return {"error": _("The JSON is nested too deeply.")}
    if not isinstance(schema, dict) or not isinstance(ui, dict):
        return {"error": _("A form is a JSON object ({ … }).")}
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(part) for part in exc.path) or "/"
        return {
            "error": _("Not a valid JSON Schema at %(where)s: %(error)s")
            % {"where": where, "error": exc.message[:300]}
        }
    except RecursionError:
        return {"error": _("The JSON is nested too deeply.")}
    properties = schema.get("properties", {})
    if isinstance(properties, dict) and len(properties) > MAX_PREVIEW_FIELDS:
        return {
            "error": _("The form has %(count)d fields; the preview draws at most %(limit)d.")
            % {"count": len(properties), "limit": MAX_PREVIEW_FIELDS}
        }
    try:
        form = SchemaForm(workflow_text.translate_schema(schema), prefix="preview")
        html = form.as_p()
    except Exception as exc:  # a schema the renderer does not understand: say so, not 500
        return {
            "error": _("The portal cannot draw this form: %(error)s")
            % {"error": f"{type(exc).__name__}: {exc}"[:300]}
        }
    return {"form": form, "html": html, "title": schema.get("title", "")}


@login_required
@require_POST
def draft_form_preview(request: AuthedRequest, draft_id: int) -> HttpResponse:
    """An HTML fragment: the form the posted schema draws (400 and a message if it cannot)."""
    get_draft_for_user(request.user, draft_id)
    preview = form_preview(request.POST.get("schema", ""), request.POST.get("ui", ""))
    status = 400 if "error" in preview else 200
    return render(request, "studio/_form_preview.html", {"preview": preview}, status=status)


# ---------------------------------------------------------------- review


@login_required
@require_POST
def draft_submit(request: AuthedRequest, draft_id: int) -> HttpResponse:
    found = get_draft_for_user(request.user, draft_id)
    note = request.POST.get("note", "")
    try:
        do_submit_draft(found.pk, actor=request.user, note=note, revision=_revision(request))
    except ActionError as exc:
        messages.error(request, str(exc))
        return _draft_page(request, found, submit_note=note)
    messages.success(request, _("Submitted for review."))
    return redirect("studio:draft", found.pk)


@login_required
@require_POST
def draft_approve(request: AuthedRequest, draft_id: int) -> HttpResponse:
    found = get_draft_for_user(request.user, draft_id)
    note = request.POST.get("note", "")
    try:
        definition = do_approve_draft(
            found.pk, actor=request.user, note=note, revision=_revision(request)
        )
    except ActionError as exc:
        messages.error(request, str(exc))
        return _draft_page(request, found, review_note=note)
    messages.success(
        request,
        _("Approved and deployed as version %(version)d.") % {"version": definition.version},
    )
    return redirect("studio:draft", found.pk)


@login_required
@require_POST
def draft_return(request: AuthedRequest, draft_id: int) -> HttpResponse:
    found = get_draft_for_user(request.user, draft_id)
    note = request.POST.get("note", "")
    try:
        do_return_draft(found.pk, actor=request.user, note=note, revision=_revision(request))
    except ActionError as exc:
        messages.error(request, str(exc))
        return _draft_page(request, found, review_note=note)
    messages.success(request, _("Sent back to the author."))
    return redirect("studio:draft", found.pk)


@login_required
@require_POST
def draft_discard(request: AuthedRequest, draft_id: int) -> HttpResponse:
    found = get_draft_for_user(request.user, draft_id)
    try:
        do_discard_draft(found.pk, actor=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
        return redirect("studio:draft", found.pk)
    messages.success(request, _("Draft discarded."))
    return redirect("studio:library")
