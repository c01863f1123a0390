"""Variables a diagram reads that nothing provides on some path into the reader.

A renamed form field used to deploy quietly: the next case stopped at the gateway that read
the old name, with a raw engine error. This check follows the task data the way the engine
carries it (each step starts from its predecessor's data; a parallel join merges its
branches; a called process starts from its caller's data and hands back its own) and
refuses a condition, script, decision table input or due-date expression that reads a
variable which, on some path from the start to it, no start data, form field, script,
decision result, called process or message provides.

Two strengths of reading, to keep false alarms out:
- a read every evaluation makes (`opinion == 'approve'`, a script's first line) must be
  provided on every path into the step ("must" dataflow, intersection at merges, iterated
  to a fixed point through loops);
- a read that a guard may skip (`b` in `a and b` or `x if c else y`, a statement under
  `if`, a decision table cell) must be provided on at least one path ("may" dataflow);
  a name that nothing provides anywhere is still refused.

What the starter gives a process is declared on its start event: the spiffworkflow
property `startData`, a comma-separated list of names (docs/design.md).
"""

from __future__ import annotations

import ast
import functools
import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import ThrowingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask, MultiInstanceTask
from SpiffWorkflow.bpmn.specs.mixins.parallel_gateway import ParallelGateway
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask as UserTaskMixin
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin

from engine.checks import Locator, Problem

# Doudi's spiffworkflow:property names that hold data (engine.bundle names the others).
# On a start event: the names the starter puts in the data ("policy, household, case_id").
START_DATA_PROPERTY = "startData"
# On a user task: its JSON Schema in forms/; its fields become variables.
FORM_SCHEMA_PROPERTY = "formJsonSchemaFilename"
# On a user task or a waiting catch event: an expression giving the statutory due date.
DUE_PROPERTY = "dueDate"
# A condition on the submitted data (e.g. "acceptance_decision == 'complete'"): when it holds,
# the engine refuses to complete the step while a kind named by evidenceRequired is missing.
# Without it, evidenceRequired is a checklist shown to staff, not enforced.
EVIDENCE_WHEN_PROPERTY = "evidenceRequiredWhen"
# A witness path names at most this many steps before the reader.
WITNESS_STEPS = 4
# Contexts (process, entry data) analysed per bundle: a call graph without cycles stays far
# below this; the bound keeps a pathological one from costing more than the other checks.
MAX_CONTEXTS = 500


# ---------------------------------------------------------------- reading Python


@dataclass(frozen=True)
class Read:
    name: str
    conditional: bool


@dataclass
class CodeFacts:
    """What one script or expression reads from the task data and what it assigns."""

    reads: list[Read] = field(default_factory=list)
    must_defs: set[str] = field(default_factory=set)
    may_defs: set[str] = field(default_factory=set)
    # Names whose last assignment is a constant on every path ("exit_action = 'terminate'"):
    # their possible values. Gateways that test them rule out paths (see State).
    constants: dict[str, frozenset[Any]] = field(default_factory=dict)


