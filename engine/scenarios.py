"""Scenario runs: a process bundle driven from start to end in memory, touching no case.

A scenario is start data plus the answer of each user task, the messages to deliver and the
timers to fire (format in docs/design.md, "Scenarios"). `run_scenario` parses the bundle as a
deploy would (the runtime's cached parse), starts an in-memory workflow with the runtime's
script engine (every script in the sandbox), and drives it: a ready user task with an answer
left is completed (the answer validated against its form, as `runtime.complete` does), else
the next listed message is delivered when the process waits for it, else a timer the scenario
allows is fired at once. It stops when the process ends, when a task has no answer left, or
at the first error, naming the element. Nothing is written: no instance, task, timer or audit
row (the only queries are the reads some vetted helpers make, such as the holiday calendar).

The result lists the elements completed in order (those inside called stages with the stage's
id), the end events reached, the variables the run set or changed, and whether the scenario's
`expect` held.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask as UserTaskMixin
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from engine.bundle import (
    DUE_PROPERTY,
    EVIDENCE_WHEN_PROPERTY,
    FORM_SCHEMA_PROPERTY,
    form_schema,
)
from engine.checks import DeploymentError
from engine.forms import FormInvalid, validate_submission
from engine.runtime import (
    MAX_ENGINE_STEPS,
    _due_date,
    _latest_data,
    _message_names,
    _parsed_bundle,
    _wait_properties,
    _waiting_message_names,
)
from engine.scripting import evaluate_standalone, script_engine
from engine.serialization import Specs, restore_specs

COMPLETED = "completed"
STOPPED = "stopped"
FAILED = "failed"

# Every engine step, task completion, message and timer of one run counts; the runtime's
# own bound (MAX_ENGINE_STEPS) still applies to each advance between them.
MAX_SCENARIO_STEPS = 10 * MAX_ENGINE_STEPS
SCENARIO_SECONDS = 20.0
# All the scenarios of one page run within this.
RUN_ALL_SECONDS = 60.0
# A shown value longer than this (as JSON) is cut.
MAX_SHOWN_VALUE = 300
SCENARIO_KEYS = frozenset({"name", "start", "answers", "messages", "timers", "expect"})
EXPECT_KEYS = frozenset({"status", "end", "stopped_at", "path_includes", "path_excludes", "data"})


@dataclass(frozen=True)
class Step:
    """One element passed: its id, name, and the called stage it ran in ("" on the main line;
    stages called from stages are joined with "/")."""

    element: str
    name: str = ""
    stage: str = ""
    # The name of the stage the step runs in (the innermost call activity's).
    stage_name: str = ""

    @property
    def qualified(self) -> str:
        return f"{self.stage}/{self.element}" if self.stage else self.element

    @property
    def holder(self) -> str:
        """The element of the main diagram that shows this step: its outermost stage's box."""
        return self.stage.split("/")[0] if self.stage else self.element

    @property
    def title(self) -> str:
        return self.name or self.element

    def as_dict(self) -> dict[str, str]:
        return {
            "element": self.element,
            "name": self.name,
            "stage": self.stage,
            "stage_name": self.stage_name,
        }


@dataclass
class ScenarioResult:
    name: str
    status: str
    path: list[Step] = field(default_factory=list)
    ends: list[Step] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    # Set when failed: the message and the step it failed at.
    error: str = ""
    error_at: Step | None = None
    # Set when stopped: why, and the step (a task with no answer left, a wait nothing ends).
    reason: str = ""
    stopped_at: Step | None = None
    # The scenario's `expect` not met, one message each; answers and messages never used.
    mismatches: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    steps: int = 0
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.mismatches

    def marks(self) -> dict[str, list[str]]:
        """What the main diagram shows: the path, where it ended or stopped, where it failed."""
        completed = {step.holder for step in self.path}
        here = [step.holder for step in self.ends if not step.stage]
        if self.stopped_at is not None:
            here.append(self.stopped_at.holder)
        failed = [self.error_at.holder] if self.error_at is not None else []
        active = sorted(set(here) - set(failed))
        return {
            "completed": sorted(completed - set(active) - set(failed)),
            "active": active,
            "failed": failed,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "passed": self.passed,
            "path": [step.as_dict() for step in self.path],
            "ends": [step.as_dict() for step in self.ends],
            "data": self.data,
            "error": self.error,
            "error_at": self.error_at.as_dict() if self.error_at else None,
            "reason": self.reason,
            "stopped_at": self.stopped_at.as_dict() if self.stopped_at else None,
            "mismatches": self.mismatches,
            "unused": self.unused,
            "steps": self.steps,
        }


