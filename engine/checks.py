"""Deploy checks that read the XML itself, before SpiffWorkflow's parser sees it.

Diagrams come from any modeler. Some shapes make the library hang (a process that calls
itself, thousands of parallel branches), crash (a flow to nowhere), or start an instance
that can never move (a plain task no one can complete). These checks refuse them with a
message that names the file, the element and its line, in the reader's language.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# Stored lengths (engine.models): ProcessDefinition.key and Task/Wait/Timer.spec_name hold
# ids; ProcessDefinition.name and Task/Wait.title hold names.
MAX_ID_LENGTH = 100
MAX_NAME_LENGTH = 200
# The library's time per step grows much faster than linearly with the branches of one split.
MAX_BRANCHES = 200
# Parallel splits one after another multiply the library's work: it predicts every branch's
# path to the end, so three splits of 30 took 35 s where one of 200 took 2 s. The product
# of the fan-outs met along any path is bounded.
MAX_PATH_BRANCHES = 400
MAX_LOOP = 200
MAX_FLOW_NODES = 2000
MAX_NESTING = 10

ACTIVITIES = {
    "task",
    "userTask",
    "manualTask",
    "scriptTask",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
    "transaction",
    "adHocSubProcess",
}
EVENTS = {
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
}
GATEWAYS = {
    "exclusiveGateway",
    "inclusiveGateway",
    "parallelGateway",
    "eventBasedGateway",
    "complexGateway",
}
FLOW_NODES = ACTIVITIES | EVENTS | GATEWAYS
SPLITS = {"parallelGateway", "inclusiveGateway"}
CONTAINERS = {"process", "subProcess", "transaction", "adHocSubProcess"}
UNSUPPORTED = {
    "serviceTask",
    "sendTask",
    "complexGateway",
    "transaction",
    "adHocSubProcess",
    "dataStoreReference",
    "dataStore",
    "correlationKey",
    "correlationProperty",
    "compensateEventDefinition",
    # The library parses link events but never joins a throw to its catch: the catch waits.
    "linkEventDefinition",
}
NEVER_COMPLETED = {"task", "manualTask"}
# What modelers write in scriptFormat for Python; anything else (groovy, javascript, juel) would
# be read as Python and fail, or worse, mean something else.
PYTHON = {"", "python", "python3", "text/x-python", "application/x-python"}
CATCHES = {"intermediateCatchEvent", "boundaryEvent", "startEvent", "receiveTask"}


@dataclass(frozen=True)
class Problem:
    """One reason a bundle is refused. No element means the whole file."""

    file: str
    message: str
    element: str = ""
    name: str = ""
    line: int | None = None

    def __str__(self) -> str:
        if not self.element:
            if self.line:
                return _("%(file)s, line %(line)s: %(message)s") % self._parts()
            return _("%(file)s: %(message)s") % self._parts()
        if self.line:
            return _("%(file)s, line %(line)s, element %(element)s: %(message)s") % self._parts()
        return _("%(file)s, element %(element)s: %(message)s") % self._parts()

    def _parts(self) -> dict[str, Any]:
        element = f"“{self.name}” ({self.element})" if self.name else self.element
        return {"file": self.file, "line": self.line, "element": element, "message": self.message}


class DeploymentError(ValueError):
    """A refused bundle. `details` locate each problem (file, element, line); `problems`
    are the same, rendered in the active language for people to read."""

    def __init__(self, problems: list[Problem]) -> None:
        self.details = problems
        self.problems = [str(problem) for problem in problems]
        super().__init__("; ".join(self.problems))


def decode_source(path: str, data: bytes) -> str:
    """Text of an uploaded file; only UTF-8 (with or without a byte order mark) is read."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DeploymentError(
            [
                Problem(
                    path,
                    _(
                        "the file is not UTF-8 text (byte %(offset)s); save it as UTF-8 "
                        "in the modeler and upload it again"
                    )
                    % {"offset": exc.start},
                )
            ]
        ) from exc


