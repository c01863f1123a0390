"""Parse and validate a deployment bundle: one main BPMN file plus the BPMN, DMN and form
files it uses. Everything here is untrusted input from policy staff: XML is parsed with
entities and network access off, every script is compiled in the sandbox, and every user
task must name a known role and a valid form before anything is stored.
"""

from __future__ import annotations

import ast
import hashlib
import json
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask as UserTaskMixin
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine import registry
from engine.checks import (
    DeploymentError,
    Locator,
    Problem,
    check_structure,
    library_problem,
)
from engine.scripting import ScriptRejected, check_sources, compile_expression, global_names
from engine.serialization import dump_spec
from engine.variables import (
    DUE_PROPERTY,
    EVIDENCE_WHEN_PROPERTY,
    FORM_SCHEMA_PROPERTY,
    check_variables,
)

logger = logging.getLogger(__name__)

MAX_SOURCE_BYTES = 2 * 1024 * 1024
# A DMN input cell longer than this is refused: SpiffWorkflow rewrites each "?" with a regular
# expression whose time grows much faster than the cell (16,000 "?" take half a minute).
MAX_DMN_CELL_CHARS = 500
# The library's DMN 1.2 schema does not compile (it refers to a DMNDI it does not ship), so
# every DMN 1.2 file failed; those tables are read unvalidated, and every cell is still
# compiled by `_check_decision_tables`.
DMN_SCHEMAS = {
    namespace: path
    for namespace, path in SCHEMAS.items()
    if namespace != "http://www.omg.org/spec/DMN/20180521/MODEL/"
}
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
FORM_UI_PROPERTY = "formUiSchemaFilename"
EXCLUDE_PROPERTY = "excludeActorsOf"
EVIDENCE_PROPERTY = "evidenceRequired"
# On a message catch event (or the event gateway before it): the role whose record it awaits.
WAIT_ROLE_PROPERTY = "waitRole"


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
    data = text.encode("utf-8", errors="surrogatepass")
    if len(data) > MAX_SOURCE_BYTES:
        raise DeploymentError(
            [
                Problem(
                    path,
                    _("the file is larger than %(limit)s KiB")
                    % {"limit": MAX_SOURCE_BYTES // 1024},
                )
            ]
        )
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        # The text is already decoded: an encoding the declaration claims (GBK, UTF-16) is moot.
        encoding="utf-8",
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise DeploymentError(
            [
                Problem(
                    path,
                    _("not well-formed XML (%(error)s)") % {"error": exc.msg},
                    line=exc.lineno,
                )
            ]
        ) from exc
    if root.getroottree().docinfo.doctype:
        raise DeploymentError([Problem(path, _("DOCTYPE declarations are not allowed"))])
    return root


def sources_sha256(sources: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    for path in sorted(sources):
        digest.update(path.encode() + b"\0" + sources[path].encode() + b"\0")
    return digest.hexdigest()


def check_bundle(sources: Mapping[str, str], main: str) -> list[Problem]:
    """The deploy checks on a draft, storing nothing and raising nothing: every problem
    (file, element id and name, line, message in the active language), or [] when the
    bundle would deploy. Checks run in stages (the XML, the library's parse, then scripts,
    forms and variables), so a draft broken at one stage shows that stage's problems."""
    try:
        load_bundle(sources, main)
    except DeploymentError as error:
        return list(error.details)
    except Exception as error:  # an engine crash refuses the draft instead of breaking a page
        logger.exception("deploy checks crashed on %s", main)
        detail = f"{type(error).__name__}: {error}"[:300]
        return [Problem(main, _("the checks could not run (%(error)s)") % {"error": detail})]
    return []


def load_bundle(sources: Mapping[str, str], main: str) -> Bundle:
    try:
        return _load_bundle(sources, main)
    except RecursionError as exc:
        raise DeploymentError(
            [Problem(main, _("the diagram is nested or chained too deeply for the engine"))]
        ) from exc


def _load_bundle(sources: Mapping[str, str], main: str) -> Bundle:
    if main not in sources:
        raise DeploymentError([Problem(main, _("missing from the bundle"))])
    locator = Locator()
    bpmn_roots: dict[str, Any] = {}
    dmn_roots: dict[str, Any] = {}
    for path, text in sorted(sources.items()):
        if path.endswith(".bpmn"):
            root = _safe_xml(path, text)
            if root.tag != f"{{{BPMN_NS}}}definitions":
                raise DeploymentError([Problem(path, _("not a BPMN 2.0 document"))])
            bpmn_roots[path] = root
        elif path.endswith(".dmn"):
            dmn_roots[path] = _safe_xml(path, text)
    if main not in bpmn_roots:
        raise DeploymentError([Problem(main, _("not a BPMN file"))])
    for path, root in [*bpmn_roots.items(), *dmn_roots.items()]:
        locator.add(path, root)
    key, name = _main_process(bpmn_roots[main], main)
    structure = check_structure(bpmn_roots, key)
    if structure:
        raise DeploymentError(structure)
    spec, subprocess_specs = _parse(bpmn_roots, dmn_roots, key, main, locator)
    all_specs = [spec, *subprocess_specs.values()]
    problems = _check_scripts(all_specs, locator)
    problems += _check_timers(all_specs, locator)
    problems += _check_decision_tables(all_specs, locator)
    user_tasks, task_problems = _user_tasks(all_specs, sources, locator)
    problems += task_problems
    problems += _check_wait_roles(all_specs, locator)
    problems += check_variables(spec, subprocess_specs, sources, locator, global_names())
    if problems:
        raise DeploymentError(problems)
    stored_spec = dump_spec(BpmnWorkflow(spec, subprocess_specs))
    return Bundle(key, name, dict(sources), sources_sha256(sources), stored_spec, user_tasks)


def _parse(
    bpmn_roots: Mapping[str, Any],
    dmn_roots: Mapping[str, Any],
    key: str,
    main: str,
    locator: Locator,
) -> tuple[Any, dict[str, Any]]:
    """The library's parse. Whatever it raises on untrusted XML — its own exceptions with file,
    element and line, or a bare KeyError from deep inside — becomes a located refusal."""
    parser = SpiffBpmnParser(validator=BpmnValidator(), dmn_schemas=DMN_SCHEMAS)
    path = main
    try:
        for path, root in sorted(bpmn_roots.items()):
            parser.add_bpmn_xml(root, filename=path)
        for path, root in sorted(dmn_roots.items()):
            parser.add_dmn_xml(root, filename=path)
        path = main
        return parser.get_spec(key), parser.get_subprocess_specs(key)
    except RecursionError:
        raise
    except Exception as exc:
        raise DeploymentError([library_problem(exc, path, locator)]) from exc


def _main_process(root: Any, path: str) -> tuple[str, str]:
    processes = root.findall(f"{{{BPMN_NS}}}process")
    executable = [p for p in processes if p.get("isExecutable") == "true"] or processes
    if not executable:
        raise DeploymentError([Problem(path, _("defines no process"))])
    process = executable[0]
    if not process.get("id"):
        raise DeploymentError([Problem(path, _("the process has no id"), line=process.sourceline)])
    return process.get("id"), process.get("name") or process.get("id")


def _all_task_specs(specs: list[Any]) -> Iterator[Any]:
    for spec in specs:
        yield from spec.task_specs.values()


def _check_scripts(specs: list[Any], locator: Locator) -> list[Problem]:
    problems = []
    for task_spec, mode, source in _scripts(specs):
        for message in check_sources([("", mode, source)]):
            problems.append(locator.for_spec(task_spec, message.removeprefix(": ")))
    return problems


def _scripts(specs: list[Any]) -> Iterator[tuple[Any, str, str]]:
    for task_spec in _all_task_specs(specs):
        for attribute in ("script", "prescript", "postscript"):
            source = getattr(task_spec, attribute, None)
            if source:
                yield task_spec, "exec", source
        for condition, _target in getattr(task_spec, "cond_task_specs", []):
            if condition is not None:
                yield task_spec, "eval", condition.args[0]
        for attribute in ("cardinality", "condition", "data_input_expression"):
            source = getattr(task_spec, attribute, None)
            if isinstance(source, str) and source:
                yield task_spec, "eval", source
        event = getattr(task_spec, "event_definition", None)
        expression = getattr(event, "expression", None)
        if isinstance(expression, str) and expression:
            yield task_spec, "eval", expression
        for name in (DUE_PROPERTY, EVIDENCE_WHEN_PROPERTY):
            expression = _properties(task_spec).get(name)
            if expression:
                yield task_spec, "eval", expression


def _properties(task_spec: Any) -> dict[str, str]:
    extensions = getattr(task_spec, "extensions", None) or {}
    properties: dict[str, str] = extensions.get("properties", {})
    return properties


def _check_decision_tables(specs: list[Any], locator: Locator) -> list[Problem]:
    """Compile every cell of every DMN table a business rule task uses, as the engine will;
    a problem names the cell (else its rule, else the table, else the task)."""
    problems = []
    for task_spec in _all_task_specs(specs):
        engine = getattr(task_spec, "dmnEngine", None)
        table = getattr(engine, "decision_table", None)
        if table is None:
            continue
        # The problem names the cell: no need to repeat the table in the message.
        where = ""
        for rule in table.rules:
            found: list[tuple[Any, str]] = []
            for entry in rule.inputEntries:
                for lhs in (cell for cell in entry.lhs if cell and cell.strip() not in ("", "-")):
                    messages = _check_cell(where, entry.input.expression or "", lhs)
                    found += [(entry, message) for message in messages]
            for output in rule.outputEntries:
                if output.text and output.text.strip():
                    messages = check_sources([(where, "eval", output.text)])
                    found += [(output, message) for message in messages]
            for entry, text in found:
                message = text.removeprefix(": ")
                place = next(
                    (
                        element_id
                        for element_id in (getattr(entry, "id", None), rule.id, table.id)
                        if element_id in locator.places
                    ),
                    None,
                )
                problems.append(
                    locator.problem(place, message, "")
                    if place
                    else locator.for_spec(task_spec, message)
                )
    return problems


def _check_cell(where: str, expression: str, cell: str) -> list[str]:
    """Build the expression SpiffWorkflow's DMN engine will evaluate, as it does: "?" stands
    for the input ("80 <= ? <= 89"); a cell that parses alone is compared with ==; any other
    is glued to the input's end with no space ("> 80")."""
    problems = check_sources([(where, "eval", expression)]) if expression else []
    if len(cell) > MAX_DMN_CELL_CHARS:
        message = _(
            "a decision table cell may hold at most %(limit)d characters, this one has %(size)d"
        )
        return [
            *problems,
            f"{where}: " + message % {"limit": MAX_DMN_CELL_CHARS, "size": len(cell)},
        ]
    question = re.sub(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)", "dmninputexpr", cell)
    if "dmninputexpr" in question:
        return problems + check_sources([(where, "eval", question)])
    try:
        ast.parse(cell)
    except SyntaxError:
        if _word_end(expression[-1:]) and _word_end(cell.lstrip()[:1]) and cell[:1].strip():
            # "age" + "in (1, 2)" is "agein (1, 2)": a call of a name that does not exist.
            return [
                *problems,
                _(
                    "%(where)s: the cell %(cell)s runs into the input %(input)s; put a space or "
                    "brackets around the input expression"
                )
                % {"where": where, "cell": repr(cell), "input": repr(expression)},
            ]
        return problems + check_sources([(where, "eval", expression + cell)])
    return problems + check_sources([(where, "eval", f"({expression}) == ({cell})")])


def _word_end(character: str) -> bool:
    return character.isalnum() or character == "_"


def _constant_string(expression: str) -> str | None:
    try:
        code = compile_expression(expression)
    except ScriptRejected:
        return None
    constants = code.co_consts
    if len(code.co_names) == 0 and len(constants) >= 1 and isinstance(constants[0], str):
        return str(constants[0])
    return None


def _check_timers(specs: list[Any], locator: Locator) -> list[Problem]:
    problems = []
    for task_spec in _all_task_specs(specs):
        event = getattr(task_spec, "event_definition", None)
        if not isinstance(event, TimerEventDefinition):
            continue
        if not event.expression or not event.expression.strip():
            problems.append(locator.for_spec(task_spec, _("the timer has no expression")))
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
                locator.for_spec(
                    task_spec,
                    _("the timer expression %(value)s is not a valid ISO 8601 value")
                    % {"value": repr(literal)},
                )
            )
    return problems


def _user_tasks(
    specs: list[Any], sources: Mapping[str, str], locator: Locator
) -> tuple[dict[str, UserTaskInfo], list[Problem]]:
    roles = registry.known_roles()
    tasks: dict[str, UserTaskInfo] = {}
    problems: list[Problem] = []
    for task_spec in _all_task_specs(specs):
        if not isinstance(task_spec, UserTaskMixin):
            continue

        def problem(message: str, task_spec: Any = task_spec) -> Problem:
            return locator.for_spec(task_spec, message)

        properties = _properties(task_spec)
        if not task_spec.lane:
            problems.append(
                problem(_("the user task lies in no lane (a lane names the role that acts)"))
            )
        elif task_spec.lane not in roles:
            problems.append(
                problem(_("the lane %(lane)s is not a known role") % {"lane": repr(task_spec.lane)})
            )
        form = properties.get(FORM_SCHEMA_PROPERTY)
        if not form:
            problems.append(
                problem(_("names no form (%(property)s)") % {"property": FORM_SCHEMA_PROPERTY})
            )
        else:
            problems += [problem(message) for message in _check_form(form, sources)]
        ui_form = properties.get(FORM_UI_PROPERTY)
        if ui_form and _form_path(ui_form) not in sources:
            problems.append(
                problem(_("the UI schema file %(file)s is missing") % {"file": ui_form})
            )
        exclude = [
            name.strip() for name in properties.get(EXCLUDE_PROPERTY, "").split(",") if name.strip()
        ]
        problems += [problem(message) for message in _check_evidence(properties)]
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
                    locator.problem(
                        name,
                        _("%(property)s names %(other)s, which is not a user task")
                        % {"property": EXCLUDE_PROPERTY, "other": repr(other)},
                        "",
                    )
                )
    return tasks, problems