class _Failed(Exception):
    def __init__(self, message: str, at: Step | None) -> None:
        super().__init__(message)
        self.at = at


def validate_scenario(scenario: Any) -> list[str]:
    """What is wrong with the shape of one scenario, in the reader's language."""
    if not isinstance(scenario, Mapping):
        return [_("A scenario must be a JSON object.")]
    problems = []
    unknown = sorted(set(scenario) - SCENARIO_KEYS)
    if unknown:
        problems.append(_("Unknown keys: %(keys)s.") % {"keys": ", ".join(unknown)})
    name = scenario.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(_("“name” must be a non-empty text."))
    if not isinstance(scenario.get("start", {}), Mapping):
        problems.append(_("“start” must be an object of start data."))
    answers = scenario.get("answers", {})
    if not isinstance(answers, Mapping):
        problems.append(_("“answers” must be an object: task id → answer."))
    else:
        for task, answer in answers.items():
            items = answer if isinstance(answer, list) else [answer]
            if not items or not all(isinstance(item, Mapping) for item in items):
                problems.append(
                    _("The answer for %(task)s must be an object or a list of objects.")
                    % {"task": task}
                )
    messages = scenario.get("messages", [])
    if not isinstance(messages, list) or not all(
        isinstance(message, Mapping)
        and isinstance(message.get("name"), str)
        and isinstance(message.get("payload", {}), Mapping)
        for message in messages
    ):
        problems.append(_("“messages” must be a list of {“name”: …, “payload”: {…}}."))
    timers = scenario.get("timers", [])
    if timers != "all" and not (
        isinstance(timers, list) and all(isinstance(timer, str) for timer in timers)
    ):
        problems.append(_("“timers” must be “all” or a list of timer event ids."))
    expect = scenario.get("expect", {})
    if not isinstance(expect, Mapping):
        problems.append(_("“expect” must be an object."))
    else:
        unknown = sorted(set(expect) - EXPECT_KEYS)
        if unknown:
            problems.append(_("Unknown keys in “expect”: %(keys)s.") % {"keys": ", ".join(unknown)})
        if expect.get("status", COMPLETED) not in (COMPLETED, STOPPED, FAILED):
            problems.append(_("“expect.status” must be completed, stopped or failed."))
        for key in ("path_includes", "path_excludes"):
            value = expect.get(key, [])
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                problems.append(_("“expect.%(key)s” must be a list of element ids.") % {"key": key})
        if not isinstance(expect.get("data", {}), Mapping):
            problems.append(_("“expect.data” must be an object."))
    return problems


def run_scenarios(
    sources: Mapping[str, str],
    main: str,
    scenarios: Sequence[Mapping[str, Any]],
    *,
    total_seconds: float = RUN_ALL_SECONDS,
) -> list[ScenarioResult]:
    """Run each scenario in turn; all together take at most `total_seconds`."""
    deadline = time.monotonic() + total_seconds
    results = []
    for scenario in scenarios:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            name = str(scenario.get("name", "")) if isinstance(scenario, Mapping) else ""
            message = _("Not run: the runs before it took the %(seconds)g s all runs may take.")
            result = ScenarioResult(name, FAILED, error=message % {"seconds": total_seconds})
            results.append(_checked(result, scenario, ran=False))
            continue
        seconds = min(SCENARIO_SECONDS, remaining)
        results.append(run_scenario(sources, main, scenario, seconds=seconds))
    return results