class Locator:
    """Where each id of the bundle's XML is: file, line and name."""

    def __init__(self) -> None:
        self.places: dict[str, tuple[str, int | None, str]] = {}
        # The same id in several files (every stage has its "start"): the place in each.
        self.in_file: dict[tuple[str, str], tuple[int | None, str]] = {}
        self.lines: dict[str, list[tuple[int, str]]] = {}

    def add(self, path: str, root: Any) -> None:
        for element in root.iter():
            if isinstance(element.tag, str) and element.get("id"):
                place = (element.sourceline, element.get("name") or "")
                self.places.setdefault(element.get("id"), (path, *place))
                self.in_file.setdefault((path, element.get("id")), place)
                self.lines.setdefault(path, []).append((element.sourceline or 0, element.get("id")))

    def at_line(self, path: str, line: int) -> str:
        """The element a line points at (schema errors give a line, never an element): the
        one that opens on it, else the last opened before it; none when several share it."""
        on_line = [element_id for start, element_id in self.lines.get(path, []) if start == line]
        if on_line:
            return on_line[0] if len(on_line) == 1 else ""
        before = [element_id for start, element_id in self.lines.get(path, []) if start < line]
        return before[-1] if before else ""

    def problem(self, element_id: str, message: str, default_file: str) -> Problem:
        path, line, name = self.places.get(element_id, (default_file, None, ""))
        return Problem(path, message, element_id, name, line)

    def for_spec(self, task_spec: Any, message: str) -> Problem:
        element_id = getattr(task_spec, "bpmn_id", None) or str(task_spec.name)
        default_file = getattr(getattr(task_spec, "_wf_spec", None), "file", None) or ""
        if (default_file, element_id) in self.in_file:
            line, name = self.in_file[(default_file, element_id)]
            path = default_file
        else:
            path, line, name = self.places.get(element_id, (default_file, None, ""))
        name = getattr(task_spec, "bpmn_name", None) or name
        return Problem(path, message, element_id, name, line)


def library_problem(exc: BaseException, default_file: str, locator: Locator) -> Problem:
    """Keep what the library's exception knows (file, element, line) instead of dropping it."""
    detail = str(exc).strip().rstrip(".").strip() or type(exc).__name__
    message = _("the engine cannot read this: %(detail)s") % {"detail": detail[:300]}
    if "RecursionError" in detail or isinstance(exc, RecursionError):
        message = _("the diagram is nested or chained too deeply for the engine")
    element_id = str(getattr(exc, "id", "") or "")
    path = str(getattr(exc, "file_name", "") or "") or default_file
    line = getattr(exc, "line_number", None)
    task_spec = getattr(exc, "task_spec", None)
    if not element_id and task_spec is not None:
        return locator.for_spec(task_spec, message)
    if not element_id and isinstance(line, int) and line:
        element_id = locator.at_line(path, line)
    if element_id:
        found = locator.places.get(element_id)
        name = str(getattr(exc, "name", "") or "") or (found[2] if found else "")
        if not isinstance(line, int):
            line = found[1] if found else None
        return Problem(path, message, element_id, name, line)
    return Problem(path, message, line=line if isinstance(line, int) else None)


def _local(element: Any) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _bpmn(root: Any, *names: str) -> Iterator[Any]:
    for name in names:
        yield from root.iter(f"{{{BPMN_NS}}}{name}")


def check_structure(roots: Mapping[str, Any], main_process: str) -> list[Problem]:
    """Every problem the XML shows on its face, across all BPMN files of the bundle."""
    problems: list[Problem] = []
    flow_nodes = sum(
        1 for root in roots.values() for element in root.iter() if _local(element) in FLOW_NODES
    )
    for path, root in sorted(roots.items()):
        if flow_nodes > MAX_FLOW_NODES:
            problems.append(
                Problem(
                    path,
                    _("the bundle has %(count)s steps; at most %(limit)s are allowed")
                    % {"count": flow_nodes, "limit": MAX_FLOW_NODES},
                )
            )
            return problems
        problems += _check_elements(path, root, roots)
        for container in root.iter():
            if _local(container) in CONTAINERS:
                problems += _check_flows(path, container)
    problems += _check_calls(roots, main_process)
    return problems


