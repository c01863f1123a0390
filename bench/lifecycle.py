"""Dibao cases from application to confirmation, public notice included: Doudi's runtime on
PostgreSQL against bare SpiffWorkflow in memory doing the same steps on the same start data
(one serialize + deserialize per step, the least any persistent engine must do).

    python bench/lifecycle.py [--cases 200] [--repeat 3] [--database-url postgres://root@127.0.0.1:5432/doudi_bench]

Prints, step by step, the milliseconds of each half side by side and their ratio (min and
median over the repetitions of each repetition's median), then the same as JSON with the
stored state bytes per instance. Both halves must take the same path through the diagram
(checked on every case of the first repetition) or the run stops. The database named is
dropped and recreated.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# bench/queue.py shares its name with the standard library's queue: keep bench/ off the path.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.fresh_db import fresh_django  # noqa: E402

# The calls of one case, in order: each is one runtime call in Doudi and one
# deserialize + engine work + serialize in the bare half.
STEPS = (
    "start",
    "acceptance",
    "check_result message",
    "investigate",
    "cosign",
    "opinion",
    "fire timers",
    "county_confirm",
)
# Where each case starts: a Monday with no holiday in the following weeks.
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
# Past the end of the seven-day public notice, as tests.workflows.dibao.pass_notice.
NOTICE_PASSES = timedelta(days=8)
VILLAGE_CODE = "431102001001"
STAFF = ("clerk", "inv1", "inv2", "rev", "appr")

# The diagram marks (main diagram elements done / under way) after each step.
Path_ = list[tuple[tuple[str, ...], tuple[str, ...]]]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=200, help="cases per half and repetition")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default="postgres://root@127.0.0.1:5432/doudi_bench")
    return parser.parse_args()


class Timer:
    """Milliseconds of each call; with `cpu` (a clock of CPU seconds), its CPU time too."""

    def __init__(self, cpu: Callable[[], float] | None = None) -> None:
        self.samples: list[float] = []
        self.cpu = cpu
        self.cpu_samples: list[float] = []

    def run(self, function: Callable[[], Any]) -> Any:
        cpu = self.cpu() if self.cpu else 0.0
        start = time.perf_counter()
        result = function()
        self.samples.append((time.perf_counter() - start) * 1000)
        if self.cpu:
            self.cpu_samples.append((self.cpu() - cpu) * 1000)
        return result

    def summary(self) -> tuple[float, float, float]:
        ordered = sorted(self.samples)
        return (
            statistics.mean(ordered),
            ordered[len(ordered) // 2],
            ordered[int(len(ordered) * 0.95)],
        )

    def by_step(self, samples: list[float] | None = None) -> dict[str, list[float]]:
        """The samples of each step, the calls having been made case after case."""
        values = self.samples if samples is None else samples
        return {step: values[index :: len(STEPS)] for index, step in enumerate(STEPS)}


TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process on this machine, 0 if it is gone; counted by
    the kernel in ticks (10 ms), so right only on average over many calls."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime and stime are fields 14 and 15; the split starts at field 3.
    return (int(fields[11]) + int(fields[12])) / TICKS


def children_cpu() -> float:
    """CPU seconds of this process's children: the live ones (the sandbox pool) and those
    already waited for."""
    pid = os.getpid()
    live: set[int] = set()
    for thread in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{thread}/children") as children:
            live.update(int(child) for child in children.read().split())
    waited = resource.getrusage(resource.RUSAGE_CHILDREN)
    return sum(process_cpu(child) for child in live) + waited.ru_utime + waited.ru_stime


def backend_pid() -> int:
    """The PostgreSQL process serving this process's connection (the database is local)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def doudi_cpu() -> Callable[[], float]:
    """The CPU clock of Doudi's half: this process, its sandbox processes, its backend."""
    backend = backend_pid()
    return lambda: time.process_time() + children_cpu() + process_cpu(backend)


# ------------------------------------------------------------------------------ Doudi


@dataclass
class DoudiWorld:
    village: Any
    staff: dict[str, Any]