def run_scenario(
    sources: Mapping[str, str],
    main: str,
    scenario: Mapping[str, Any],
    *,
    max_steps: int = MAX_SCENARIO_STEPS,
    seconds: float = SCENARIO_SECONDS,
) -> ScenarioResult:
    name = str(scenario.get("name", "")) if isinstance(scenario, Mapping) else ""
    problems = validate_scenario(scenario)
    if problems:
        return _checked(ScenarioResult(name, FAILED, error=" ".join(problems)), scenario, ran=False)
    try:
        bundle = _parsed_bundle(sources, main)
    except DeploymentError as exc:
        message = _("The process cannot be parsed: %(problems)s") % {
            "problems": "; ".join(exc.problems[:5])
        }
        # The first problem that names an element is shown there on the diagram.
        at = next(
            (Step(problem.element, problem.name) for problem in exc.details if problem.element),
            None,
        )
        result = ScenarioResult(name, FAILED, error=message, error_at=at)
        return _checked(result, scenario, ran=False)
    run = _Run(bundle.sha256, main, bundle.spec, sources, scenario, max_steps, seconds)
    result = run.result()
    return _checked(result, scenario, ran=True, final=run.final_data)


_SPECS: dict[tuple[str, str], Specs] = {}


def _specs(sha256: str, main: str, stored: dict[str, Any]) -> Specs:
    """Spec objects are never changed by a run, so each bundle's are restored once."""
    key = (main, sha256)
    if key not in _SPECS:
        if len(_SPECS) >= 64:
            _SPECS.clear()
        _SPECS[key] = restore_specs(stored)
    return _SPECS[key]