class _Reader:
    """Walks Python in evaluation order, keeping the names assigned so far (on every path
    and on some path) and recording each name read before it is assigned."""

    def __init__(self, known: frozenset[str]) -> None:
        self.known = known
        self.facts = CodeFacts()
        self.must: set[str] = set()
        self.may: set[str] = set()
        self.values: dict[str, frozenset[Any] | None] = {}
        self.depth = 0  # inside a branch, loop, handler or function
        self._seen: set[Read] = set()

    # ---- expressions

    def read(self, name: str, conditional: bool, bound: frozenset[str]) -> None:
        # A name this code assigns on some path only is left alone: the paths that read it
        # may be the ones that assigned it (`if c: x = 1` … `if c: y = x`).
        if name in bound or name in self.may or name in self.known:
            return
        found = Read(name, conditional)
        if found not in self._seen and Read(name, False) not in self._seen:
            self._seen.add(found)
            self.facts.reads.append(found)

    def expr(self, node: ast.AST | None, conditional: bool, bound: frozenset[str]) -> None:
        if node is None:
            return
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load | ast.Del):
                self.read(node.id, conditional, bound)
            else:  # an assignment expression; where a guard may skip it, it may not happen
                self.define(node.id, definite=not conditional)
        elif isinstance(node, ast.IfExp):
            self.expr(node.test, conditional, bound)
            self.expr(node.body, True, bound)
            self.expr(node.orelse, True, bound)
        elif isinstance(node, ast.BoolOp):
            self.expr(node.values[0], conditional, bound)
            for value in node.values[1:]:
                self.expr(value, True, bound)
        elif isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            self.comprehension(node, conditional, bound)
        elif isinstance(node, ast.Lambda):
            names = {arg.arg for arg in ast.walk(node.args) if isinstance(arg, ast.arg)}
            for default in [*node.args.defaults, *node.args.kw_defaults]:
                self.expr(default, conditional, bound)
            self.expr(node.body, True, bound | names)
        elif isinstance(node, ast.NamedExpr):
            self.expr(node.value, conditional, bound)
            self.expr(node.target, conditional, bound)
        else:
            for child in ast.iter_child_nodes(node):
                self.expr(child, conditional, bound)

    def comprehension(self, node: Any, conditional: bool, bound: frozenset[str]) -> None:
        inner = set(bound)
        for index, generator in enumerate(node.generators):
            # The first iterable is evaluated once, outside; the rest only if it has items.
            self.expr(generator.iter, conditional or index > 0, frozenset(inner))
            inner |= _target_names(generator.target)
            for condition in generator.ifs:
                self.expr(condition, True, frozenset(inner))
        elements = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        for element in elements:
            self.expr(element, True, frozenset(inner))

    # ---- statements

    def define(
        self, name: str, definite: bool = True, values: frozenset[Any] | None = None
    ) -> None:
        """An assignment on the path being walked; `branches` and the loops decide what
        of it holds after them. `values`: the constants assigned, at the top level only."""
        self.may.add(name)
        if definite:
            self.must.add(name)
        self.values[name] = values if self.depth == 0 and definite else None

    def target(self, node: ast.AST, conditional: bool) -> None:
        if isinstance(node, ast.Name):
            self.define(node.id)
        elif isinstance(node, ast.Tuple | ast.List):
            for element in node.elts:
                self.target(element, conditional)
        elif isinstance(node, ast.Starred):
            self.target(node.value, conditional)
        else:  # x['a'] = 1 and x.a = 1 read x
            self.expr(node, conditional, frozenset())

    def block(self, body: Iterable[ast.stmt], conditional: bool) -> None:
        for statement in body:
            self.statement(statement, conditional)

    def branches(self, bodies: list[list[ast.stmt]], keep_must: bool) -> None:
        """Run each body from the current state; afterwards a name is assigned on every
        path if every body assigned it (or, with keep_must, it already was)."""
        before_must, before_may = set(self.must), set(self.may)
        results = []
        self.depth += 1
        for body in bodies:
            self.must, self.may = set(before_must), set(before_may)
            self.block(body, True)
            results.append((self.must, self.may))
        self.depth -= 1
        self.may = before_may.union(*(may for _must, may in results))
        if keep_must or not results:
            self.must = before_must
        else:
            self.must = set.intersection(*(must for must, _may in results))

    def statement(self, node: ast.stmt, conditional: bool) -> None:
        empty: frozenset[str] = frozenset()
        if isinstance(node, ast.Assign):
            self.expr(node.value, conditional, empty)
            single = node.targets[0] if len(node.targets) == 1 else None
            if isinstance(single, ast.Name):
                self.define(single.id, values=_constant_values(node.value))
                return
            for target in node.targets:
                self.target(target, conditional)
        elif isinstance(node, ast.AugAssign):
            if isinstance(node.target, ast.Name):
                self.read(node.target.id, conditional, empty)
            self.expr(node.value, conditional, empty)
            self.target(node.target, conditional)
        elif isinstance(node, ast.AnnAssign):
            self.expr(node.value, conditional, empty)
            if node.value is not None:
                self.target(node.target, conditional)
        elif isinstance(node, ast.If):
            self.expr(node.test, conditional, empty)
            self.branches([node.body, node.orelse], keep_must=False)
        elif isinstance(node, ast.For | ast.AsyncFor):
            self.expr(node.iter, conditional, empty)
            before_must = set(self.must)
            self.depth += 1
            self.target(node.target, True)
            self.block(node.body, True)
            self.block(node.orelse, True)
            self.depth -= 1
            self.must = before_must  # the body may run no time at all
        elif isinstance(node, ast.While):
            self.expr(node.test, conditional, empty)
            before_must = set(self.must)
            self.depth += 1
            self.block(node.body, True)
            self.block(node.orelse, True)
            self.depth -= 1
            self.must = before_must
        elif isinstance(node, ast.Try | ast.TryStar):
            # A handler may catch the error a missing name raises: the body's reads are guarded.
            guarded = conditional or bool(node.handlers)
            before_must = set(self.must)
            self.depth += 1
            self.block(node.body, guarded)
            self.block(node.orelse, True)
            after_body = set(self.must)
            handled = []
            for handler in node.handlers:
                self.must = set(before_must)
                if handler.name:
                    self.define(handler.name)
                self.expr(handler.type, True, empty)
                self.block(handler.body, True)
                handled.append(self.must)
            self.depth -= 1
            self.must = after_body.intersection(*handled) if handled else after_body
            self.block(node.finalbody, conditional)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            self.function(node, conditional)
        elif isinstance(node, ast.With | ast.AsyncWith):
            self.depth += 1
            for item in node.items:
                self.expr(item.context_expr, conditional, empty)
                if item.optional_vars is not None:
                    self.target(item.optional_vars, conditional)
            self.block(node.body, conditional)
            self.depth -= 1
        elif isinstance(node, ast.Global | ast.Nonlocal | ast.Pass | ast.Break | ast.Continue):
            return
        elif isinstance(node, ast.Match):
            self.expr(node.subject, conditional, empty)
            self.branches([case.body for case in node.cases], keep_must=True)
        else:  # Expr, Return, Raise, Assert, Delete…
            self.expr(node, conditional, empty)

    def function(self, node: Any, conditional: bool) -> None:
        """A function body runs when called, if ever: its reads of outer names are guarded
        and what it assigns stays inside it."""
        for decorator in node.decorator_list:
            self.expr(decorator, conditional, frozenset())
        inner = _Reader(self.known)
        inner.must, inner.may, inner.depth = set(self.must), set(self.may), 1
        if not isinstance(node, ast.ClassDef):
            for default in [*node.args.defaults, *node.args.kw_defaults]:
                self.expr(default, conditional, frozenset())
            for arg in ast.walk(node.args):
                if isinstance(arg, ast.arg):
                    inner.define(arg.arg)
        inner.define(node.name)
        inner.block(node.body, True)
        for found in inner.facts.reads:
            self.read(found.name, True, frozenset())
        self.define(node.name)