@dataclass
class CaseRun:
    start_data: dict[str, Any]
    notice_bytes: int
    final_bytes: int
    path: Path_ = field(default_factory=list)


def doudi_setup() -> DoudiWorld:
    """The region tree, its policy, the staff and the deployed dibao process (once per
    database)."""
    from django.contrib.auth.models import User

    from assistance.demo import default_policy
    from assistance.models import Region, RegionPolicy
    from engine import runtime
    from engine.files import bundle_sources

    province = Region.objects.create(code="430000", name="省", level="province")
    county = Region.objects.create(code="431102", name="县", level="county", parent=province)
    township = Region.objects.create(code="431102001", name="镇", level="township", parent=county)
    Region.objects.create(code=VILLAGE_CODE, name="村", level="village", parent=township)
    RegionPolicy.objects.create(
        region=county, effective_from=date(2020, 1, 1), values=default_policy()
    )
    for name in STAFF:
        User.objects.create(username=name)
    runtime.deploy(
        bundle_sources(ROOT / "workflows", ROOT / "workflows" / "dibao.bpmn"),
        "dibao.bpmn",
        actor=None,
    )
    return doudi_world()


def doudi_world() -> DoudiWorld:
    """What doudi_setup made, as another process connected to the same database finds it."""
    from django.contrib.auth.models import User

    from assistance.models import Region
    from engine.registry import evidence_kinds, register_evidence_lookup

    # Scans are uploads, not engine work: every case has every kind on file.
    register_evidence_lookup(lambda case_id: set(evidence_kinds()))
    return DoudiWorld(
        village=Region.objects.get(code=VILLAGE_CODE),
        staff={user.username: user for user in User.objects.filter(username__in=STAFF)},
    )


def doudi_case(world: DoudiWorld, number: str, timer: Timer, record_path: bool = False) -> CaseRun:
    """One dibao case through the runtime, from application to the county's approval; each
    runtime call timed by `timer` (the household and case rows are made outside it)."""
    from assistance.actions import process_data
    from assistance.models import Case
    from engine import runtime
    from engine.clock import clock
    from engine.models import ProcessInstance, Task

    clock.set(START)
    case = _application(world.village, number)
    data = process_data(case)
    # Two adults: the notice names them (only minors' cases skip it).
    assert data["notice_required"], "the case would skip the public notice"
    path: Path_ = []

    def mark(instance_id: int) -> None:
        if record_path:
            marks = runtime.diagram(ProcessInstance.objects.get(pk=instance_id))
            path.append((tuple(marks["completed"]), tuple(marks["active"])))

    instance = timer.run(
        lambda: runtime.start(
            "dibao", case_id=case.pk, region_id=world.village.pk, actor=None, data=data
        )
    )
    mark(instance.pk)

    def do(spec: str, user: str, **form: Any) -> None:
        pk = Task.objects.get(instance=instance, spec_name=spec).pk
        timer.run(lambda: runtime.complete(pk, actor=world.staff[user], data=form))
        mark(instance.pk)

    do("acceptance", "clerk", acceptance_decision="complete")
    timer.run(
        lambda: runtime.send_message(case.pk, "check_result", {"result": "eligible"}, actor=None)
    )
    mark(instance.pk)
    do(
        "investigate",
        "inv1",
        visited_on="2026-03-02",
        findings="入户核实属实",
        matches_declaration=True,
    )
    do("cosign", "inv2", cosign_agrees=True)
    do("opinion", "rev", opinion="approve")
    notice_bytes = _state_bytes(ProcessInstance, instance.pk)
    clock.advance(NOTICE_PASSES)
    fired = timer.run(lambda: runtime.fire_instance_timers(instance.pk))
    assert fired == 1, "the public notice's time did not run out"
    mark(instance.pk)
    do("county_confirm", "appr", decision="approve")
    final_bytes = _state_bytes(ProcessInstance, instance.pk)
    assert Case.objects.get(pk=case.pk).status == "active"
    clock.reset()
    return CaseRun(data, notice_bytes, final_bytes, path)