class _Run:
    def __init__(
        self,
        sha256: str,
        main: str,
        stored_spec: dict[str, Any],
        sources: Mapping[str, str],
        scenario: Mapping[str, Any],
        max_steps: int,
        seconds: float,
    ) -> None:
        self.sources = sources
        self.scenario = scenario
        self.name = str(scenario.get("name", ""))
        self.start_data = dict(scenario.get("start", {}))
        self.answers: dict[str, list[dict[str, Any]] | dict[str, Any]] = {
            key: ([dict(item) for item in value] if isinstance(value, list) else dict(value))
            for key, value in scenario.get("answers", {}).items()
        }
        self.asked: set[str] = set()
        self.messages = [
            (str(message["name"]), dict(message.get("payload", {})))
            for message in scenario.get("messages", [])
        ]
        timers = scenario.get("timers", [])
        self.all_timers = timers == "all"
        self.timers = set() if self.all_timers else set(timers)
        self.max_steps = max_steps
        self.deadline = time.monotonic() + seconds
        self.seconds = seconds
        self.steps = 0
        self.dated: set[Any] = set()
        self.final_data: dict[str, Any] = {}
        spec, subprocess_specs = _specs(sha256, main, stored_spec)
        self.workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine())

    # ------------------------------------------------------------ driving

    def result(self) -> ScenarioResult:
        started = time.monotonic()
        result = ScenarioResult(self.name, COMPLETED)
        try:
            self._start()
            while not self.workflow.completed:
                if not self._move():
                    result.status = STOPPED
                    result.reason, result.stopped_at = self._why_stopped()
                    break
        except _Failed as exc:
            result.status = FAILED
            result.error, result.error_at = str(exc), exc.at
        except Exception as exc:
            result.status = FAILED
            result.error = _("The run stopped with an unexpected error: %(error)s") % {
                "error": _shown(str(exc) or type(exc).__name__)
            }
        result.path = self._path()
        result.ends = [step for step in result.path if step.element in self._end_ids]
        result.data = self._changed_data()
        result.unused = self._unused()
        result.steps = self.steps
        result.seconds = round(time.monotonic() - started, 3)
        self.final_data = _safe_latest(self.workflow)
        return result

    def _start(self) -> None:
        self.workflow.data.update(self.start_data)
        for task in self.workflow.get_tasks(state=TaskState.READY):
            task.data.update(self.start_data)
        self._engine_steps()

    def _move(self) -> bool:
        """Take one step a person or the world would take; False when none is left."""
        self._tick()
        for task in self._ready_user_tasks():
            answer = self._answer_for(task)
            if answer is not None:
                self._complete(task, answer)
                return True
        if self.messages:
            name, payload = self.messages[0]
            if name in _waiting_message_names(self.workflow):
                self.messages.pop(0)
                self._guarded(
                    None,
                    lambda: self.workflow.send_event(
                        BpmnEvent(MessageEventDefinition(name), payload)
                    ),
                )
                self._engine_steps()
                return True
        timer = next(self._allowed_timers(), None)
        if timer is not None:
            self._fire(timer)
            return True
        return False

    def _complete(self, task: SpiffTask, answer: dict[str, Any]) -> None:
        step = _step(task)
        properties = _properties(task)
        form = properties.get(FORM_SCHEMA_PROPERTY)
        if form:
            try:
                validate_submission(form_schema(self.sources, form), answer)
            except FormInvalid as exc:
                raise _Failed(
                    _("The answer for %(step)s does not fit its form: %(errors)s")
                    % {"step": step.title, "errors": _form_errors(exc)},
                    step,
                ) from exc
            except (KeyError, ValueError) as exc:
                raise _Failed(
                    _("The form %(form)s of %(step)s cannot be read.")
                    % {"form": form, "step": step.title},
                    step,
                ) from exc
        condition = properties.get(EVIDENCE_WHEN_PROPERTY)
        if condition:
            # The evidence itself is taken as on file; the condition must still evaluate.
            self._guarded(task, lambda: evaluate_standalone(condition, {**task.data, **answer}))
        task.data.update(answer)
        self._count(task)
        self._guarded(task, task.run)
        self._engine_steps()

    def _fire(self, task: SpiffTask) -> None:
        self._count(task)
        task._set_internal_data(event_fired=True)
        self._guarded(task, lambda: task.task_spec._update(task))
        self._engine_steps()

    def _engine_steps(self) -> None:
        count = 0

        def counted(task: SpiffTask) -> None:
            nonlocal count
            count += 1
            if count > MAX_ENGINE_STEPS:
                raise _Failed(
                    _("The process ran more than %(steps)d steps in one go and was stopped.")
                    % {"steps": MAX_ENGINE_STEPS},
                    _step(task),
                )
            self._count(task)

        self._guarded(None, lambda: self.workflow.do_engine_steps(will_complete_task=counted))
        self._check_due_dates()

    def _count(self, task: SpiffTask | None) -> None:
        self.steps += 1
        if self.steps > self.max_steps:
            raise _Failed(
                _("The scenario ran more than %(steps)d steps and was stopped.")
                % {"steps": self.max_steps},
                _step(task) if task is not None else None,
            )
        self._tick(task)

    def _tick(self, task: SpiffTask | None = None) -> None:
        if time.monotonic() > self.deadline:
            raise _Failed(
                _("The scenario did not finish within %(seconds)g s and was stopped.")
                % {"seconds": self.seconds},
                _step(task) if task is not None else None,
            )

    def _guarded(self, task: SpiffTask | None, call: Any) -> Any:
        """Run a library call; a failure names the element it happened at, as the runtime's."""
        try:
            return call()
        except _Failed:
            raise
        except Exception as exc:
            where = getattr(exc, "task", None) or task
            step = _step(where) if where is not None else None
            title = step.title if step is not None else "?"
            raise _Failed(
                _("The process could not continue at %(step)s: %(error)s")
                % {"step": title, "error": _shown(str(exc) or type(exc).__name__)},
                step,
            ) from exc

    def _check_due_dates(self) -> None:
        """Due dates are computed as the runtime's projections would: a broken expression
        fails here, at its element, rather than in front of the first approver."""
        live = TaskState.READY | TaskState.WAITING
        for task in self.workflow.get_tasks(state=live):
            if task.id in self.dated:
                continue
            if task.state == TaskState.READY and isinstance(task.task_spec, UserTaskMixin):
                expression = _properties(task).get(DUE_PROPERTY)
            elif task.state == TaskState.WAITING and _message_names(task):
                expression = _wait_properties(task).get(DUE_PROPERTY)
            else:
                continue
            self.dated.add(task.id)
            if expression:
                try:
                    _due_date(expression, task)
                except Exception as exc:
                    step = _step(task)
                    raise _Failed(
                        _("The due date of %(step)s cannot be computed: %(error)s")
                        % {"step": step.title, "error": _shown(str(exc) or type(exc).__name__)},
                        step,
                    ) from exc

    # ------------------------------------------------------------ what is waiting

    def _ready_user_tasks(self) -> list[SpiffTask]:
        return [
            task
            for task in self.workflow.get_tasks(state=TaskState.READY)
            if isinstance(task.task_spec, UserTaskMixin)
        ]

    def _answer_for(self, task: SpiffTask) -> dict[str, Any] | None:
        step = _step(task)
        for key in (step.qualified, step.element):
            if key not in self.answers:
                continue
            self.asked.add(key)
            answer = self.answers[key]
            if isinstance(answer, list):
                return answer.pop(0) if answer else None
            return dict(answer)
        return None

    def _allowed_timers(self) -> Any:
        for task in self.workflow.get_tasks(state=TaskState.WAITING):
            ids = _timer_ids(task)
            if not ids:
                continue
            if self.all_timers or any(
                timer.element in self.timers or timer.qualified in self.timers for timer in ids
            ):
                yield task

    def _why_stopped(self) -> tuple[str, Step | None]:
        for task in self.workflow.get_tasks(state=TaskState.READY):
            if isinstance(task.task_spec, UserTaskMixin):
                step = _step(task)
                return _("%(step)s has no answer (left) in the scenario.") % {
                    "step": step.title
                }, step
            if task.task_spec.manual:
                step = _step(task)
                return _("No one can complete %(step)s.") % {"step": step.title}, step
        for task in self.workflow.get_tasks(state=TaskState.WAITING):
            names = _message_names(task)
            if names:
                step = _step(task)
                return _("%(step)s waits for the message %(names)s.") % {
                    "step": step.title,
                    "names": ", ".join(names),
                }, step
            timers = _timer_ids(task)
            if timers:
                step = timers[0]
                return _("%(step)s waits for a timer the scenario does not fire.") % {
                    "step": step.title
                }, step
        return _("Nothing in the process can move."), None

    # ------------------------------------------------------------ the result

    @property
    def _end_ids(self) -> set[str]:
        return {
            task.task_spec.bpmn_id
            for task in self.workflow.get_tasks(state=TaskState.COMPLETED)
            if isinstance(task.task_spec, EndEvent)
        }

    def _path(self) -> list[Step]:
        done = [
            (index, task)
            for index, task in enumerate(self.workflow.get_tasks(state=TaskState.COMPLETED))
            if getattr(task.task_spec, "bpmn_id", None)
        ]
        done.sort(key=lambda pair: (pair[1].last_state_change, pair[0]))
        return [_step(task) for _index, task in done]

    def _changed_data(self) -> dict[str, Any]:
        latest = _safe_latest(self.workflow)
        return {
            key: _trimmed(value)
            for key, value in sorted(latest.items())
            if key not in self.start_data or self.start_data[key] != value
        }

    def _unused(self) -> list[str]:
        unused = [
            _("answer for %(task)s") % {"task": key}
            for key, value in self.answers.items()
            if key not in self.asked or (isinstance(value, list) and value)
        ]
        unused += [_("message %(name)s") % {"name": name} for name, _payload in self.messages]
        return unused


