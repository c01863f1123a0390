"""Parse and validate a deployment bundle: one main BPMN file plus the BPMN, DMN and form
files it uses. Everything here is untrusted input from policy staff: XML is parsed with
entities and network access off, every script is compiled in the sandbox, and every user
task must name a known role and a valid form before anything is stored.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask as UserTaskMixin
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine import registry
from engine.scripting import ScriptRejected, check_sources, compile_expression
from engine.serialization import dump_spec

MAX_SOURCE_BYTES = 2 * 1024 * 1024
# A DMN input cell longer than this is refused: SpiffWorkflow rewrites each "?" with a regular
# expression whose time grows much faster than the cell (16,000 "?" take half a minute).
MAX_DMN_CELL_CHARS = 500
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
FORM_SCHEMA_PROPERTY = "formJsonSchemaFilename"
FORM_UI_PROPERTY = "formUiSchemaFilename"
DUE_PROPERTY = "dueDate"
EXCLUDE_PROPERTY = "excludeActorsOf"
EVIDENCE_PROPERTY = "evidenceRequired"
# On a message catch event (or the event gateway before it): the role whose record it awaits.
WAIT_ROLE_PROPERTY = "waitRole"
# A condition on the submitted data (e.g. "acceptance_decision == 'complete'"): when it holds,
# the engine refuses to complete the step while a kind named by evidenceRequired is missing.
# Without it, evidenceRequired is a checklist shown to staff, not enforced.
EVIDENCE_WHEN_PROPERTY = "evidenceRequiredWhen"


class DeploymentError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class UserTaskInfo:
    title: str
    lane: str
    form: str
    ui_form: str | None
    due: str | None
    exclude_actors_of: list[str] = field(default_factory=list)
    evidence_required: list[str] = field(default_factory=list)
    evidence_when: str | None = None


def evidence_kinds(properties: Mapping[str, str]) -> list[str]:
    raw = properties.get(EVIDENCE_PROPERTY, "")
    return [kind.strip() for kind in raw.split(",") if kind.strip()]


@dataclass
class Bundle:
    key: str
    name: str
    sources: dict[str, str]
    sha256: str
    spec: dict[str, Any]
    user_tasks: dict[str, UserTaskInfo]


def _safe_xml(path: str, text: str) -> Any:
    if len(text.encode()) > MAX_SOURCE_BYTES:
        raise DeploymentError([f"{path}: larger than {MAX_SOURCE_BYTES // 1024} KiB"])
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
    )
    try:
        root = etree.fromstring(text.encode(), parser=parser)
    except etree.XMLSyntaxError as exc:
        raise DeploymentError([f"{path}: not well-formed XML ({exc})"]) from exc
    if root.getroottree().docinfo.doctype:
        raise DeploymentError([f"{path}: DOCTYPE declarations are not allowed"])
    return root


def sources_sha256(sources: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    for path in sorted(sources):
        digest.update(path.encode() + b"\0" + sources[path].encode() + b"\0")
    return digest.hexdigest()


def load_bundle(sources: Mapping[str, str], main: str) -> Bundle:
    if main not in sources:
        raise DeploymentError([f"{main}: missing from the bundle"])
    parser = SpiffBpmnParser(validator=BpmnValidator())
    main_root = None
    for path, text in sorted(sources.items()):
        if path.endswith(".bpmn"):
            root = _safe_xml(path, text)
            if root.tag != f"{{{BPMN_NS}}}definitions":
                raise DeploymentError([f"{path}: not a BPMN 2.0 document"])
            _add(parser.add_bpmn_xml, root, path)
            if path == main:
                main_root = root
        elif path.endswith(".dmn"):
            _add(parser.add_dmn_xml, _safe_xml(path, text), path)
    if main_root is None:
        raise DeploymentError([f"{main}: not a BPMN file"])
    key, name = _main_process(main_root, main)
    try:
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except (ValidationException, SpiffWorkflowException, KeyError, ValueError) as exc:
        raise DeploymentError([f"{main}: {exc}"]) from exc
    all_specs = [spec, *subprocess_specs.values()]
    problems = check_sources(_scripts(all_specs))
    problems += _check_timers(all_specs)
    problems += _check_decision_tables(all_specs)
    user_tasks, task_problems = _user_tasks(all_specs, sources)
    problems += task_problems
    problems += _check_wait_roles(all_specs)
    if problems:
        raise DeploymentError(problems)
    stored_spec = dump_spec(BpmnWorkflow(spec, subprocess_specs))
    return Bundle(key, name, dict(sources), sources_sha256(sources), stored_spec, user_tasks)


def _add(add: Any, root: Any, path: str) -> None:
    try:
        add(root, filename=path)
    except (ValidationException, SpiffWorkflowException, ValueError, KeyError) as exc:
        raise DeploymentError([f"{path}: {exc}"]) from exc


def _main_process(root: Any, path: str) -> tuple[str, str]:
    processes = root.findall(f"{{{BPMN_NS}}}process")
    executable = [p for p in processes if p.get("isExecutable") == "true"] or processes
    if not executable:
        raise DeploymentError([f"{path}: defines no process"])
    process = executable[0]
    return process.get("id"), process.get("name") or process.get("id")


def _all_task_specs(specs: list[Any]) -> Iterator[Any]:
    for spec in specs:
        yield from spec.task_specs.values()


def _scripts(specs: list[Any]) -> Iterator[tuple[str, str, str]]:
    for task_spec in _all_task_specs(specs):
        where = _where(task_spec)
        for attribute in ("script", "prescript", "postscript"):
            source = getattr(task_spec, attribute, None)
            if source:
                yield where, "exec", source
        for condition, _target in getattr(task_spec, "cond_task_specs", []):
            if condition is not None:
                yield where, "eval", condition.args[0]
        for attribute in ("cardinality", "condition", "data_input_expression"):
            source = getattr(task_spec, attribute, None)
            if isinstance(source, str) and source:
                yield where, "eval", source
        event = getattr(task_spec, "event_definition", None)
        expression = getattr(event, "expression", None)
        if isinstance(expression, str) and expression:
            yield where, "eval", expression
        for name in (DUE_PROPERTY, EVIDENCE_WHEN_PROPERTY):
            expression = _properties(task_spec).get(name)
            if expression:
                yield where, "eval", expression


def _where(task_spec: Any) -> str:
    name = getattr(task_spec, "bpmn_name", None)
    return f"{name} ({task_spec.name})" if name else str(task_spec.name)


def _properties(task_spec: Any) -> dict[str, str]:
    extensions = getattr(task_spec, "extensions", None) or {}
    properties: dict[str, str] = extensions.get("properties", {})
    return properties


def _check_decision_tables(specs: list[Any]) -> list[str]:
    """Compile every cell of every DMN table a business rule task uses, as the engine will."""
    problems = []
    for task_spec in _all_task_specs(specs):
        engine = getattr(task_spec, "dmnEngine", None)
        table = getattr(engine, "decision_table", None)
        if table is None:
            continue
        where = f"{_where(task_spec)} / {getattr(table, 'name', None) or table.id}"
        for rule in table.rules:
            for entry in rule.inputEntries:
                for lhs in (cell for cell in entry.lhs if cell and cell.strip() not in ("", "-")):
                    problems += _check_cell(where, entry.input.expression or "", lhs)
            for output in rule.outputEntries:
                if output.text and output.text.strip():
                    problems += check_sources([(where, "eval", output.text)])
    return problems


def _check_cell(where: str, expression: str, cell: str) -> list[str]:
    """A cell is compared with ==, or is an expression's tail ("> 80"), or uses "?" for the
    input ("80 <= ? <= 89") — the three forms SpiffWorkflow's DMN engine evaluates."""
    problems = check_sources([(where, "eval", expression)]) if expression else []
    if len(cell) > MAX_DMN_CELL_CHARS:
        message = _(
            "a decision table cell may hold at most %(limit)d characters, this one has %(size)d"
        )
        return [
            *problems,
            f"{where}: " + message % {"limit": MAX_DMN_CELL_CHARS, "size": len(cell)},
        ]
    if "?" in cell:
        attempts = [re.sub(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)", "dmninputexpr", cell)]
    else:
        attempts = [f"({expression}) == ({cell})", f"{expression} {cell}"]
    results = [check_sources([(where, "eval", attempt)]) for attempt in attempts]
    if all(results):
        problems += results[0]
    return problems


def _constant_string(expression: str) -> str | None:
    try:
        code = compile_expression(expression)
    except ScriptRejected:
        return None
    constants = code.co_consts
    if len(code.co_names) == 0 and len(constants) >= 1 and isinstance(constants[0], str):
        return str(constants[0])
    return None


def _check_timers(specs: list[Any]) -> list[str]:
    problems = []
    for task_spec in _all_task_specs(specs):
        event = getattr(task_spec, "event_definition", None)
        if not isinstance(event, TimerEventDefinition):
            continue
        where = _where(task_spec)
        if not event.expression or not event.expression.strip():
            problems.append(f"{where}: the timer has no expression")
            continue
        literal = _constant_string(event.expression)
        if literal is None:
            continue  # computed at run time, compiled above
        try:
            if isinstance(event, DurationTimerEventDefinition):
                TimerEventDefinition.parse_iso_duration(literal)
            elif isinstance(event, TimeDateEventDefinition):
                TimerEventDefinition.parse_time_or_duration(literal)
            elif isinstance(event, CycleTimerEventDefinition):
                TimerEventDefinition.parse_iso_recurring_interval(literal)
        except Exception:  # the library raises bare Exception and ValueError alike
            problems.append(
                f"{where}: the timer expression {literal!r} is not a valid ISO 8601 value"
            )
    return problems


def _user_tasks(
    specs: list[Any], sources: Mapping[str, str]
) -> tuple[dict[str, UserTaskInfo], list[str]]:
    roles = registry.known_roles()
    tasks: dict[str, UserTaskInfo] = {}
    problems: list[str] = []
    for task_spec in _all_task_specs(specs):
        if not isinstance(task_spec, UserTaskMixin):
            continue
        where = _where(task_spec)
        properties = _properties(task_spec)
        if not task_spec.lane:
            problems.append(
                f"{where}: the user task lies in no lane (a lane names the role that acts)"
            )
        elif task_spec.lane not in roles:
            problems.append(f"{where}: the lane {task_spec.lane!r} is not a known role")
        form = properties.get(FORM_SCHEMA_PROPERTY)
        if not form:
            problems.append(f"{where}: names no form ({FORM_SCHEMA_PROPERTY})")
        else:
            problems += _check_form(where, form, sources)
        ui_form = properties.get(FORM_UI_PROPERTY)
        if ui_form and _form_path(ui_form) not in sources:
            problems.append(f"{where}: the UI schema file {ui_form} is missing")
        exclude = [
            name.strip() for name in properties.get(EXCLUDE_PROPERTY, "").split(",") if name.strip()
        ]
        problems += _check_evidence(where, properties)
        tasks[task_spec.name] = UserTaskInfo(
            title=task_spec.bpmn_name or task_spec.name,
            lane=task_spec.lane or "",
            form=form or "",
            ui_form=ui_form,
            due=properties.get(DUE_PROPERTY),
            exclude_actors_of=exclude,
            evidence_required=evidence_kinds(properties),
            evidence_when=properties.get(EVIDENCE_WHEN_PROPERTY),
        )
    for name, info in tasks.items():
        for other in info.exclude_actors_of:
            if other not in tasks:
                problems.append(
                    f"{name}: {EXCLUDE_PROPERTY} names {other!r}, which is not a user task"
                )
    return tasks, problems


def _check_wait_roles(specs: list[Any]) -> list[str]:
    roles = registry.known_roles()
    return [
        f"{_where(task_spec)}: {WAIT_ROLE_PROPERTY} {role!r} is not a known role"
        for task_spec in _all_task_specs(specs)
        if (role := _properties(task_spec).get(WAIT_ROLE_PROPERTY)) and role not in roles
    ]


def _check_evidence(where: str, properties: Mapping[str, str]) -> list[str]:
    known = registry.evidence_kinds()
    required = evidence_kinds(properties)
    problems = [
        f"{where}: {EVIDENCE_PROPERTY} names {kind!r}, which is not a known kind of evidence"
        for kind in required
        if known and kind not in known
    ]
    if properties.get(EVIDENCE_WHEN_PROPERTY) and not required:
        problems.append(
            f"{where}: {EVIDENCE_WHEN_PROPERTY} is set but {EVIDENCE_PROPERTY} is empty"
        )
    return problems


def _form_path(filename: str) -> str:
    return f"forms/{filename}"


def _check_form(where: str, filename: str, sources: Mapping[str, str]) -> list[str]:
    text = sources.get(_form_path(filename))
    if text is None:
        return [f"{where}: the form file {filename} is missing"]
    try:
        schema = json.loads(text)
        Draft202012Validator.check_schema(schema)
    except (json.JSONDecodeError, SchemaError) as exc:
        return [f"{where}: the form {filename} is not a valid JSON Schema ({str(exc)[:200]})"]
    return []


def form_schema(sources: Mapping[str, str], filename: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(sources[_form_path(filename)])
    return schema
