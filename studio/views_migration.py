"""Running cases and a new version: the impact report, a dry run per case, moving one case,
bulk migration jobs with their progress, migrating back; moving a held case to a fixed
version from the incident list. Policy staff only; cases of their jurisdiction only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assistance.actions import ActionError
from engine import migration
from engine.checks import DeploymentError
from portal.http import AuthedRequest
from studio import queries, queries_migration
from studio.access import get_draft_for_user
from studio.actions import get_incident_for_user
from studio.actions_migration import (
    back_targets,
    do_migrate_back,
    do_migrate_incident,
    do_migrate_instance,
    do_pause_migration,
    do_resume_migration,
    do_start_migration,
    get_instance_for_user,
    get_job_for_user,
    get_target_for_user,
    may_resume,
)
from studio.models import MigrationJob


@login_required
@require_GET
def impact(request: AuthedRequest, definition_id: int) -> HttpResponse:
    target = get_target_for_user(request.user, definition_id)
    target.scope = queries.scope_of(target)  # type: ignore[attr-defined]
    context = {
        "definition": target,
        "report": queries_migration.impact_report(target.pk, request.user),
        "jobs": queries_migration.jobs_for(target.pk),
    }
    return render(request, "studio/impact.html", context)


@login_required
@require_GET
def draft_impact(request: AuthedRequest, draft_id: int) -> HttpResponse:
    """The impact report of a draft, before it is deployed: which running cases could move
    to it once it is (the dry run and the move come after the deploy)."""
    draft = get_draft_for_user(request.user, draft_id)
    report = None
    problems: list[str] = []
    try:
        target = migration.target_for_sources(draft.sources, draft.main, region_id=draft.region_id)
    except DeploymentError as exc:
        problems = exc.problems
    else:
        report = queries_migration.impact_report(target, request.user)
    context = {"draft": draft, "report": report, "problems": problems}
    return render(request, "studio/draft_impact.html", context)


@login_required
@require_GET
def dry_run(request: AuthedRequest, definition_id: int, instance_id: int) -> HttpResponse:
    target = get_target_for_user(request.user, definition_id)
    instance = get_instance_for_user(request.user, instance_id, target)
    context = {
        "definition": target,
        "case": instance.case,
        "result": migration.dry_run(instance.pk, target.pk),
        "action": reverse("studio:migrate-instance", args=[target.pk, instance.pk]),
        "button": _("Move this case to v%(version)s") % {"version": target.version},
        "back": reverse("studio:impact", args=[target.pk]),
    }
    return render(request, "studio/dry_run.html", context)


@login_required
@require_POST
def migrate_instance(request: AuthedRequest, definition_id: int, instance_id: int) -> HttpResponse:
    target = get_target_for_user(request.user, definition_id)
    instance = get_instance_for_user(request.user, instance_id, target)
    try:
        moved = do_migrate_instance(instance.pk, target.pk, actor=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
        return redirect("studio:dry-run", target.pk, instance.pk)
    number = instance.case.number
    if moved:
        messages.success(
            request,
            _("Case %(number)s moved to v%(version)s.")
            % {"number": number, "version": target.version},
        )
    else:
        messages.info(
            request, _("Case %(number)s is on this version already.") % {"number": number}
        )
    return redirect("studio:impact", target.pk)


@login_required
@require_POST
def start_migration(request: AuthedRequest, definition_id: int) -> HttpResponse:
    target = get_target_for_user(request.user, definition_id)
    try:
        job = do_start_migration(target.pk, None, actor=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
        return redirect("studio:impact", target.pk)
    return redirect("studio:migration", job.pk)


@login_required
@require_GET
def job(request: AuthedRequest, job_id: int) -> HttpResponse:
    found = get_job_for_user(request.user, job_id)
    failures, unlisted = queries_migration.failures_for(found, request.user)
    backs = back_targets(found)
    context = {
        "job": found,
        "failures": failures,
        "unlisted_failures": unlisted,
        "may_resume": may_resume(found),
        "sources": queries_migration.versions_by_id(found.sources),
        "back_versions": (
            sorted(queries_migration.versions_by_id(backs).items()) if not found.active else []
        ),
        "progress_url": reverse("studio:migration-progress", args=[found.pk]),
    }
    return render(request, "studio/migration.html", context)


def progress_data(job: MigrationJob) -> dict[str, object]:
    return {
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "active": job.active,
        "total": job.total,
        "done": job.done,
        "failed": len(job.failed),
        "processed": job.processed,
    }


@login_required
@require_GET
def job_progress(request: AuthedRequest, job_id: int) -> JsonResponse:
    return JsonResponse(progress_data(get_job_for_user(request.user, job_id)))


@login_required
@require_POST
def job_pause(request: AuthedRequest, job_id: int) -> HttpResponse:
    found = get_job_for_user(request.user, job_id)
    try:
        do_pause_migration(found.pk, actor=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Paused; the cases already moved stay moved."))
    return redirect("studio:migration", found.pk)


@login_required
@require_POST
def job_resume(request: AuthedRequest, job_id: int) -> HttpResponse:
    found = get_job_for_user(request.user, job_id)
    try:
        do_resume_migration(found.pk, actor=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
    return redirect("studio:migration", found.pk)


@login_required
@require_POST
def job_back(request: AuthedRequest, job_id: int) -> HttpResponse:
    found = get_job_for_user(request.user, job_id)
    try:
        source = int(request.POST.get("to", ""))
    except ValueError:
        messages.error(request, _("Choose the version to move back to."))
        return redirect("studio:migration", found.pk)
    try:
        back = do_migrate_back(found.pk, source, actor=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
        return redirect("studio:migration", found.pk)
    return redirect("studio:migration", back.pk)


@login_required
@require_http_methods(["GET", "POST"])
def incident_migrate(request: AuthedRequest, incident_id: int) -> HttpResponse:
    """The held case's dry run to the newest version of its process; POST moves it there and
    retries the held step."""
    incident = get_incident_for_user(request.user, incident_id)
    fixed = queries_migration.fixed_versions([incident]).get(incident.pk)
    if fixed is None or not incident.is_open:
        messages.error(request, _("There is no newer version to move this case to."))
        return redirect("studio:incidents")
    if request.method == "POST":
        try:
            outcome = do_migrate_incident(incident.pk, fixed.pk, actor=request.user)
        except ActionError as exc:
            messages.error(request, str(exc))
            return redirect("studio:incident-migrate", incident.pk)
        number = incident.case.number
        if outcome.succeeded:
            messages.success(
                request,
                _("Case %(number)s moved to v%(version)s and moves on.")
                % {"number": number, "version": fixed.version},
            )
        else:
            messages.error(
                request,
                _("Case %(number)s moved to v%(version)s, but the step failed again: %(error)s")
                % {"number": number, "version": fixed.version, "error": outcome.error},
            )
        return redirect("studio:incidents")
    context = {
        "definition": fixed,
        "case": incident.case,
        "incident": incident,
        "result": migration.dry_run(incident.instance_id, fixed.pk),
        "action": reverse("studio:incident-migrate", args=[incident.pk]),
        "button": _("Move to v%(version)s and retry") % {"version": fixed.version},
        "back": reverse("studio:incidents"),
    }
    return render(request, "studio/dry_run.html", context)