def _application(village: Any, number: str) -> Any:
    """A rural household of two adults, one earning: eligible, and noticed."""
    from assistance.models import Case, Household, IncomeItem, Member

    household = Household.objects.create(region=village, address="村", hukou="rural")
    for index, born in enumerate((date(1980, 5, 1), date(1982, 7, 1))):
        member = Member.objects.create(
            household=household,
            name=f"成员{index}",
            # Unique across processes and runs; nothing on this path reads the number.
            resident_id=uuid.uuid4().hex[:18],
            birth_date=born,
            sex="M" if index == 0 else "F",
            is_applicant=index == 0,
        )
        if index == 0:
            IncomeItem.objects.create(member=member, kind="wage", monthly_amount="500.00")
    return Case.objects.create(
        number=number, assistance_type="dibao", household=household, region=village
    )


def doudi_cases(
    world: DoudiWorld,
    cases: int,
    prefix: str,
    record_paths: bool = False,
    cpu: Callable[[], float] | None = None,
) -> tuple[Timer, list[CaseRun]]:
    timer = Timer(cpu)
    runs = [
        doudi_case(world, f"{prefix}{index}", timer, record_path=record_paths)
        for index in range(cases)
    ]
    return timer, runs


def doudi_run(cases: int) -> tuple[Timer, list[int], list[int]]:
    """Set up a database and run `cases` cases (bench/step_queries.py counts their queries
    by replacing this module's Timer)."""
    world = doudi_setup()
    timer, runs = doudi_cases(world, cases, "B")
    return timer, [run.notice_bytes for run in runs], [run.final_bytes for run in runs]


def _state_bytes(model: Any, pk: int) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT octet_length(state::text) FROM {model._meta.db_table} WHERE id = %s", [pk]
        )
        return int(cursor.fetchone()[0])


# --------------------------------------------------------------------------- bare engine


def bare_run(
    start_data: list[dict[str, Any]],
    record_paths: bool = False,
    cpu: Callable[[], float] | None = None,
) -> tuple[Timer, list[int], list[Path_]]:
    """The same cases in bare SpiffWorkflow: case i starts with the data Doudi's case i was
    started with. Returns the timer, the full JSON bytes in the notice and, if asked, each
    case's path."""
    from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
    from SpiffWorkflow.bpmn.util.event import BpmnEvent
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
    from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
    from SpiffWorkflow.util.task import TaskState

    from assistance.amounts import dibao_amount
    from engine import registry
    from engine.clock import clock
    from engine.runtime import diagram_marks
    from engine.serialization import SERIALIZER

    def add_days(day: str, days: int) -> str:
        return (date.fromisoformat(day[:10]) + timedelta(days=days)).isoformat()

    # Doudi's helpers read the working-day calendar from the database: these give the same
    # dates for these weeks without it.
    helpers = {
        "today": lambda: clock.today().isoformat(),
        "add_working_days": lambda day, days: add_days(day, days + days // 5 * 2),
        "notice_end": lambda start, days, working=False: (
            add_days(start, days + 1) + "T00:00:00+08:00"
        ),
        "next_month": lambda day: date(2026, 4, 1).isoformat(),
        "dibao_amount": dibao_amount,
    }
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(ROOT / "workflows" / "dibao.bpmn"))
    # dibao calls the shared stages (economic check, investigation, notices).
    parser.add_bpmn_files(sorted(str(p) for p in (ROOT / "workflows").glob("shared_*.bpmn")))
    spec = parser.get_spec("dibao")
    subprocess_specs = parser.get_subprocess_specs("dibao")
    # The vetted helpers the stubs above do not cover (dibao_supplements…), as Doudi runs them.
    engine = PythonScriptEngine(environment=TaskDataEnvironment(registry.helpers() | helpers))

    timer = Timer(cpu)
    full_bytes: list[int] = []
    paths: list[Path_] = []
    for given in start_data:
        clock.set(START)
        data = copy.deepcopy(given)
        state = {"json": ""}
        path: Path_ = []

        def step(
            action: Callable[[BpmnWorkflow], None],
            first: bool = False,
            state: dict[str, str] = state,
            path: Path_ = path,
        ) -> None:
            def run() -> None:
                if first:
                    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=engine)
                else:
                    workflow = SERIALIZER.deserialize_json(state["json"])
                    workflow.script_engine = engine
                action(workflow)
                state["json"] = SERIALIZER.serialize_json(workflow)

            timer.run(run)
            if record_paths:
                marks = diagram_marks(SERIALIZER.deserialize_json(state["json"]))
                path.append((tuple(marks["done"]), tuple(marks["active"])))

        def start(workflow: BpmnWorkflow, data: dict[str, Any] = data) -> None:
            workflow.data.update(data)
            for task in workflow.get_tasks(state=TaskState.READY):
                task.data.update(data)
            workflow.do_engine_steps()

        def complete(spec_name: str, **form: Any) -> Callable[[BpmnWorkflow], None]:
            def action(workflow: BpmnWorkflow) -> None:
                task = next(
                    t
                    for t in workflow.get_tasks(state=TaskState.READY)
                    if t.task_spec.name == spec_name
                )
                task.data.update(form)
                task.run()
                workflow.do_engine_steps()

            return action

        def message(workflow: BpmnWorkflow) -> None:
            workflow.send_event(
                BpmnEvent(MessageEventDefinition("check_result"), {"result": "eligible"})
            )
            workflow.do_engine_steps()

        def fire(workflow: BpmnWorkflow) -> None:
            workflow.refresh_timers()
            workflow.do_engine_steps()

        step(start, first=True)
        step(complete("acceptance", acceptance_decision="complete"))
        step(message)
        step(
            complete(
                "investigate",
                visited_on="2026-03-02",
                findings="入户核实属实",
                matches_declaration=True,
            )
        )
        step(complete("cosign", cosign_agrees=True))
        step(complete("opinion", opinion="approve"))
        full_bytes.append(len(state["json"].encode()))
        clock.advance(NOTICE_PASSES)
        step(fire)
        step(complete("county_confirm", decision="approve"))
        finished = SERIALIZER.deserialize_json(state["json"])
        assert finished.completed and finished.data.get("outcome") == "approved"
        paths.append(path)
    clock.reset()
    return timer, full_bytes, paths