def _safe_latest(workflow: BpmnWorkflow) -> dict[str, Any]:
    try:
        return _latest_data(workflow)
    except Exception:
        return dict(workflow.data)


def _checked(
    result: ScenarioResult,
    scenario: Any,
    *,
    ran: bool,
    final: Mapping[str, Any] | None = None,
) -> ScenarioResult:
    """Compare the result with the scenario's `expect` (by default: the process completes)."""
    expect = scenario.get("expect", {}) if isinstance(scenario, Mapping) else {}
    if not isinstance(expect, Mapping):
        expect = {}
    if not ran:
        result.mismatches.append(result.error)
        return result
    wanted = expect.get("status", COMPLETED)
    if result.status != wanted:
        # The error or the reason it stopped is on the result beside this.
        result.mismatches.append(
            _("Expected the run to be %(wanted)s, it was %(status)s.")
            % {"wanted": _status_label(wanted), "status": _status_label(result.status)}
        )
    end = expect.get("end")
    if end and not any(end in (step.element, step.qualified) for step in _main_ends(result)):
        reached = ", ".join(step.qualified for step in _main_ends(result)) or _("none")
        result.mismatches.append(
            _("Expected to end at %(end)s; ends reached: %(reached)s.")
            % {"end": end, "reached": reached}
        )
    stopped = expect.get("stopped_at")
    if stopped and (
        result.stopped_at is None
        or stopped not in (result.stopped_at.element, result.stopped_at.qualified)
    ):
        at = result.stopped_at.qualified if result.stopped_at else _("none")
        result.mismatches.append(
            _("Expected to stop at %(step)s; stopped at: %(at)s.") % {"step": stopped, "at": at}
        )
    passed = {key for step in result.path for key in (step.element, step.qualified)}
    missing = [item for item in expect.get("path_includes", []) if item not in passed]
    if missing:
        result.mismatches.append(
            _("The path did not pass %(elements)s.") % {"elements": ", ".join(missing)}
        )
    crossed = [item for item in expect.get("path_excludes", []) if item in passed]
    if crossed:
        result.mismatches.append(
            _("The path passed %(elements)s, which it should not.")
            % {"elements": ", ".join(crossed)}
        )
    data = expect.get("data", {})
    if data:
        final = final if final is not None else result.data
        for key, value in data.items():
            if final.get(key) != value:
                result.mismatches.append(
                    _("Expected %(key)s to be %(value)s, it is %(actual)s.")
                    % {
                        "key": key,
                        "value": _shown(json.dumps(value, ensure_ascii=False, default=str)),
                        "actual": _shown(
                            json.dumps(final.get(key), ensure_ascii=False, default=str)
                        ),
                    }
                )
    return result