def _target_names(node: ast.AST) -> set[str]:
    return {
        child.id
        for child in ast.walk(node)
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store)
    }


def _parse(source: str, mode: str) -> ast.AST | None:
    try:
        return ast.parse(source.strip() if mode == "eval" else source, mode=mode)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # the compile check refuses it with its own message


def expression_facts(source: str, known: frozenset[str]) -> CodeFacts:
    tree = _parse(source, "eval")
    reader = _Reader(known)
    if isinstance(tree, ast.Expression):
        try:
            reader.expr(tree.body, False, frozenset())
        except RecursionError:
            return CodeFacts()
    return reader.facts


def script_facts(source: str, known: frozenset[str]) -> CodeFacts:
    tree = _parse(source, "exec")
    reader = _Reader(known)
    if isinstance(tree, ast.Module):
        try:
            reader.block(tree.body, False)
        except RecursionError:
            return CodeFacts()
    reader.facts.must_defs = set(reader.must)
    reader.facts.may_defs = set(reader.may)
    reader.facts.constants = {
        name: values
        for name, values in reader.values.items()
        if values is not None and name in reader.must
    }
    return reader.facts


MAX_VALUES = 8


def _constant_values(node: ast.AST) -> frozenset[Any] | None:
    """The constants an expression can give: `'a'`, `'a' if c else 'b'`; else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int | float | bool | None):
        return frozenset([node.value])
    if isinstance(node, ast.IfExp):
        body, orelse = _constant_values(node.body), _constant_values(node.orelse)
        if body is not None and orelse is not None and len(body | orelse) <= MAX_VALUES:
            return body | orelse
    return None


# ---------------------------------------------------------------- forms


def form_fields(schema: Any) -> set[str]:
    """The variables a submitted form can set: the top-level field names, including those
    its allOf/anyOf/oneOf, then/else and dependent schemas add. A nested object or an
    array is one variable (`household['hukou']` reads `household`)."""
    names: set[str] = set()
    seen: set[int] = set()

    def visit(node: Any, depth: int) -> None:
        if not isinstance(node, dict) or depth > 20 or id(node) in seen:
            return
        seen.add(id(node))
        properties = node.get("properties")
        if isinstance(properties, dict):
            names.update(key for key in properties if isinstance(key, str))
        required = node.get("required")
        if isinstance(required, list):
            names.update(key for key in required if isinstance(key, str))
        for key in ("allOf", "anyOf", "oneOf"):
            for sub in node.get(key) or []:
                visit(sub, depth + 1)
        for key in ("then", "else"):  # "if" only tests fields, it adds none
            visit(node.get(key), depth + 1)
        for key in ("dependentSchemas", "dependencies"):
            value = node.get(key)
            if isinstance(value, dict):
                for sub in value.values():
                    visit(sub, depth + 1)
        reference = node.get("$ref")
        if isinstance(reference, str) and reference.startswith("#/"):
            target: Any = schema
            for part in reference[2:].split("/"):
                target = target.get(part) if isinstance(target, dict) else None
            visit(target, depth + 1)

    visit(schema, 0)
    return names


# ---------------------------------------------------------------- the dataflow


Constants = frozenset[tuple[str, frozenset[Any]]]
NO_CONSTANTS: Constants = frozenset()
# Paths told apart by the constants their guard variables hold, per point of the diagram;
# beyond this they are merged, which only makes the check more lenient.
MAX_FACTS = 16


@dataclass(frozen=True)
class State:
    """The data at one point, as a few facts: for each combination of known values of the
    variables gateways test (`exit_action == 'terminate'`), the names every path with those
    values provides. A gateway sends on only the facts whose values its condition allows, so
    a step reached only when a variable was set to something sees what was set with it.
    `may`: the names some path provides."""

    facts: frozenset[tuple[Constants, frozenset[str]]]
    may: frozenset[str]

    @property
    def must(self) -> frozenset[str]:
        musts = [must for _constants, must in self.facts]
        return frozenset.intersection(*musts) if musts else frozenset()

    @staticmethod
    def only(names: Iterable[str]) -> State:
        found = frozenset(names)
        return State(frozenset([(NO_CONSTANTS, found)]), found)

    def plus(
        self,
        must: Iterable[str],
        may: Iterable[str] | None = None,
        constants: Mapping[str, frozenset[Any]] | None = None,
    ) -> State:
        """After a step that provides `must` on every path and `may` on some; `constants`:
        the values it leaves in (some of) them. Other values it sets become unknown."""
        must = frozenset(must)
        touched = must | frozenset(may if may is not None else ())
        known = frozenset((constants or {}).items())
        facts = []
        for values, provided in self.facts:
            kept = frozenset((name, v) for name, v in values if name not in touched)
            facts.append((kept | known, provided | must))
        return State(_normalise(facts), self.may | touched)

    def where(self, allowed: Callable[[Constants], bool]) -> State | None:
        facts = frozenset((values, must) for values, must in self.facts if allowed(values))
        return State(facts, self.may) if facts else None

    def lacking(self, name: str) -> bool:
        return any(name not in must for _values, must in self.facts)


def _normalise(
    facts: Iterable[tuple[Constants, frozenset[str]]],
) -> frozenset[tuple[Constants, frozenset[str]]]:
    merged: dict[Constants, frozenset[str]] = {}
    for values, must in facts:
        merged[values] = merged[values] & must if values in merged else must
    if len(merged) > MAX_FACTS:
        return frozenset([_collapse(list(merged.items()))])
    return frozenset(merged.items())


def _collapse(facts: list[tuple[Constants, frozenset[str]]]) -> tuple[Constants, frozenset[str]]:
    """One fact for several: the names all provide; the values of a variable all know."""
    must = frozenset.intersection(*(must for _values, must in facts))
    known: dict[str, frozenset[Any]] = {}
    names: set[str] = set()
    for values, _must in facts:
        names |= {name for name, _v in values}
    for name in names:
        options = [dict(values).get(name) for values, _must in facts]
        if all(option is not None for option in options):
            union = frozenset().union(*(o for o in options if o is not None))
            if len(union) <= MAX_VALUES:
                known[name] = union
    return frozenset(known.items()), must


@dataclass
class Finding:
    task_spec: Any
    what: str
    read: Read
    state: State
    process: Any
    entry: State  # the data the process started with, in this context
    context: tuple[Any, ...]  # the call activities this process was reached through


@dataclass
class _Collector:
    """Where the reporting pass puts what it finds, for one process in one context."""

    findings: list[Finding]
    process: Any
    entry: State
    context: tuple[Any, ...]

    def check(self, task_spec: Any, what: str, reads: Iterable[Read], at: State) -> None:
        for read in reads:
            if read.name not in (at.may if read.conditional else at.must):
                self.findings.append(
                    Finding(task_spec, what, read, at, self.process, self.entry, self.context)
                )


@dataclass
class _Result:
    into: dict[str, State]
    out: dict[str, State]
    edges: dict[tuple[str, str], State] = field(default_factory=dict)


class _Diverged(Exception):
    """The facts kept changing: the analysis starts over without telling paths apart."""


MAX_SWEEPS = 200


def _always(values: Constants) -> bool:
    return True


def _condition_passes(
    conditions: list[tuple[Callable[[Constants], bool | None], str]],
    own: list[int],
    exclusive: bool,
    values: Constants,
) -> bool:
    for index in own:
        earlier = conditions[:index] if exclusive else []
        if any(truth(values) is True for truth, _target in earlier):
            continue  # an earlier condition surely holds and wins
        if conditions[index][0](values) is not False:
            return True
    return False


def _default_passes(
    conditions: list[tuple[Callable[[Constants], bool | None], str]], values: Constants
) -> bool:
    return not any(truth(values) is True for truth, _target in conditions)


def _truth(node: ast.AST | None, values: Constants) -> bool | None:
    """Whether a condition surely holds (True), surely fails (False) or may go either way
    (None) when the variables in `values` hold one of their known constants."""
    if node is None or not values:
        return None
    outcomes = _outcomes(node, dict(values))
    if outcomes is None or not outcomes:
        return None
    truths = {bool(value) for value in outcomes}
    return truths.pop() if len(truths) == 1 else None


def _outcomes(node: ast.AST, known: dict[str, frozenset[Any]]) -> set[Any] | None:
    """The values an expression can have, or None when they cannot be told."""
    if isinstance(node, ast.Constant):
        return {node.value}
    if isinstance(node, ast.Name):
        options = known.get(node.id)
        return set(options) if options is not None else None
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        if all(isinstance(element, ast.Constant) for element in node.elts):
            return {tuple(element.value for element in node.elts)}  # type: ignore[attr-defined]
        return None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _outcomes(node.operand, known)
        return None if inner is None else {not value for value in inner}
    if isinstance(node, ast.BoolOp):
        parts = [_outcomes(value, known) for value in node.values]
        truths = [None if part is None else {bool(v) for v in part} for part in parts]
        stop = isinstance(node.op, ast.And)  # `and` stops at a false operand
        for truth in truths:
            if truth == {not stop}:
                return {not stop}
        if all(truth == {stop} for truth in truths):
            return {stop}
        return None
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        left = _outcomes(node.left, known)
        right = _outcomes(node.comparators[0], known)
        if left is None or right is None or len(left) * len(right) > 64:
            return None
        compare = _COMPARE.get(type(node.ops[0]))
        if compare is None:
            return None
        try:
            return {compare(a, b) for a in left for b in right}
        except TypeError:
            return None
    return None


_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: lambda a, b: a is b,
    ast.IsNot: lambda a, b: a is not b,
}


def _properties(task_spec: Any) -> dict[str, str]:
    extensions = getattr(task_spec, "extensions", None) or {}
    properties = extensions.get("properties", {})
    return properties if isinstance(properties, dict) else {}


def _declared(task_spec: Any) -> list[str]:
    raw = _properties(task_spec).get(START_DATA_PROPERTY, "")
    return [name.strip() for name in raw.split(",") if name.strip()]


def start_data(spec: Any) -> list[str]:
    """The names a process's start events declare the starter gives (`startData`)."""
    return [
        name
        for task_spec in spec.task_specs.values()
        if isinstance(task_spec, StartEvent)
        for name in _declared(task_spec)
    ]


