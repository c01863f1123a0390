"""What policy staff do in the studio: retry an incident; make, edit, submit, review and
deploy drafts of process bundles (four eyes: the author never approves their own draft);
propose, approve, send back or withdraw a change of policy parameters (four eyes too)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from assistance import access
from assistance.actions import ActionError
from assistance.models import Region, RegionLevel, RegionPolicy
from assistance.policy import PolicyError
from engine import audit, incidents, runtime
from engine.bundle import MAX_SOURCE_BYTES
from engine.checks import DeploymentError
from engine.clock import clock
from engine.models import Incident, IncidentKind, InstanceStatus, ProcessDefinition
from studio import parameters
from studio.access import covers_scope, get_draft_for_user, require_studio
from studio.checks import draft_problems
from studio.models import Draft, DraftStatus, PolicyChange, PolicyChangeStatus
from studio.scenarios import default_scenarios


def get_incident_for_user(user: User, incident_id: int, *, lock: bool = False) -> Incident:
    """Policy staff whose jurisdiction holds the case; to anyone else the incident is missing."""
    require_studio(user)
    incidents = Incident.objects.in_regions(access.jurisdiction_paths(user))
    if lock:
        incidents = incidents.select_for_update(of=("self",))
    incident = incidents.select_related("case").filter(pk=incident_id).first()
    if incident is None:
        raise Http404("No such incident.")
    return incident


@dataclass
class RetryOutcome:
    succeeded: bool
    error: str = ""


@transaction.atomic
def do_retry_incident(incident_id: int, *, actor: User) -> RetryOutcome:
    """Run the held step again, once policy staff have fixed what it failed on.

    A failed time limit fires the instance's due timers again. A failed task completion is
    carried through with the approver's own submission, kept on the incident: the task is
    still open and the approver decided, only the diagram failed after them. A failed
    message (a check result, an objection, a death) is delivered again as it arrived, kept
    on the incident with its sender, to the instance it failed in. A retry that fails again
    is not refused: it counts another attempt on the incident (the engine's step is rolled
    back, not this).
    """
    incident = get_incident_for_user(actor, incident_id, lock=True)
    if not incident.is_open:
        raise ActionError(_("This incident is already resolved."))
    if incident.kind == IncidentKind.MESSAGE and not incident.keeps_message:
        raise ActionError(
            _("A message is not kept when it fails: ask whoever sent it to record it again.")
        )
    if incident.kind == IncidentKind.TASK and incident.submitted_by is None:
        raise ActionError(
            _("The submission that failed was not kept; ask the approver to submit again.")
        )
    audit.record(
        "incident.retried",
        actor=actor,
        role="policy_staff",
        region_id=incident.case.region_id,
        case_id=incident.case_id,
        instance_id=incident.instance_id,
        payload={"incident": incident.pk, "element": incident.element, "kind": incident.kind},
    )
    try:
        _run_again(incident, actor)
    except runtime.ProcessFailed as exc:
        return RetryOutcome(succeeded=False, error=str(exc))
    except runtime.EngineError as exc:
        raise ActionError(str(exc)) from exc
    return RetryOutcome(succeeded=True)


def _run_again(incident: Incident, actor: User) -> None:
    if incident.kind == IncidentKind.TIMER:
        runtime.fire_instance_timers(incident.instance_id, retried_by=actor)
    elif incident.keeps_message:
        if incident.instance.status == InstanceStatus.RUNNING:
            runtime.send_message(
                incident.case_id,
                incident.message,
                incident.submitted,
                actor=incident.submitted_by,
                role=incident.submitted_role,
                instance_id=incident.instance_id,
                retried_by=actor,
            )
    elif incident.task_id is not None and incident.submitted_by is not None:
        runtime.complete(
            incident.task_id,
            actor=incident.submitted_by,
            data=incident.submitted,
            retried_by=actor,
        )
    # The instance moved on without the step (cancelled, or the timer is gone): the
    # incident holds nothing any more. A no-op when the runtime call resolved it.
    incidents.close_incidents(
        incident.instance, actor=actor, kind=incident.kind, task_id=incident.task_id
    )


# ---------------------------------------------------------------- drafts

# A file of a draft holds at most what a deploy accepts; a note is a few sentences.
MAX_FILE_BYTES = MAX_SOURCE_BYTES
MAX_FILES = 200
MAX_NOTE_CHARS = 2000
# The only files a draft may gain: forms, named as a task's formJsonSchemaFilename names them.
NEW_FORM_PATH = re.compile(r"forms/[A-Za-z0-9][A-Za-z0-9_.-]{0,80}\.json")
NEW_FORM_TEXT = (
    '{\n  "$schema": "https://json-schema.org/draft/2020-12/schema",\n'
    '  "type": "object",\n  "required": [],\n  "properties": {}\n}\n'
)


class StaleDraft(ActionError):
    """The draft was saved elsewhere (another tab, another person) since this page loaded."""

    def __init__(self, message: str, *, current_revision: int) -> None:
        super().__init__(message)
        self.current_revision = current_revision


def main_path(sources: Mapping[str, str], key: str) -> str:
    """The file that holds a bundle's main process (`<key>.bpmn` when named so)."""
    if f"{key}.bpmn" in sources:
        return f"{key}.bpmn"
    for path, text in sorted(sources.items()):
        if path.endswith(".bpmn") and re.search(
            rf"<[\w:]*process\b[^>]*\bid=\"{re.escape(key)}\"", text
        ):
            return path
    raise ActionError(_("The main file of this version cannot be found."))