# ------------------------------------------------------------------------------- report


def _min_median(values: list[float]) -> dict[str, float]:
    return {"min": round(min(values), 2), "median": round(statistics.median(values), 2)}


def run(cases: int, repeat: int) -> dict[str, Any]:
    """Set up the database Django is connected to, then run both halves `repeat` times."""
    world = doudi_setup()
    per_step: dict[str, dict[str, list[float]]] = {
        step: {"doudi": [], "bare": []} for step in STEPS
    }
    totals: dict[str, list[float]] = {"doudi": [], "bare": []}
    cpu_per_step: dict[str, dict[str, list[float]]] = {
        step: {"doudi": [], "bare": []} for step in STEPS
    }
    cpu_totals: dict[str, list[float]] = {"doudi": [], "bare": []}
    notice_bytes: list[int] = []
    final_bytes: list[int] = []
    bare_bytes: list[int] = []
    same_path = None
    path: Path_ = []
    load = [os.getloadavg()[0]]
    for rep in range(repeat):
        first = rep == 0
        backend = backend_pid()
        doudi, runs = doudi_cases(world, cases, f"B{rep}-", first, doudi_cpu())
        # Otherwise the backend's CPU time was not all counted.
        assert backend_pid() == backend, "the connection was opened again"
        bare, json_bytes, bare_paths = bare_run(
            [r.start_data for r in runs], first, time.process_time
        )
        if first:
            doudi_paths = [r.path for r in runs]
            same_path = doudi_paths == bare_paths
            if not same_path:
                raise SystemExit(
                    "The halves took different paths:\n"
                    f"doudi {json.dumps(doudi_paths[0])}\nbare  {json.dumps(bare_paths[0])}"
                )
            path = doudi_paths[0]
        for half, timer in (("doudi", doudi), ("bare", bare)):
            assert len(timer.samples) == cases * len(STEPS)
            for step, samples in timer.by_step().items():
                per_step[step][half].append(statistics.median(samples))
            for step, samples in timer.by_step(timer.cpu_samples).items():
                cpu_per_step[step][half].append(statistics.mean(samples))
            totals[half].append(statistics.mean(timer.samples))
            cpu_totals[half].append(statistics.mean(timer.cpu_samples))
        notice_bytes += [r.notice_bytes for r in runs]
        final_bytes += [r.final_bytes for r in runs]
        bare_bytes += json_bytes
        load.append(os.getloadavg()[0])

    def ratio(doudi: list[float], bare: list[float]) -> dict[str, float]:
        return {
            "min": round(min(doudi) / min(bare), 2),
            "median": round(statistics.median(doudi) / statistics.median(bare), 2),
        }

    done, _active = path[-1]
    return {
        "cases": cases,
        "repeat": repeat,
        "steps": list(STEPS),
        "same_path": same_path,
        "elements_done": list(done),
        # Each repetition's median over its cases; min and median over the repetitions.
        "ms_per_step": {
            step: {
                "doudi": _min_median(halves["doudi"]),
                "bare": _min_median(halves["bare"]),
                "ratio": ratio(halves["doudi"], halves["bare"]),
            }
            for step, halves in per_step.items()
        },
        # Each repetition's mean over all its steps.
        "ms_per_step_all": {
            "doudi": _min_median(totals["doudi"]),
            "bare": _min_median(totals["bare"]),
            "ratio": ratio(totals["doudi"], totals["bare"]),
        },
        # CPU milliseconds (Doudi: its process, sandbox processes and PostgreSQL backend; bare:
        # its process), each repetition's mean over its cases: a busy machine slows the
        # clock on the wall more than this.
        "cpu_ms_per_step": {
            step: {
                "doudi": _min_median(halves["doudi"]),
                "bare": _min_median(halves["bare"]),
                "ratio": ratio(halves["doudi"], halves["bare"]),
            }
            for step, halves in cpu_per_step.items()
        },
        "cpu_ms_per_step_all": {
            "doudi": _min_median(cpu_totals["doudi"]),
            "bare": _min_median(cpu_totals["bare"]),
            "ratio": ratio(cpu_totals["doudi"], cpu_totals["bare"]),
        },
        "stored_state_bytes_in_notice": int(statistics.mean(notice_bytes)),
        "stored_state_bytes_completed": int(statistics.mean(final_bytes)),
        "bare_full_json_bytes_in_notice_with_spec": int(statistics.mean(bare_bytes)),
        "load_average_1min": {"max": max(load), "cpus": os.cpu_count()},
    }