def _main_ends(result: ScenarioResult) -> list[Step]:
    return [step for step in result.ends if not step.stage]


def _status_label(status: str) -> str:
    labels = {COMPLETED: _("completed"), STOPPED: _("stopped"), FAILED: _("failed")}
    return str(labels.get(status, status))


def _step(task: SpiffTask) -> Step:
    spec = task.task_spec
    stage, stage_name = _stage(task)
    return Step(
        element=str(getattr(spec, "bpmn_id", None) or spec.name),
        name=str(getattr(spec, "bpmn_name", None) or ""),
        stage=stage,
        stage_name=stage_name,
    )


def _stage(task: SpiffTask) -> tuple[str, str]:
    """The ids of the call activities (outermost first) a task runs inside, and the name of
    the innermost."""
    chain: list[str] = []
    name = ""
    workflow = task.workflow
    top = workflow.top_workflow if hasattr(workflow, "top_workflow") else workflow
    seen = 0
    while workflow is not top and getattr(workflow, "parent_task_id", None) and seen < 50:
        holder = top.get_task_from_id(workflow.parent_task_id)
        if holder is None:
            break
        spec = holder.task_spec
        chain.append(str(getattr(spec, "bpmn_id", None) or spec.name))
        name = name or str(getattr(spec, "bpmn_name", None) or "")
        workflow = holder.workflow
        seen += 1
    return "/".join(reversed(chain)), name


def _properties(task: SpiffTask) -> dict[str, str]:
    properties: dict[str, str] = (task.task_spec.extensions or {}).get("properties", {})
    return properties


def _timer_ids(task: SpiffTask) -> list[Step]:
    """The timer events a waiting task fires: itself, or those after its event gateway."""
    event = getattr(task.task_spec, "event_definition", None)
    if isinstance(event, TimerEventDefinition):
        return [_step(task)]
    if isinstance(event, MultipleEventDefinition):
        stage, stage_name = _stage(task)
        return [
            Step(str(output.bpmn_id), str(output.bpmn_name or ""), stage, stage_name)
            for output in task.task_spec.outputs
            if isinstance(getattr(output, "event_definition", None), TimerEventDefinition)
        ] or (
            [_step(task)]
            if any(isinstance(item, TimerEventDefinition) for item in event.event_definitions)
            else []
        )
    return []


def _form_errors(exc: FormInvalid) -> str:
    return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in exc.errors.items())


def _shown(text: str) -> str:
    return text if len(text) <= MAX_SHOWN_VALUE else text[: MAX_SHOWN_VALUE - 1] + "…"


def _trimmed(value: Any) -> Any:
    """A value as the result shows it: plain JSON, long ones cut to a short text."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        return _shown(repr(value))
    if len(text) <= MAX_SHOWN_VALUE:
        return json.loads(text)
    return _shown(text)