def scope_label(region: Region | None) -> str:
    return region.name if region is not None else str(_("the whole province"))


def _draft_payload(draft: Draft, **extra: Any) -> dict[str, Any]:
    return {"draft": draft.pk, "key": draft.key, "base": draft.base_id, **extra}


def _record(action: str, draft: Draft, actor: User, **extra: Any) -> None:
    audit.record(
        action,
        actor=actor,
        role="policy_staff",
        region_id=draft.region_id,
        payload=_draft_payload(draft, **extra),
    )


def _note(note: str, *, required: bool) -> str:
    note = (note or "").strip()
    if required and not note:
        raise ActionError(_("Please write a note."))
    if len(note) > MAX_NOTE_CHARS:
        raise ActionError(
            _("A note may hold at most %(limit)d characters.") % {"limit": MAX_NOTE_CHARS}
        )
    return note


def _check_revision(draft: Draft, revision: int | None, *, saving: bool = False) -> None:
    if revision is None or revision == draft.revision:
        return
    if saving:
        message = _(
            "This draft was saved elsewhere in the meantime (another tab or window), so "
            "nothing was saved here. Your text is kept below: compare it with the saved "
            "version, then save again."
        )
    else:
        message = _(
            "This draft was saved again after this page was opened; look at it once more, "
            "then try again."
        )
    raise StaleDraft(message, current_revision=draft.revision)


def _authors_own(draft: Draft, actor: User, status: str = DraftStatus.EDITING) -> None:
    if draft.author_id != actor.pk:
        raise ActionError(
            _("Only the author of this draft, %(author)s, may change it.")
            % {"author": draft.author.get_username()}
        )
    if draft.status != status:
        raise ActionError(
            _("This draft is %(status)s; it can no longer be changed.")
            % {"status": draft.get_status_display()}
        )


@transaction.atomic
def do_create_draft(definition_id: int, *, actor: User, region_id: int | None = None) -> Draft:
    """Copy a deployed version's sources into a new draft.

    The draft keeps the version's scope; from a province-wide version, `region_id` names a
    county to make that county's own version.
    """
    require_studio(actor)
    base = ProcessDefinition.objects.select_related("region").filter(pk=definition_id).first()
    if base is None:
        raise Http404("No such process version.")
    region = base.region
    if region_id is not None and region_id != base.region_id:
        if base.region_id is not None:
            raise ActionError(_("A county's own version is edited for that county only."))
        region = Region.objects.filter(pk=region_id, level=RegionLevel.COUNTY).first()
        if region is None:
            raise ActionError(_("A county's own version needs a county."))
    if not covers_scope(actor, region):
        raise ActionError(
            _("Your jurisdiction does not cover %(scope)s.") % {"scope": scope_label(region)}
        )
    now = clock.now()
    draft = Draft.objects.create(
        key=base.key,
        name=base.name,
        region=region,
        base=base,
        main=main_path(base.sources, base.key),
        sources=dict(base.sources),
        scenarios=_scenarios_for(base.key),
        author=actor,
        created_at=now,
        updated_at=now,
    )
    _record(
        "draft.created",
        draft,
        actor,
        base_version=base.version,
        scope=region.code if region is not None else "province",
    )
    return draft