def table(report: dict[str, Any], kind: str = "ms") -> str:
    """`kind` "ms": the clock on the wall; "cpu_ms": CPU time."""
    title = {"ms": "ms per step", "cpu_ms": "CPU ms per step"}[kind] + " (min / median)"
    lines = [f"{title:32} {'Doudi':>15} {'bare':>15} {'ratio':>15}"]
    rows = [
        *report[f"{kind}_per_step"].items(),
        ("all steps (mean)", report[f"{kind}_per_step_all"]),
    ]
    for step, row in rows:
        cells = [f"{row[key]['min']:7.2f} /{row[key]['median']:7.2f}" for key in row]
        lines.append(f"{step:32} {cells[0]:>15} {cells[1]:>15} {cells[2]:>15}")
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    fresh_django(args.database_url)
    report = run(args.cases, args.repeat)
    print(table(report))
    print(table(report, "cpu_ms"))
    print(as_json(report))


def as_json(value: Any, indent: str = "") -> str:
    """JSON with one line for each dict of figures (dicts nested less than three deep)."""

    def depth(item: Any) -> int:
        if isinstance(item, dict) and item:
            return 1 + max(depth(inner) for inner in item.values())
        return 0

    if not isinstance(value, dict) or depth(value) < 3:
        return json.dumps(value, ensure_ascii=False)
    inner = indent + "  "
    lines = [f"{inner}{json.dumps(key)}: {as_json(item, inner)}" for key, item in value.items()]
    return "{\n" + ",\n".join(lines) + "\n" + indent + "}"


if __name__ == "__main__":
    main()