class Dataflow:
    def __init__(
        self,
        spec: Any,
        subprocess_specs: Mapping[str, Any],
        forms: Callable[[str], Any],
        known: frozenset[str],
        *,
        tell_paths_apart: bool = True,
    ) -> None:
        self.spec = spec
        self.subprocess_specs = subprocess_specs
        self.forms = forms
        self.known = known | frozenset(
            name
            for process in [spec, *subprocess_specs.values()]
            for name in (getattr(process, "data_objects", None) or {})
        )
        self._results: dict[tuple[str, State], _Result] = {}
        self._stack: list[str] = []
        self._facts: dict[tuple[str, str], CodeFacts] = {}
        self._graphs: dict[str, tuple[list[str], dict[str, list[str]], bool]] = {}
        self._branches: dict[int, dict[str, Callable[[Constants], bool]]] = {}
        # The variables some gateway tests: only their constants are worth telling apart.
        self.guards: frozenset[str] = frozenset()
        if not tell_paths_apart:
            return
        self.guards = frozenset(
            read.name
            for process in [spec, *subprocess_specs.values()]
            for task_spec in process.task_specs.values()
            for condition, _target in getattr(task_spec, "cond_task_specs", None) or []
            if condition is not None
            for read in self.facts(condition.args[0], "eval").reads
        )

    def facts(self, source: Any, mode: str) -> CodeFacts:
        if not isinstance(source, str) or not source.strip():
            return CodeFacts()
        key = (mode, source)
        if key not in self._facts:
            read = script_facts if mode == "exec" else expression_facts
            self._facts[key] = read(source, self.known)
        return self._facts[key]

    def graph(self, process: Any) -> tuple[list[str], dict[str, list[str]], bool]:
        """(steps in reverse postorder from Start, predecessors, whether branches run at once)"""
        if process.name not in self._graphs:
            order = _reverse_postorder(process)
            self._graphs[process.name] = (
                order,
                _predecessors(process, order),
                _has_concurrency(process, order),
            )
        return self._graphs[process.name]

    # ---- one process

    def analyse(self, process: Any, entry: State) -> _Result:
        key = (process.name, entry)
        if key in self._results:
            return self._results[key]
        if process.name in self._stack or len(self._results) >= MAX_CONTEXTS:
            # A call cycle (refused by check_structure) or a pathological call graph:
            # nothing is assumed to come back from this call.
            return _Result({}, {})
        self._stack.append(process.name)
        try:
            result = self._fixpoint(process, entry)
        finally:
            self._stack.pop()
        self._results[key] = result
        return result

    def _fixpoint(self, process: Any, entry: State) -> _Result:
        """In-states and edge states of every step reachable from the start, iterated until
        nothing changes (loops shrink what every path provides until it holds)."""
        order, predecessors, concurrent = self.graph(process)
        into: dict[str, State] = {}
        out: dict[str, State] = {}
        edges: dict[tuple[str, str], State] = {}
        changed = True
        sweeps = 0
        while changed:
            changed = False
            sweeps += 1
            if sweeps > MAX_SWEEPS:
                raise _Diverged
            for name in order:
                task_spec = process.task_specs[name]
                if name == "Start":
                    state: State | None = entry
                else:
                    incoming = [
                        edges[(p, name)] for p in predecessors.get(name, []) if (p, name) in edges
                    ]
                    state = _merge(task_spec, incoming, concurrent)
                if state is None or (into.get(name) == state and name in out):
                    continue
                into[name] = state
                after = self.walk(process, task_spec, state, None)
                if out.get(name) == after:
                    continue
                out[name] = after
                changed = True
                for following, passes in self.branches(task_spec).items():
                    edge = after.where(passes)
                    if edge is None:
                        edges.pop((name, following), None)
                    else:
                        edges[(name, following)] = edge
        return _Result(into, out, edges)

    def branches(self, task_spec: Any) -> dict[str, Callable[[Constants], bool]]:
        """Each following step, with whether the data with these known values may go there."""
        key = id(task_spec)
        if key not in self._branches:
            self._branches[key] = self._branches_of(task_spec)
        return self._branches[key]

    def _branches_of(self, task_spec: Any) -> dict[str, Callable[[Constants], bool]]:
        conditions = [
            (self._truth(condition.args[0]), target)
            for condition, target in getattr(task_spec, "cond_task_specs", None) or []
            if condition is not None
        ]
        default = getattr(task_spec, "default_task_spec", None)
        exclusive = hasattr(task_spec, "default_task_spec")
        found: dict[str, Callable[[Constants], bool]] = {}
        for following in task_spec.outputs:
            own = [
                index for index, (_t, target) in enumerate(conditions) if target == following.name
            ]
            if not own:
                if exclusive and following.name == default:
                    # Taken when no condition holds: not for data one of them surely holds for.
                    found[following.name] = functools.partial(_default_passes, conditions)
                else:
                    found[following.name] = _always
                continue
            found[following.name] = functools.partial(_condition_passes, conditions, own, exclusive)
        return found

    def _truth(self, source: str) -> Callable[[Constants], bool | None]:
        tree = _parse(source, "eval")
        body = tree.body if isinstance(tree, ast.Expression) else None
        return functools.partial(_truth, body)

    def report(self, collector: _Collector) -> None:
        result = self.analyse(collector.process, collector.entry)
        for name in self.graph(collector.process)[0]:
            state = result.into.get(name)
            if state is not None:
                self.walk(collector.process, collector.process.task_specs[name], state, collector)

    # ---- one step

    def walk(self, process: Any, task_spec: Any, state: State, found: _Collector | None) -> State:
        """The data after the step, given the data before it; with `found`, every read the
        step makes that the data does not provide is collected."""

        def expression(what: str, source: Any, at: State) -> None:
            if found is not None:
                found.check(task_spec, what, self.facts(source, "eval").reads, at)

        def script(what: str, source: Any, at: State) -> State:
            facts = self.facts(source, "exec")
            if found is not None:
                found.check(task_spec, what, facts.reads, at)
            constants = {n: v for n, v in facts.constants.items() if n in self.guards}
            return at.plus(facts.must_defs, facts.may_defs, constants)

        event = getattr(task_spec, "event_definition", None)
        if isinstance(event, TimerEventDefinition):
            expression(_("the timer expression"), event.expression, state)
        elif isinstance(task_spec, ThrowingEvent):
            expression(_("the message payload"), getattr(event, "expression", None), state)
        io = getattr(task_spec, "io_specification", None)
        io_inputs = [var.bpmn_id for var in getattr(io, "data_inputs", None) or []]
        io_outputs = [var.bpmn_id for var in getattr(io, "data_outputs", None) or []]
        if io_inputs:
            if found is not None:
                found.check(
                    task_spec, _("the data input"), [Read(n, False) for n in io_inputs], state
                )
            state = State.only(io_inputs)
        state = script(_("the pre-script"), getattr(task_spec, "prescript", None), state)
        properties = _properties(task_spec)
        expression(
            _("the due date (%(property)s)") % {"property": DUE_PROPERTY},
            properties.get(DUE_PROPERTY),
            state,
        )
        fields: set[str] = set()
        if isinstance(task_spec, UserTaskMixin):
            fields = form_fields(self.forms(properties.get(FORM_SCHEMA_PROPERTY, "")))
        expression(
            _("the evidence condition (%(property)s)") % {"property": EVIDENCE_WHEN_PROPERTY},
            properties.get(EVIDENCE_WHEN_PROPERTY),
            state.plus(fields),
        )
        if isinstance(task_spec, LoopTask):
            state = self._loop(process, task_spec, state, found)
        elif isinstance(task_spec, UserTaskMixin):
            state = state.plus(fields)
        elif isinstance(task_spec, SubWorkflowTask):
            state = self._call(task_spec, state, found)
        elif isinstance(task_spec, BusinessRuleTaskMixin):
            state = self._decision(task_spec, state, found)
        else:
            state = script(_("the script"), getattr(task_spec, "script", None), state)
            state = state.plus(_event_variables(event))
        if io_outputs:
            state = State.only(io_outputs)
        state = script(_("the post-script"), getattr(task_spec, "postscript", None), state)
        for condition, target in getattr(task_spec, "cond_task_specs", None) or []:
            if condition is not None:
                expression(_branch(task_spec, target), condition.args[0], state)
        return state

    def _loop(self, process: Any, task_spec: Any, state: State, found: _Collector | None) -> State:
        if isinstance(task_spec, MultiInstanceTask) and found is not None:
            cardinality = task_spec.cardinality
            found.check(
                task_spec,
                _("the number of instances"),
                self.facts(cardinality, "eval").reads,
                state,
            )
            collection = getattr(task_spec.data_input, "bpmn_id", None)
            if collection and collection not in self.known:
                found.check(task_spec, _("the input collection"), [Read(collection, False)], state)
        inner = state
        item = getattr(getattr(task_spec, "input_item", None), "bpmn_id", None)
        if item:
            inner = inner.plus([item])
        child = process.task_specs.get(getattr(task_spec, "task_spec", "") or "")
        after = self.walk(process, child, inner, found) if child is not None else inner
        if found is not None:
            condition = self.facts(task_spec.condition, "eval").reads
            found.check(task_spec, _("the loop or completion condition"), condition, after)
        output = getattr(getattr(task_spec, "data_output", None), "bpmn_id", None)
        return after.plus([output] if output else [])

    def _call(self, task_spec: Any, state: State, found: _Collector | None) -> State:
        called = self.subprocess_specs.get(getattr(task_spec, "spec", "") or "")
        if called is None:
            return state
        io = getattr(called, "io_specification", None)
        inputs = [var.bpmn_id for var in getattr(io, "data_inputs", None) or []]
        outputs = [var.bpmn_id for var in getattr(io, "data_outputs", None) or []]
        if inputs and found is not None:
            what = _("the data input of the called process")
            found.check(task_spec, what, [Read(name, False) for name in inputs], state)
        entry = State.only(inputs) if inputs else state
        if found is not None:
            context = (*found.context, task_spec)
            self.report(_Collector(found.findings, called, entry, context))
        result = self.analyse(called, entry)
        if outputs:
            return state.plus(outputs)
        return result.out.get("End", entry)

    def _decision(self, task_spec: Any, state: State, found: _Collector | None) -> State:
        table = getattr(getattr(task_spec, "dmnEngine", None), "decision_table", None)
        if table is None:
            return state
        outputs = [
            (output.name or output.label or "").split(".")[0].strip() for output in table.outputs
        ]
        if found is not None:
            used = {
                id(entry.input)
                for rule in table.rules
                for entry in rule.inputEntries
                if _cells(entry)
            }
            for column in table.inputs:
                if id(column) in used:
                    label = column.label or column.name or column.id
                    what = _("the decision table input %(input)s") % {"input": f"“{label}”"}
                    found.check(task_spec, what, self.facts(column.expression, "eval").reads, state)
            for rule in table.rules:
                for entry in rule.inputEntries:
                    expression = entry.input.expression or ""
                    # The input's own reads are checked with the input.
                    own = {r.name for r in self.facts(expression, "eval").reads}
                    for cell in _cells(entry):
                        reads = self.facts(_cell_expression(expression, cell), "eval").reads
                        guarded = [
                            Read(r.name, True)
                            for r in reads
                            if r.name != "dmninputexpr" and r.name not in own
                        ]
                        found.check(task_spec, _("a decision table cell"), guarded, state)
                for output in rule.outputEntries:
                    reads = self.facts(getattr(output, "text", None), "eval").reads
                    guarded = [Read(r.name, True) for r in reads]
                    found.check(task_spec, _("a decision table output"), guarded, state)
        return state.plus(name for name in outputs if name)

    # ---- where it goes wrong

    def witness(self, finding: Finding) -> list[str]:
        """Named steps of one path from the start to the reader on which nothing provides
        the name (the last few)."""
        process = finding.process
        name = finding.read.name
        result = self.analyse(process, finding.entry)
        predecessors = self.graph(process)[1]
        reader = finding.task_spec.name
        if reader not in result.into:  # a multi-instance body: its loop task is in the flow
            reader = next(
                (
                    n
                    for n, spec in process.task_specs.items()
                    if getattr(spec, "task_spec", None) == reader
                ),
                reader,
            )
        previous: dict[str, str | None] = {reader: None}
        queue = deque([reader])
        reached = None
        while queue:
            current = queue.popleft()
            if current == "Start":
                reached = current
                break
            for before in predecessors.get(current, []):
                state = result.edges.get((before, current))
                if before in previous or state is None or not state.lacking(name):
                    continue
                previous[before] = current
                queue.append(before)
        steps: list[str] = []
        at = reached
        while at is not None:
            task_spec = process.task_specs[at]
            title = getattr(task_spec, "bpmn_name", None)
            if at != reader and title and (not steps or steps[-1] != title):
                steps.append(title)  # the named steps: what people see on the diagram
            at = previous.get(at)
        return steps[-WITNESS_STEPS:]