def _at(path: str, element: Any, message: str) -> Problem:
    return Problem(
        path,
        message,
        element.get("id") or _local(element),
        element.get("name") or "",
        element.sourceline,
    )


def _check_elements(path: str, root: Any, roots: Mapping[str, Any]) -> list[Problem]:
    thrown = _thrown_references(roots)
    problems: list[Problem] = []
    for element in root.iter():
        tag = _local(element)
        if not tag or element.tag.split("}")[0].strip("{") != BPMN_NS:
            continue
        problems += _check_lengths(path, element)
        if tag in UNSUPPORTED and tag.endswith("EventDefinition"):
            problems.append(
                _at(
                    path,
                    element.getparent(),
                    _("%(kind)s is not supported by Doudi") % {"kind": tag},
                )
            )
        elif tag in UNSUPPORTED:
            problems.append(
                _at(path, element, _("%(kind)s is not supported by Doudi") % {"kind": tag})
            )
        elif tag in NEVER_COMPLETED:
            problems.append(
                _at(
                    path,
                    element,
                    _(
                        "no one can complete a %(kind)s: use a user task in a lane with a "
                        "form, or a script task"
                    )
                    % {"kind": tag},
                )
            )
        elif tag in CATCHES:
            problems += _check_catch(path, element, thrown)
        elif tag == "scriptTask" and _language(element.get("scriptFormat")) not in PYTHON:
            problems.append(
                _at(
                    path,
                    element,
                    _("the script is written in %(language)s; Doudi runs Python only")
                    % {"language": element.get("scriptFormat")},
                )
            )
        elif (
            tag == "scriptTask"
            and not "".join(
                (child.text or "") for child in element if _local(child) == "script"
            ).strip()
        ):
            problems.append(_at(path, element, _("the script task has no script")))
        elif tag == "timeCycle" and _local(element.getparent().getparent()) != "boundaryEvent":
            # The library fires such a catch once per cycle and then leaves it ready forever.
            problems.append(
                _at(
                    path,
                    element.getparent().getparent(),
                    _("a repeating timer (timeCycle) is only allowed on a boundary event"),
                )
            )
        elif tag == "multiInstanceLoopCharacteristics":
            problems += _check_multi_instance(path, element)
        elif tag == "standardLoopCharacteristics":
            problems += _check_loop(path, element)
        if tag in CONTAINERS and _depth(element) > MAX_NESTING:
            problems.append(
                _at(
                    path,
                    element,
                    _("sub-processes are nested deeper than %(limit)s levels")
                    % {"limit": MAX_NESTING},
                )
            )
    return problems


def _language(script_format: str | None) -> str:
    return (script_format or "").strip().lower()


def _depth(element: Any) -> int:
    return sum(1 for ancestor in element.iterancestors() if _local(ancestor) in CONTAINERS)


def _check_lengths(path: str, element: Any) -> list[Problem]:
    problems = []
    element_id = element.get("id") or ""
    if len(element_id) > MAX_ID_LENGTH:
        problems.append(
            Problem(
                path,
                _("the id is %(length)s characters long; at most %(limit)s are stored")
                % {"length": len(element_id), "limit": MAX_ID_LENGTH},
                element_id[:40] + "…",
                (element.get("name") or "")[:40],
                element.sourceline,
            )
        )
    name = element.get("name") or ""
    if len(name) > MAX_NAME_LENGTH:
        problems.append(
            Problem(
                path,
                _("the name is %(length)s characters long; at most %(limit)s are stored")
                % {"length": len(name), "limit": MAX_NAME_LENGTH},
                element_id[:MAX_ID_LENGTH],
                name[:40] + "…",
                element.sourceline,
            )
        )
    return problems


