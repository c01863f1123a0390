"""What the process library reads: definitions by key and scope, and how many running
instances sit on each version and at each step. Counts only: no case or household is named."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from engine.models import InstanceStatus, ProcessDefinition, Task, Wait

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
        .select_related("region", "deployed_by")
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
        .select_related("region", "deployed_by")
        .filter(pk=definition_id)
        .first()
    )
    if found is None:
        raise Http404("No such process version.")
    return found