def _cell_expression(expression: str, cell: str) -> str:
    """What the engine evaluates for a cell (as bundle._check_cell builds it): "?" stands for
    the input; a cell that is not an expression alone ("> 80") follows the input."""
    if "?" in cell:
        return cell.replace("?", "dmninputexpr")
    if _parse(cell, "eval") is not None:
        return cell
    return f"({expression}) {cell}"


def _cells(entry: Any) -> list[str]:
    return [cell for cell in (entry.lhs or []) if cell and cell.strip() not in ("", "-")]


def _branch(task_spec: Any, target: Any) -> str:
    spec = task_spec._wf_spec.task_specs.get(target) if isinstance(target, str) else target
    # A boundary event's split stands in for the activity it is attached to.
    if spec is not None and not getattr(spec, "bpmn_id", None) and spec.outputs:
        spec = spec.outputs[0]
    title = getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or str(target)
    return _("the condition of the branch to %(target)s") % {"target": f"“{title}”"}


def _event_variables(event: Any) -> list[str]:
    if event is None:
        return []
    inner = event.event_definitions if isinstance(event, MultipleEventDefinition) else [event]
    names = []
    for definition in inner:
        for attribute in ("message_var", "variable"):
            value = getattr(definition, attribute, None)
            if isinstance(value, str) and value.strip():
                names.append(value.strip())
    return names