def _check_wait_roles(specs: list[Any], locator: Locator) -> list[Problem]:
    roles = registry.known_roles()
    return [
        locator.for_spec(
            task_spec,
            _("%(property)s %(role)s is not a known role")
            % {"property": WAIT_ROLE_PROPERTY, "role": repr(role)},
        )
        for task_spec in _all_task_specs(specs)
        if (role := _properties(task_spec).get(WAIT_ROLE_PROPERTY)) and role not in roles
    ]


def _check_evidence(properties: Mapping[str, str]) -> list[str]:
    known = registry.evidence_kinds()
    required = evidence_kinds(properties)
    problems = [
        _("%(property)s names %(kind)s, which is not a known kind of evidence")
        % {"property": EVIDENCE_PROPERTY, "kind": repr(kind)}
        for kind in required
        if known and kind not in known
    ]
    if properties.get(EVIDENCE_WHEN_PROPERTY) and not required:
        problems.append(
            _("%(when)s is set but %(property)s is empty")
            % {"when": EVIDENCE_WHEN_PROPERTY, "property": EVIDENCE_PROPERTY}
        )
    return problems


def _form_path(filename: str) -> str:
    return f"forms/{filename}"


def _check_form(filename: str, sources: Mapping[str, str]) -> list[str]:
    text = sources.get(_form_path(filename))
    if text is None:
        return [_("the form file %(file)s is missing") % {"file": filename}]
    try:
        schema = json.loads(text)
        Draft202012Validator.check_schema(schema)
    except (json.JSONDecodeError, SchemaError, RecursionError) as exc:
        return [
            _("the form %(file)s is not a valid JSON Schema (%(error)s)")
            % {"file": filename, "error": str(exc)[:200]}
        ]
    return []


def form_schema(sources: Mapping[str, str], filename: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(sources[_form_path(filename)])
    return schema
