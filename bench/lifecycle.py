"""Dibao cases from application to confirmation: Doudi's runtime on PostgreSQL against bare
SpiffWorkflow in memory (one serialize + deserialize per step, the least any persistent
engine must do).

    python bench/lifecycle.py [--cases 200] [--database-url postgres://root@127.0.0.1:5432/doudi_bench]

Prints milliseconds per step for both, their ratio, and the stored state bytes per instance.
The database named is dropped and recreated.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# bench/queue.py shares its name with the standard library's queue: keep bench/ off the path.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.fresh_db import fresh_django  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--database-url", default="postgres://root@127.0.0.1:5432/doudi_bench")
    return parser.parse_args()


class Timer:
    def __init__(self) -> None:
        self.samples: list[float] = []

    def run(self, function: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        result = function()
        self.samples.append((time.perf_counter() - start) * 1000)
        return result

    def summary(self) -> tuple[float, float, float]:
        ordered = sorted(self.samples)
        return (
            statistics.mean(ordered),
            ordered[len(ordered) // 2],
            ordered[int(len(ordered) * 0.95)],
        )


def doudi_run(cases: int) -> tuple[Timer, list[int], list[int]]:
    from django.contrib.auth.models import User

    from assistance.actions import process_data
    from assistance.models import Case, Household, Region, RegionPolicy
    from engine import runtime
    from engine.clock import clock
    from engine.files import bundle_sources
    from engine.models import ProcessInstance, Task
    from engine.registry import evidence_kinds, register_evidence_lookup

    # Scans are uploads, not engine work: every case has every kind on file.
    register_evidence_lookup(lambda case_id: set(evidence_kinds()))

    province = Region.objects.create(code="430000", name="省", level="province")
    county = Region.objects.create(code="431102", name="县", level="county", parent=province)
    township = Region.objects.create(code="431102001", name="镇", level="township", parent=county)
    village = Region.objects.create(
        code="431102001001", name="村", level="village", parent=township
    )
    from assistance.demo import default_policy

    RegionPolicy.objects.create(
        region=county, effective_from=date(2020, 1, 1), values=default_policy()
    )
    staff = {
        name: User.objects.create(username=name)
        for name in ("clerk", "inv1", "inv2", "rev", "appr")
    }
    runtime.deploy(
        bundle_sources(ROOT / "workflows", ROOT / "workflows" / "dibao.bpmn"),
        "dibao.bpmn",
        actor=None,
    )

    timer = Timer()
    notice_bytes: list[int] = []
    final_bytes: list[int] = []
    clock.set(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    for index in range(cases):
        clock.set(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
        household = Household.objects.create(region=village, address="村", hukou="rural")
        case = Case.objects.create(
            number=f"B{index}", assistance_type="dibao", household=household, region=village
        )
        data = process_data(case) | {"household": _household()}
        instance = timer.run(
            lambda case=case, data=data: runtime.start(
                "dibao", case_id=case.pk, region_id=village.pk, actor=None, data=data
            )
        )

        def do(spec: str, user: str, instance: Any = instance, **form: Any) -> None:
            pk = Task.objects.get(instance=instance, spec_name=spec).pk
            timer.run(lambda: runtime.complete(pk, actor=staff[user], data=form))

        do("acceptance", "clerk", acceptance_decision="complete")
        timer.run(
            lambda case=case: runtime.send_message(
                case.pk, "check_result", {"result": "eligible"}, actor=None
            )
        )
        do(
            "investigate",
            "inv1",
            visited_on="2026-03-02",
            findings="入户核实属实",
            matches_declaration=True,
        )
        do("cosign", "inv2", cosign_agrees=True)
        do("opinion", "rev", opinion="approve")
        notice_bytes.append(_state_bytes(ProcessInstance, instance.pk))
        clock.advance(timedelta(days=8))
        timer.run(lambda instance=instance: runtime.fire_instance_timers(instance.pk))
        do("county_confirm", "appr", decision="approve")
        final_bytes.append(_state_bytes(ProcessInstance, instance.pk))
        assert Case.objects.get(pk=case.pk).status == "active"
    clock.reset()
    return timer, notice_bytes, final_bytes


def _state_bytes(model: Any, pk: int) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT octet_length(state::text) FROM {model._meta.db_table} WHERE id = %s", [pk]
        )
        return int(cursor.fetchone()[0])


def _household() -> dict[str, Any]:
    return {
        "hukou": "rural",
        "members": [
            {"key": "1", "covered": True, "minor": False},
            {"key": "2", "covered": True, "minor": False},
        ],
        "incomes": [{"member": "1", "kind": "wage", "monthly": "500.00"}],
        "deductions": [],
        "single_person": None,
    }


def bare_run(cases: int) -> tuple[Timer, list[int]]:
    from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
    from SpiffWorkflow.bpmn.util.event import BpmnEvent
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
    from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
    from SpiffWorkflow.util.task import TaskState

    from assistance.actions import process_data
    from assistance.amounts import dibao_amount
    from assistance.models import Case
    from engine.clock import clock
    from engine.serialization import SERIALIZER

    def add_days(day: str, days: int) -> str:
        return (date.fromisoformat(day[:10]) + timedelta(days=days)).isoformat()

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
    from engine import registry

    # The vetted helpers the stubs above do not cover (dibao_supplements…), as Doudi runs them.
    engine = PythonScriptEngine(environment=TaskDataEnvironment(registry.helpers() | helpers))

    timer = Timer()
    full_bytes: list[int] = []
    for _index in range(cases):
        clock.set(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
        state = {"json": ""}

        def step(
            action: Callable[[BpmnWorkflow], None],
            first: bool = False,
            state: dict[str, str] = state,
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

        def start(workflow: BpmnWorkflow) -> None:
            # The start data Doudi's half gave its cases (notice length, policy…).
            data = process_data(Case.objects.order_by("pk")[0]) | {"household": _household()}
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
        clock.advance(timedelta(days=8))
        step(fire)
        step(complete("county_confirm", decision="approve"))
        assert SERIALIZER.deserialize_json(state["json"]).completed
    clock.reset()
    return timer, full_bytes


def main() -> None:
    args = parse_args()
    fresh_django(args.database_url)

    started = time.perf_counter()
    doudi, notice_bytes, final_bytes = doudi_run(args.cases)
    doudi_wall = time.perf_counter() - started
    started = time.perf_counter()
    bare, bare_bytes = bare_run(args.cases)
    bare_wall = time.perf_counter() - started

    d_mean, d_p50, d_p95 = doudi.summary()
    b_mean, b_p50, b_p95 = bare.summary()
    report = {
        "cases": args.cases,
        "steps_per_case": len(doudi.samples) // args.cases,
        "doudi_ms_per_step": {
            "mean": round(d_mean, 2),
            "p50": round(d_p50, 2),
            "p95": round(d_p95, 2),
        },
        "bare_spiff_ms_per_step": {
            "mean": round(b_mean, 2),
            "p50": round(b_p50, 2),
            "p95": round(b_p95, 2),
        },
        "ratio_mean": round(d_mean / b_mean, 2),
        "ratio_p50": round(d_p50 / b_p50, 2),
        "doudi_wall_s": round(doudi_wall, 1),
        "bare_wall_s": round(bare_wall, 1),
        "stored_state_bytes_in_notice": int(statistics.mean(notice_bytes)),
        "stored_state_bytes_completed": int(statistics.mean(final_bytes)),
        "bare_full_json_bytes_in_notice_with_spec": int(statistics.mean(bare_bytes)),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