def _merge(task_spec: Any, incoming: list[State], concurrent: bool) -> State | None:
    if not incoming:
        return None
    may = frozenset().union(*(state.may for state in incoming))
    # A parallel join waits for every branch and merges their data; so does the end of a
    # process whose branches run side by side. Elsewhere one path arrives at a time.
    joins_all = isinstance(task_spec, ParallelGateway) or (
        concurrent and task_spec.name.endswith(".EndJoin")
    )
    if not joins_all:
        return State(_normalise(fact for state in incoming for fact in state.facts), may)
    branches = [_collapse(list(state.facts)) for state in incoming]
    must = frozenset().union(*(must for _values, must in branches))
    # Which branch's value of a variable the merge keeps is not known: a value is kept only
    # where every branch knows it.
    known = [dict(values) for values, _must in branches]
    common = {
        name: frozenset().union(*(values[name] for values in known))
        for name in set.intersection(*(set(values) for values in known))
    }
    return State(frozenset([(frozenset(common.items()), must)]), may | must)


def _reverse_postorder(process: Any) -> list[str]:
    specs = process.task_specs
    if "Start" not in specs:
        return []
    seen = {"Start"}
    post: list[str] = []
    stack: list[tuple[str, Iterator[Any]]] = [("Start", iter(specs["Start"].outputs))]
    while stack:
        name, outputs = stack[-1]
        following = next(outputs, None)
        if following is None:
            stack.pop()
            post.append(name)
        elif following.name not in seen and following.name in specs:
            seen.add(following.name)
            stack.append((following.name, iter(following.outputs)))
    return post[::-1]