def _scenarios_for(key: str) -> list[dict[str, Any]]:
    """The scenarios of the newest deployed draft of the process, else the shipped ones: a
    draft starts with the paths its process is known to take."""
    last = (
        Draft.objects.filter(key=key, status=DraftStatus.DEPLOYED)
        .exclude(scenarios=[])
        .order_by("-reviewed_at")
        .values_list("scenarios", flat=True)
        .first()
    )
    return list(last) if last else default_scenarios(key)


@transaction.atomic
def do_save_draft_file(
    draft_id: int,
    path: str,
    text: str,
    *,
    actor: User,
    revision: int | None,
    create: bool = False,
) -> Draft:
    """Save one file of the author's draft; refused when another save came first.

    Only files of the bundle are saved, except a new form `forms/<name>.json` (`create`
    refuses one that exists). Line ends are stored as "\n", whatever the browser sent.
    """
    draft = get_draft_for_user(actor, draft_id, lock=True)
    _authors_own(draft, actor)
    if revision is None:
        raise ActionError(_("The page sent no revision; reload it and try again."))
    _check_revision(draft, revision, saving=True)
    exists = path in draft.sources
    if create and exists:
        raise ActionError(_("The draft already has a file %(path)s.") % {"path": path})
    if not exists:
        if not NEW_FORM_PATH.fullmatch(path):
            raise ActionError(
                _(
                    "%(path)s is not a file of this draft. Only a new form can be added, named "
                    "like forms/my_form.json (letters, digits, _ - .)."
                )
                % {"path": path}
            )
        if len(draft.sources) >= MAX_FILES:
            raise ActionError(_("A draft holds at most %(limit)d files.") % {"limit": MAX_FILES})
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise ActionError(_("The text holds a NUL character; files are plain text."))
    data = text.encode("utf-8", errors="surrogatepass")
    if len(data) > MAX_FILE_BYTES:
        raise ActionError(
            _("A file may hold at most %(limit)d KiB; this one has %(size)d KiB.")
            % {"limit": MAX_FILE_BYTES // 1024, "size": len(data) // 1024}
        )
    draft.sources = {**draft.sources, path: text}
    draft.revision += 1
    draft.updated_at = clock.now()
    draft.save(update_fields=["sources", "revision", "updated_at"])
    _record(
        "draft.saved",
        draft,
        actor,
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        bytes=len(data),
        revision=draft.revision,
        added=not exists,
    )
    return draft


def _unchanged(draft: Draft) -> bool:
    base = ProcessDefinition.objects.only("sources", "region_id").get(pk=draft.base_id)
    return draft.region_id == base.region_id and draft.sources == base.sources


@transaction.atomic
def do_submit_draft(draft_id: int, *, actor: User, note: str, revision: int | None = None) -> Draft:
    """The author asks for review; refused while the deploy checks find problems."""
    draft = get_draft_for_user(actor, draft_id, lock=True)
    _authors_own(draft, actor)
    _check_revision(draft, revision)
    note = _note(note, required=True)
    if _unchanged(draft):
        raise ActionError(
            _("The draft is the same as the version it was made from: there is nothing to deploy.")
        )
    problems = draft_problems(draft)
    if problems:
        raise ActionError(
            _(
                "The deploy checks found %(count)d problem(s) in this draft; fix them "
                "before submitting it."
            )
            % {"count": len(problems)}
        )
    draft.status = DraftStatus.SUBMITTED
    draft.submitted_at = clock.now()
    draft.submit_note = note
    draft.reviewer = None
    draft.reviewed_at = None
    draft.review_note = ""
    draft.save(
        update_fields=[
            "status",
            "submitted_at",
            "submit_note",
            "reviewer",
            "reviewed_at",
            "review_note",
        ]
    )
    _record("draft.submitted", draft, actor, note=note, revision=draft.revision)
    return draft


def _review(draft_id: int, actor: User, revision: int | None) -> Draft:
    draft = get_draft_for_user(actor, draft_id, lock=True)
    if draft.status != DraftStatus.SUBMITTED:
        raise ActionError(
            _("This draft is %(status)s, not awaiting review.")
            % {"status": draft.get_status_display()}
        )
    if draft.author_id == actor.pk:
        raise ActionError(
            _(
                "You wrote this draft: another policy staff member must review it "
                "(four-eyes principle)."
            )
        )
    _check_revision(draft, revision)
    return draft


@transaction.atomic
def do_approve_draft(
    draft_id: int, *, actor: User, note: str = "", revision: int | None = None
) -> ProcessDefinition:
    """Another policy staff member approves: the draft deploys as a new version of its
    scope, with the author as its author and the approver as its reviewer."""
    draft = _review(draft_id, actor, revision)
    note = _note(note, required=False)
    try:
        definition, created = runtime.deploy(
            draft.sources,
            draft.main,
            actor=draft.author,
            region_id=draft.region_id,
            reviewer=actor,
        )
    except DeploymentError as exc:
        shown = "; ".join(exc.problems[:3])
        raise ActionError(
            _("The draft cannot be deployed: %(problems)s") % {"problems": shown}
        ) from exc
    except runtime.EngineError as exc:
        raise ActionError(str(exc)) from exc
    if not created:
        raise ActionError(
            _(
                "Version %(version)d of this scope already has exactly these files: there is "
                "nothing to deploy."
            )
            % {"version": definition.version}
        )
    draft.status = DraftStatus.DEPLOYED
    draft.reviewer = actor
    draft.reviewed_at = clock.now()
    draft.review_note = note
    draft.deployed = definition
    draft.save(update_fields=["status", "reviewer", "reviewed_at", "review_note", "deployed"])
    _record(
        "draft.approved",
        draft,
        actor,
        note=note,
        author=draft.author_id,
        definition=definition.pk,
        version=definition.version,
    )
    return definition


@transaction.atomic
def do_return_draft(draft_id: int, *, actor: User, note: str, revision: int | None = None) -> Draft:
    """Another policy staff member sends the draft back to its author with a note."""
    draft = _review(draft_id, actor, revision)
    note = _note(note, required=True)
    draft.status = DraftStatus.EDITING
    draft.reviewer = actor
    draft.reviewed_at = clock.now()
    draft.review_note = note
    draft.save(update_fields=["status", "reviewer", "reviewed_at", "review_note"])
    _record("draft.returned", draft, actor, note=note, author=draft.author_id)
    return draft


@transaction.atomic
def do_discard_draft(draft_id: int, *, actor: User) -> Draft:
    """The author drops the draft (being edited or awaiting review); it stays on record."""
    draft = get_draft_for_user(actor, draft_id, lock=True)
    if draft.status not in (DraftStatus.EDITING, DraftStatus.SUBMITTED):
        raise ActionError(
            _("This draft is %(status)s; it can no longer be changed.")
            % {"status": draft.get_status_display()}
        )
    _authors_own(draft, actor, status=draft.status)
    draft.status = DraftStatus.DISCARDED
    draft.updated_at = clock.now()
    draft.save(update_fields=["status", "updated_at"])
    _record("draft.discarded", draft, actor)
    return draft


# ---------------------------------------------------------------- policy parameters (four eyes)


def _change_payload(change: PolicyChange, valid: parameters.ValidChange) -> dict[str, Any]:
    return {
        "change": change.pk,
        "region": change.region.code,
        "region_name": change.region.name,
        "effective_from": change.effective_from.isoformat(),
        "values": valid.values,
        "previous": valid.previous,
        "lowers_standard": change.lowers_standard,
        "override_reason": change.override_reason,
    }


@transaction.atomic
def do_propose_policy_change(
    region_id: int,
    values: Mapping[str, Any],
    effective_from: date,
    note: str,
    *,
    actor: User,
    lowers_standard: bool = False,
    override_reason: str = "",
) -> PolicyChange:
    """Propose new parameter values for a region from a day on, for another policy staff
    member to approve. Refused with ChangeInvalid (messages per parameter) by the checks of
    parameters.validate_change."""
    region = parameters.get_region_by_id_for_user(actor, region_id)
    note = note.strip()
    valid = parameters.validate_change(
        region,
        effective_from,
        values,
        lowers_standard=lowers_standard,
        override_reason=override_reason,
        today=clock.today(),
    )
    if not note:
        raise parameters.ChangeInvalid(
            {"note": [_("Say why the parameters change: the reviewer reads it.")]}
        )
    change = PolicyChange.objects.create(
        region=region,
        effective_from=effective_from,
        values=valid.values,
        previous=valid.previous,
        lowers_standard=lowers_standard,
        override_reason=override_reason.strip() if lowers_standard else "",
        note=note,
        author=actor,
        created_at=clock.now(),
    )
    audit.record(
        "policy.proposed",
        actor=actor,
        role="policy_staff",
        region_id=region.pk,
        payload={**_change_payload(change, valid), "note": note},
    )
    return change


def _waiting(change: PolicyChange) -> None:
    if change.status != PolicyChangeStatus.SUBMITTED:
        raise ActionError(
            _("This change is no longer waiting for review (%(status)s).")
            % {"status": change.get_status_display()}
        )


@transaction.atomic
def do_approve_policy_change(change_id: int, *, actor: User, note: str = "") -> PolicyChange:
    """Approve another's change: its values go into the region's policy record for its day
    (created, or added to the one already there). Checked again first, against the policy
    as it stands now; a day that has passed meanwhile is refused (send it back)."""
    change = parameters.get_policy_change_for_user(actor, change_id, lock=True)
    _waiting(change)
    if change.author_id == actor.pk:
        raise ActionError(
            _(
                "You proposed this change, so you cannot approve it: another policy staff "
                "member must (four eyes)."
            )
        )
    # One approval at a time per region, so two changes for the same day merge, not collide.
    region = Region.objects.select_for_update().get(pk=change.region_id)
    try:
        valid = parameters.validate_change(
            region,
            change.effective_from,
            change.values,
            lowers_standard=change.lowers_standard,
            override_reason=change.override_reason,
            today=clock.today(),
        )
    except parameters.ChangeInvalid as exc:
        problems = "; ".join(m for messages in exc.errors.values() for m in messages)
        raise ActionError(
            _(
                "This change cannot be approved as it stands: %(problems)s "
                "Send it back so its author can propose it again."
            )
            % {"problems": problems}
        ) from exc
    record = (
        RegionPolicy.objects.select_for_update()
        .filter(region=region, effective_from=change.effective_from)
        .first()
    )
    if record is None:
        record = RegionPolicy(region=region, effective_from=change.effective_from, values={})
    record.values = {**record.values, **valid.values}
    if change.lowers_standard:
        # A record for the day may already lower a standard for its own reason: keep both.
        reasons = [r for r in (record.override_reason, change.override_reason) if r]
        record.override_reason = "; ".join(dict.fromkeys(reasons))[:200]
        record.lowers_standard = True
    try:
        record.save()
    except PolicyError as exc:
        raise ActionError(str(exc)) from exc
    change.status = PolicyChangeStatus.APPROVED
    change.reviewer = actor
    change.reviewed_at = clock.now()
    change.review_note = note.strip()
    change.previous = valid.previous
    change.policy = record
    change.save()
    audit.record(
        "policy.approved",
        actor=actor,
        role="policy_staff",
        region_id=region.pk,
        payload={
            **_change_payload(change, valid),
            "policy": record.pk,
            "author": change.author.get_username(),
            "author_name": parameters.person(change.author),
            "reviewer": actor.get_username(),
            "reviewer_name": parameters.person(actor),
            "review_note": change.review_note,
        },
    )
    return change


@transaction.atomic
def do_return_policy_change(change_id: int, note: str, *, actor: User) -> PolicyChange:
    """Send another's change back with a note; its author may propose it again."""
    change = parameters.get_policy_change_for_user(actor, change_id, lock=True)
    _waiting(change)
    if change.author_id == actor.pk:
        raise ActionError(_("This is your own change: withdraw it instead."))
    note = note.strip()
    if not note:
        raise ActionError(_("Say why the change goes back: its author reads it."))
    change.status = PolicyChangeStatus.RETURNED
    change.reviewer = actor
    change.reviewed_at = clock.now()
    change.review_note = note
    change.save(update_fields=["status", "reviewer", "reviewed_at", "review_note"])
    audit.record(
        "policy.returned",
        actor=actor,
        role="policy_staff",
        region_id=change.region_id,
        payload={
            "change": change.pk,
            "region": change.region.code,
            "author": change.author.get_username(),
            "reviewer": actor.get_username(),
            "note": note,
        },
    )
    return change


@transaction.atomic
def do_withdraw_policy_change(change_id: int, *, actor: User) -> PolicyChange:
    """The author takes back a change still waiting for review."""
    change = parameters.get_policy_change_for_user(actor, change_id, lock=True)
    _waiting(change)
    if change.author_id != actor.pk:
        raise ActionError(_("Only the author withdraws a change; send it back instead."))
    change.status = PolicyChangeStatus.WITHDRAWN
    change.save(update_fields=["status"])
    audit.record(
        "policy.withdrawn",
        actor=actor,
        role="policy_staff",
        region_id=change.region_id,
        payload={"change": change.pk, "region": change.region.code},
    )
    return change