def _thrown_references(roots: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(kind, reference) of every signal, escalation and link some element of the bundle throws."""
    found = set()
    for root in roots.values():
        for thrower in _bpmn(root, "intermediateThrowEvent", "endEvent"):
            for definition in thrower:
                kind = _local(definition)
                found.add((kind, _reference(definition)))
    return found


def _reference(definition: Any) -> str:
    kind = _local(definition)
    if kind == "linkEventDefinition":
        return definition.get("name") or ""
    ref = {"signalEventDefinition": "signalRef", "escalationEventDefinition": "escalationRef"}
    return definition.get(ref.get(kind, "messageRef")) or ""


def _check_catch(path: str, element: Any, thrown: set[tuple[str, str]]) -> list[Problem]:
    tag = _local(element)
    definitions = [child for child in element if _local(child).endswith("EventDefinition")]
    if tag == "receiveTask":
        if not element.get("messageRef"):
            return [
                _at(path, element, _("the receive task names no message, so nothing can reach it"))
            ]
        return []
    if not definitions:
        if tag == "intermediateCatchEvent":
            return [
                _at(path, element, _("the catch event waits for nothing; nothing can move it on"))
            ]
        return []
    problems = []
    for definition in definitions:
        kind = _local(definition)
        if kind == "messageEventDefinition" and not definition.get("messageRef"):
            problems.append(_at(path, element, _("the event waits for a message it does not name")))
        elif kind == "conditionalEventDefinition":
            problems.append(
                _at(
                    path, element, _("conditional events are not supported: nothing re-checks them")
                )
            )
        elif kind in ("signalEventDefinition", "escalationEventDefinition"):
            if tag == "boundaryEvent" and kind == "escalationEventDefinition":
                continue
            if (kind, _reference(definition)) not in thrown:
                problems.append(
                    _at(
                        path,
                        element,
                        _("the event waits for a %(kind)s that nothing in the bundle sends")
                        % {"kind": kind.removesuffix("EventDefinition")},
                    )
                )
    return problems


def _check_multi_instance(path: str, element: Any) -> list[Problem]:
    activity = element.getparent()
    cardinality = element.find(f"{{{BPMN_NS}}}loopCardinality")
    data_input = element.find(f"{{{BPMN_NS}}}loopDataInputRef")
    if cardinality is None and data_input is None:
        return [
            _at(
                path,
                activity,
                _("the multi-instance activity has neither a cardinality nor an input collection"),
            )
        ]
    text = (cardinality.text or "").strip() if cardinality is not None else ""
    if text.isdigit() and int(text) > MAX_LOOP:
        return [
            _at(
                path,
                activity,
                _("the activity runs %(count)s times; at most %(limit)s are allowed")
                % {"count": text, "limit": MAX_LOOP},
            )
        ]
    return []


def _check_loop(path: str, element: Any) -> list[Problem]:
    activity = element.getparent()
    maximum = element.get("loopMaximum") or ""
    if not maximum.isdigit() or int(maximum) > MAX_LOOP:
        return [
            _at(
                path,
                activity,
                _("a loop needs a loopMaximum of at most %(limit)s") % {"limit": MAX_LOOP},
            )
        ]
    return []


def _check_flows(path: str, container: Any) -> list[Problem]:
    """Sequence flows join two steps of the same process; a start leads somewhere."""
    nodes = {child.get("id"): child for child in container if _local(child) in FLOW_NODES}
    problems = []
    outgoing: Counter[str] = Counter()
    incoming: Counter[str] = Counter()
    for flow in container:
        if _local(flow) != "sequenceFlow":
            continue
        ends = {
            "sourceRef": _(
                "the sequence flow starts at %(ref)s, which is not a step of this process"
            ),
            "targetRef": _(
                "the sequence flow leads to %(ref)s, which is not a step of this process"
            ),
        }
        for end, message in ends.items():
            ref = flow.get(end) or ""
            if ref not in nodes:
                problems.append(_at(path, flow, message % {"ref": repr(ref)}))
        outgoing[flow.get("sourceRef") or ""] += 1
        incoming[flow.get("targetRef") or ""] += 1
    if not any(_local(node) == "startEvent" for node in nodes.values()):
        problems.append(_at(path, container, _("the process has no start event")))
    for node_id, node in nodes.items():
        count = max(outgoing[node_id], incoming[node_id])
        if count > MAX_BRANCHES:
            problems.append(
                _at(
                    path,
                    node,
                    _("%(count)s branches meet here; at most %(limit)s are allowed")
                    % {"count": count, "limit": MAX_BRANCHES},
                )
            )
        if (
            _local(node) == "startEvent"
            and not outgoing[node_id]
            and _local(container) != "adHocSubProcess"
        ):
            problems.append(_at(path, node, _("the start event leads nowhere")))
    problems += _check_path_branches(path, nodes, container)
    return problems


def _check_path_branches(path: str, nodes: dict[str, Any], container: Any) -> list[Problem]:
    successors: dict[str, list[str]] = {}
    for flow in container:
        if _local(flow) == "sequenceFlow":
            successors.setdefault(flow.get("sourceRef") or "", []).append(
                flow.get("targetRef") or ""
            )
    weights: dict[str, int] = {}

    def weight(node_id: str) -> int:
        if node_id in weights:
            return weights[node_id]
        weights[node_id] = 1  # a loop back counts once
        after = successors.get(node_id, [])
        own = len(after) if _local(nodes[node_id]) in SPLITS and len(after) > 1 else 1
        weights[node_id] = own * max((weight(n) for n in after if n in nodes), default=1)
        return weights[node_id]

    for node_id, node in nodes.items():
        if _local(node) == "startEvent" and weight(node_id) > MAX_PATH_BRANCHES:
            return [
                _at(
                    path,
                    container,
                    _(
                        "parallel splits one after another make %(count)s paths; at most "
                        "%(limit)s are allowed"
                    )
                    % {"count": weights[node_id], "limit": MAX_PATH_BRANCHES},
                )
            ]
    return []


def _check_calls(roots: Mapping[str, Any], main_process: str) -> list[Problem]:
    """Every call activity calls a process of the bundle, and no process calls itself."""
    processes: dict[str, list[tuple[str, Any]]] = {}
    problems = []
    for path, root in sorted(roots.items()):
        for process in _bpmn(root, "process"):
            calls = []
            for call in _bpmn(process, "callActivity"):
                called = (call.get("calledElement") or "").strip()
                if not called:
                    problems.append(_at(path, call, _("the call activity calls no process")))
                else:
                    calls.append((called, call))
            processes[process.get("id") or ""] = [(path, call) for _c, call in calls]
    for path, root in sorted(roots.items()):
        for call in _bpmn(root, "callActivity"):
            called = (call.get("calledElement") or "").strip()
            if called and called not in processes:
                problems.append(
                    _at(
                        path,
                        call,
                        _("the call activity calls %(process)s, which is not in the bundle")
                        % {"process": repr(called)},
                    )
                )
    problems += _cycles(processes, main_process)
    used = {main_process} | {
        (call.get("calledElement") or "").strip()
        for calls in processes.values()
        for _path, call in calls
    }
    for path, root in sorted(roots.items()):
        for process in _bpmn(root, "process"):
            if process.get("id") in used and process.get("isExecutable", "true") != "true":
                problems.append(
                    _at(
                        path,
                        process,
                        _(
                            'the process is marked not executable (isExecutable="false"); '
                            "mark it executable in the modeler"
                        ),
                    )
                )
    return problems


def _cycles(processes: dict[str, list[tuple[str, Any]]], main_process: str) -> list[Problem]:
    """Depth-first with colours: each process is explored once, so wide call graphs stay cheap."""
    problems: list[Problem] = []
    done: set[str] = set()
    trail: list[str] = []

    def visit(process: str) -> None:
        trail.append(process)
        for path, call in processes.get(process, []):
            called = (call.get("calledElement") or "").strip()
            if called in trail:
                chain = " → ".join([*trail[trail.index(called) :], called])
                problems.append(
                    _at(path, call, _("the process calls itself (%(chain)s)") % {"chain": chain})
                )
            elif called in processes and called not in done:
                visit(called)
        trail.pop()
        done.add(process)

    for process in [main_process, *sorted(processes)]:
        if process in processes and process not in done:
            visit(process)
    return problems