def _predecessors(process: Any, order: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name in order:
        for following in process.task_specs[name].outputs:
            found.setdefault(following.name, []).append(name)
    return found


def _has_concurrency(process: Any, order: list[str]) -> bool:
    return any(
        isinstance(process.task_specs[name], ParallelGateway | InclusiveGateway)
        and len(process.task_specs[name].outputs) > 1
        for name in order
    )


# ---------------------------------------------------------------- the check


def check_variables(
    spec: Any,
    subprocess_specs: Mapping[str, Any],
    sources: Mapping[str, str],
    locator: Locator,
    known: frozenset[str],
) -> list[Problem]:
    """Every read of a variable that some path into the reader leaves unprovided."""
    forms: dict[str, Any] = {}

    def form(filename: str) -> Any:
        if filename not in forms:
            try:
                forms[filename] = json.loads(sources.get(f"forms/{filename}") or "null")
            except (ValueError, RecursionError):
                forms[filename] = None
        return forms[filename]

    problems: list[Problem] = []
    for task_spec in spec.task_specs.values():
        if not isinstance(task_spec, StartEvent):
            continue
        for name in _declared(task_spec):
            if not name.isidentifier():
                problems.append(
                    locator.for_spec(
                        task_spec,
                        _("%(property)s names %(name)s, which is not a variable name")
                        % {"property": START_DATA_PROPERTY, "name": repr(name)},
                    )
                )
    entry = State.only(name for name in start_data(spec) if name.isidentifier())
    found: list[Finding] = []
    flow = Dataflow(spec, subprocess_specs, form, known)
    try:
        flow.report(_Collector(found, spec, entry, ()))
    except _Diverged:
        found = []
        flow = Dataflow(spec, subprocess_specs, form, known, tell_paths_apart=False)
        flow.report(_Collector(found, spec, entry, ()))
    seen: set[tuple[str, str, str, str]] = set()
    for finding in found:
        task_spec = finding.task_spec
        element = getattr(task_spec, "bpmn_id", None) or task_spec.name
        key = (finding.process.name, element, finding.what, finding.read.name)
        if key not in seen:
            seen.add(key)
            problems.append(locator.for_spec(task_spec, _message(flow, finding)))
    return problems


def _message(flow: Dataflow, finding: Finding) -> str:
    parts = {"what": finding.what, "name": finding.read.name}
    provided_elsewhere = finding.read.name in finding.state.may
    steps = flow.witness(finding) if provided_elsewhere else []
    if not provided_elsewhere:
        message = _(
            "%(what)s reads the variable %(name)s, but no form field, start data or earlier "
            "step provides it on any path into it"
        )
    elif steps:
        parts["path"] = " → ".join(f"“{step}”" for step in steps)
        message = _(
            "%(what)s reads the variable %(name)s, but on a path into it (through %(path)s) "
            "no form field, start data or earlier step provides it"
        )
    else:
        message = _(
            "%(what)s reads the variable %(name)s, but on some path into it no form field, "
            "start data or earlier step provides it"
        )
    text = message % parts
    if finding.context:
        call = finding.context[-1]
        title = getattr(call, "bpmn_name", None) or call.bpmn_id
        text += _(" (when called from %(call)s in %(file)s)") % {
            "call": f"“{title}” ({call.bpmn_id})",
            "file": getattr(call._wf_spec, "file", "") or "",
        }
    return text
