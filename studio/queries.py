"""What the process library reads: definitions by key and scope, and how many running
instances sit on each version and at each step (counts only: no case or household is
named); the drafts on their way to a deploy, and what a draft's pages show."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from assistance.access import AnyUser
from assistance.roles import READ_ONLY_ROLES, ROLES
from engine import registry
from engine.models import AuditEvent, InstanceStatus, ProcessDefinition, Task, Wait
from studio.access import drafts_for_user
from studio.models import Draft, DraftQuerySet, DraftStatus, MigrationJob, MigrationStatus
from studio.parameters import changes_to_review

PROVINCE_SCOPE = "province"


@dataclass
class Process:
    key: str
    name: str
    versions: list[ProcessDefinition] = field(default_factory=list)

    @property
    def running(self) -> int:
        # `running` is the count _definitions() annotates on each version.
        return sum(getattr(version, "running", 0) for version in self.versions)


@dataclass
class Step:
    spec_name: str
    title: str
    tasks: int = 0
    waits: int = 0
    # The called stage the step runs in, by its name on the main diagram ("" on the main line).
    stage: str = ""


def scope_of(definition: ProcessDefinition) -> str:
    """The scope as URLs spell it: `province`, or the county's region code."""
    return definition.region.code if definition.region is not None else PROVINCE_SCOPE


def _definitions() -> QuerySet[ProcessDefinition]:
    # The sources and the serialized spec are large and not shown here: leave them in the table.
    return (
        ProcessDefinition.objects.defer("sources", "spec")
        .select_related("region", "deployed_by__staff", "reviewed_by__staff")
        .annotate(running=Count("instances", filter=Q(instances__status=InstanceStatus.RUNNING)))
        .order_by("key", F("region__code").asc(nulls_first=True), "-version")
    )


def library() -> list[Process]:
    """Every process with all its versions, province-wide first, newest first in each scope."""
    processes: dict[str, Process] = {}
    for definition in _definitions():
        process = processes.setdefault(definition.key, Process(definition.key, definition.name))
        definition.scope = scope_of(definition)  # type: ignore[attr-defined]
        process.versions.append(definition)
    return list(processes.values())


def versions(key: str) -> list[ProcessDefinition]:
    found = list(_definitions().filter(key=key))
    for definition in found:
        definition.scope = scope_of(definition)  # type: ignore[attr-defined]
    return found


def pick(found: list[ProcessDefinition], version: int, scope: str) -> ProcessDefinition:
    for definition in found:
        if definition.version == version and scope_of(definition) == scope:
            return definition
    raise Http404("No such process version.")


def steps(definition_id: int) -> list[Step]:
    """Running instances of one version per step: open user tasks and awaited messages."""
    running = {"instance__definition_id": definition_id, "instance__status": InstanceStatus.RUNNING}
    by_step: dict[str, Step] = {}
    for model, attribute in ((Task, "tasks"), (Wait, "waits")):
        rows = (
            model.objects.filter(**running)
            .values("spec_name", "title")
            .annotate(count=Count("instance_id", distinct=True))
            .order_by("spec_name", "title")
        )
        for row in rows:
            step = by_step.setdefault(row["spec_name"], Step(row["spec_name"], row["title"]))
            setattr(step, attribute, getattr(step, attribute) + row["count"])
    return sorted(by_step.values(), key=lambda step: (-(step.tasks + step.waits), step.spec_name))


def definition(definition_id: int) -> ProcessDefinition:
    found = (
        ProcessDefinition.objects.defer("sources", "spec")
        .select_related("region", "deployed_by__staff", "reviewed_by__staff")
        .filter(pk=definition_id)
        .first()
    )
    if found is None:
        raise Http404("No such process version.")
    return found


# ---------------------------------------------------------------- drafts


@dataclass
class DraftLists:
    awaiting_my_review: list[Draft]
    open: list[Draft]


