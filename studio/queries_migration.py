"""What the migration pages read: the impact report with case numbers and stages, the jobs
of a version, a job's failures in the reader's jurisdiction, newer versions for incidents."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import QuerySet

from assistance import access
from assistance.models import Case
from engine import migration, runtime
from engine.models import Incident, ProcessDefinition
from studio.models import MigrationJob

# Cases listed per version on the impact page; the counts always cover all of them.
LISTED_PER_VERSION = 200


@dataclass
class StepRow:
    title: str
    # The called stage the step runs in, by its name on the main diagram ("" on the main line).
    stage: str = ""


@dataclass
class InstanceRow:
    instance_id: int
    case_id: int
    number: str
    steps: list[StepRow]
    problems: list[migration.Problem]

    @property
    def can_migrate(self) -> bool:
        return not self.problems


@dataclass
class NodeRow:
    spec_name: str
    step: StepRow
    count: int
    movable: int
    reasons: list[migration.Problem]

    @property
    def blocked(self) -> int:
        return self.count - self.movable


@dataclass
class VersionRow:
    definition_id: int
    version: int
    # Older than the target (moving forward) or newer (moving back).
    older: bool
    count: int
    movable: int
    nodes: list[NodeRow] = field(default_factory=list)
    instances: list[InstanceRow] = field(default_factory=list)

    @property
    def unlisted(self) -> int:
        return self.count - len(self.instances)


@dataclass
class Report:
    target_id: int | None
    target_version: int | None
    versions: list[VersionRow]
    total: int
    movable: int


def _stages(definition_id: int) -> dict[str, str]:
    """Spec name -> name of the call box it sits behind on the main diagram (if any)."""
    elements = runtime.main_diagram_elements(definition_id)
    names = runtime.main_diagram_names(definition_id)
    return {spec: names.get(holder, holder) for spec, holder in elements.items() if holder != spec}


def impact_report(target: migration.Target | int, user: User) -> Report:
    """The engine's impact report on the cases in the user's jurisdiction, with numbers."""
    impact = migration.impact(target, region_paths=access.jurisdiction_paths(user))
    case_ids = [i.case_id for v in impact.versions for i in v.instances[:LISTED_PER_VERSION]]
    numbers = dict(Case.objects.filter(pk__in=case_ids).values_list("pk", "number"))
    rows = []
    target_version = impact.target.version
    for version in impact.versions:
        stages = _stages(version.definition_id)

        def step(spec_name: str, title: str, stages: dict[str, str] = stages) -> StepRow:
            return StepRow(title, stages.get(spec_name, ""))

        rows.append(
            VersionRow(
                definition_id=version.definition_id,
                version=version.version,
                older=target_version is None or version.version < target_version,
                count=len(version.instances),
                movable=version.movable,
                nodes=[
                    NodeRow(
                        node.spec_name,
                        step(node.spec_name, node.title),
                        len(node.instances),
                        node.movable,
                        node.reasons,
                    )
                    for node in version.nodes
                ],
                instances=[
                    InstanceRow(
                        instance.instance_id,
                        instance.case_id,
                        numbers.get(instance.case_id, ""),
                        [step(s.spec_name, s.title) for s in instance.steps],
                        instance.problems,
                    )
                    for instance in version.instances[:LISTED_PER_VERSION]
                ],
            )
        )
    return Report(impact.target.definition_id, target_version, rows, impact.total, impact.movable)


def jobs_for(definition_id: int) -> QuerySet[MigrationJob]:
    return (
        MigrationJob.objects.filter(target_id=definition_id)
        .select_related("created_by")
        .defer("plan")
        .order_by("-created_at")[:10]
    )


@dataclass
class Failure:
    case_id: int
    number: str
    error: str
    problems: list[migration.Problem]


def failures_for(job: MigrationJob, user: User) -> tuple[list[Failure], int]:
    """The job's failures on cases in the user's jurisdiction, and how many others failed."""
    mine = dict(
        access.cases_in_jurisdiction(user)
        .filter(pk__in=[entry["case"] for entry in job.failed])
        .values_list("pk", "number")
    )
    shown = [
        Failure(
            entry["case"],
            mine[entry["case"]],
            entry["error"],
            [migration.Problem.from_dict(problem) for problem in entry.get("problems", [])],
        )
        for entry in job.failed
        if entry["case"] in mine
    ]
    return shown, len(job.failed) - len(shown)


def versions_by_id(ids: Iterable[int]) -> dict[int, int]:
    return dict(ProcessDefinition.objects.filter(pk__in=list(ids)).values_list("pk", "version"))


def fixed_versions(incidents: Iterable[Incident]) -> dict[int, ProcessDefinition]:
    """Incident id -> the newest version of its process in its scope, when newer than the
    version its case runs: the version a fix was deployed in. Two queries."""
    incidents = list(incidents)
    if not incidents:
        return {}
    running = {
        row["pk"]: row
        for row in Incident.objects.filter(pk__in=[i.pk for i in incidents]).values(
            "pk",
            "instance__definition__key",
            "instance__definition__region_id",
            "instance__definition__version",
        )
    }
    keys = {row["instance__definition__key"] for row in running.values()}
    newest: dict[tuple[str, int | None], ProcessDefinition] = {}
    for definition in ProcessDefinition.objects.filter(key__in=keys).only(
        "pk", "key", "region_id", "version"
    ):
        scope = (definition.key, definition.region_id)
        if scope not in newest or newest[scope].version < definition.version:
            newest[scope] = definition
    found = {}
    for incident_id, row in running.items():
        top = newest.get((row["instance__definition__key"], row["instance__definition__region_id"]))
        if top is not None and top.version > row["instance__definition__version"]:
            found[incident_id] = top
    return found