def draft_lists(drafts: DraftQuerySet, user: AnyUser) -> DraftLists:
    """The open drafts a user may see (one query), and of them those others submitted."""
    found = list(
        drafts.open()
        .defer("sources", "scenarios")
        .select_related("region", "base", "author__staff")
        .order_by("-updated_at", "-pk")
    )
    return DraftLists(
        awaiting_my_review=[
            draft
            for draft in found
            if draft.status == DraftStatus.SUBMITTED and draft.author_id != user.pk
        ],
        open=found,
    )


@dataclass
class DraftFile:
    path: str
    kind: str
    size: int
    # "added", "changed" or "" against the version the draft was made from.
    change: str
    problems: int = 0


def file_kind(path: str) -> str:
    """Which editor a file opens in: bpmn, dmn, form (a JSON Schema) or plain text."""
    if path.endswith(".bpmn"):
        return "bpmn"
    if path.endswith(".dmn"):
        return "dmn"
    if path.startswith("forms/") and path.endswith(".json"):
        return "form"
    return "text"


def base_sources(draft: Draft) -> dict[str, str]:
    sources: dict[str, str] = ProcessDefinition.objects.values_list("sources", flat=True).get(
        pk=draft.base_id
    )
    return sources


def draft_files(draft: Draft, problem_files: list[str]) -> list[DraftFile]:
    """The bundle's files, the main one first, each marked if added or changed."""
    base = base_sources(draft)
    files = []
    for path, text in draft.sources.items():
        change = "added" if path not in base else ("changed" if base[path] != text else "")
        files.append(
            DraftFile(
                path,
                file_kind(path),
                len(text.encode("utf-8", errors="surrogatepass")),
                change,
                problem_files.count(path),
            )
        )
    return sorted(files, key=lambda item: (item.path != draft.main, item.kind, item.path))


def newer_in_scope(draft: Draft) -> ProcessDefinition | None:
    """The scope's newest version when it is not the draft's base: approving the draft puts
    its files in place of that version's (a change made meanwhile, or a county's own)."""
    in_scope = (
        Q(region_id=draft.region_id) if draft.region_id is not None else Q(region__isnull=True)
    )
    newest = (
        ProcessDefinition.objects.filter(in_scope, key=draft.key)
        .only("version", "deployed_at", "region_id")
        .order_by("-version")
        .first()
    )
    if newest is None or newest.pk == draft.base_id:
        return None
    return newest


def lane_roles() -> list[dict[str, str]]:
    """The roles a lane may name (those that act on cases), for the editor's role list."""
    return [
        {"code": code, "label": str(label)}
        for code, label in ROLES.items()
        if code not in READ_ONLY_ROLES
    ]


def evidence_kinds() -> list[dict[str, str]]:
    return [
        {"code": code, "label": str(label)} for code, label in registry.evidence_kinds().items()
    ]


def form_names(draft: Draft) -> list[str]:
    """Form files as a task names them (formJsonSchemaFilename: without `forms/`)."""
    return sorted(
        path.removeprefix("forms/")
        for path in draft.sources
        if path.startswith("forms/") and path.endswith(".json")
    )


def draft_history(draft: Draft) -> list[AuditEvent]:
    """What was done to a draft, oldest first, and the deploy its approval made: the trail
    names the author and the reviewer."""
    condition = Q(payload__draft=draft.pk)
    if draft.deployed is not None:
        condition |= Q(
            action="definition.deployed",
            payload__key=draft.key,
            payload__version=draft.deployed.version,
            region_id=draft.region_id,
        )
    return list(
        AuditEvent.objects.filter(condition, stream="system")
        .select_related("actor")
        .order_by("seq")[:200]
    )


def home_counts(user: User) -> dict[str, int]:
    drafts = drafts_for_user(user)
    return {
        "drafts_to_review": drafts.awaiting_review().exclude(author_id=user.pk).count(),
        "my_drafts": drafts.open().filter(author_id=user.pk).count(),
        "changes_to_review": len(changes_to_review(user)),
        "migrations_running": MigrationJob.objects.filter(
            created_by_id=user.pk,
            status__in=[MigrationStatus.QUEUED, MigrationStatus.RUNNING],
        ).count(),
    }
