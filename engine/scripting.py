"""Scripts and expressions in diagrams: compiled with RestrictedPython, run in the sandbox.

Diagrams are written by policy staff and uploaded through the portal, so their Python is
untrusted. SpiffWorkflow's default environment is plain `exec`, which would let a diagram
run shell commands. Here every script, condition and expression is compiled with
RestrictedPython plus Doudi's own rules (`engine.restricted`: no imports, no dangerous names,
no huge powers or repetitions), may call only builtins from a short list and the vetted
helpers in `engine.registry`, and runs in a worker process whose CPU time and memory the
operating system bounds (`engine.sandbox`).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable, Mapping
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from engine import registry, sandbox
from engine.restricted import (
    SCRIPT_FILENAME,
    ScriptFailed,
    ScriptRejected,
    base_globals,
    compile_expression,
    compile_script,
)
from engine.sandbox import SandboxLimitExceeded

__all__ = [
    "SCRIPT_FILENAME",
    "RestrictedEnvironment",
    "SandboxLimitExceeded",
    "ScriptFailed",
    "ScriptRejected",
    "check_sources",
    "compile_expression",
    "compile_script",
    "evaluate_standalone",
    "global_names",
    "is_plain_condition",
    "script_engine",
]


def script_globals() -> dict[str, Any]:
    return base_globals(registry.helpers())


def global_names() -> frozenset[str]:
    """Names diagram code finds without any task data: builtins, guards, vetted helpers."""
    namespace = script_globals()
    return frozenset(namespace) | frozenset(namespace["__builtins__"])


# The shapes of a plain condition ("decision == 'approve' and amount['eligible']"). None
# can call anything, build a value or loop: each does work at most linear in the task data
# it reads, so the OS bounds would only add a process round trip to every gateway.
_PLAIN_NODES = (
    ast.Expression, ast.Name, ast.Load, ast.Constant, ast.Compare, ast.BoolOp, ast.And,
    ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.Subscript, ast.Eq, ast.NotEq, ast.Lt,
    ast.LtE, ast.Gt, ast.GtE, ast.Is, ast.IsNot,
)  # fmt: skip
MAX_PLAIN_SOURCE = 500


@functools.lru_cache(maxsize=2048)
def is_plain_condition(source: str) -> bool:
    """Whether an expression may run in the server process: comparisons of names,
    constants and constant subscripts, joined by and/or/not; `in` only against a literal
    tuple or list of constants."""
    if len(source) > MAX_PLAIN_SOURCE:
        return False
    try:
        tree = ast.parse(source.strip(), mode="eval")
        compile_expression(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return all(_plain(node) for node in ast.walk(tree))


def _plain(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return (
            isinstance(node.value, str | int | float | bool | None) and len(repr(node.value)) < 200
        )
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant)
    if isinstance(node, ast.Compare):
        return all(
            not isinstance(op, ast.In | ast.NotIn) or _literal(right)
            for op, right in zip(node.ops, node.comparators, strict=True)
        )
    if isinstance(node, ast.In | ast.NotIn | ast.Tuple | ast.List):
        return True  # checked with their comparison
    return isinstance(node, _PLAIN_NODES)


def _literal(node: ast.AST) -> bool:
    return isinstance(node, ast.Tuple | ast.List) and all(
        isinstance(element, ast.Constant) for element in node.elts
    )


def _evaluate(
    expression: str, context: Mapping[str, Any], external: Mapping[str, Any] | None = None
) -> Any:
    if not is_plain_condition(expression):
        return sandbox.evaluate(expression, context, external)
    namespace = script_globals()
    namespace.update(external or {})
    namespace.update(context)
    return eval(compile_expression(expression), namespace)  # noqa: S307 - restricted, plain


class RestrictedEnvironment(TaskDataEnvironment):
    def __init__(self) -> None:
        super().__init__(environment_globals={})

    def evaluate(
        self, expression: str, context: dict[str, Any], external_context: Any = None
    ) -> Any:
        return _evaluate(expression, context, external_context)

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        self.globals = script_globals()
        self.check_for_overwrite(context, external_context or {})
        # The worker runs on a copy: a script that fails leaves the task data as it was.
        data = sandbox.execute(script, context, external_context)
        context.clear()
        context.update(data)
        return True


def script_engine() -> PythonScriptEngine:
    return PythonScriptEngine(environment=RestrictedEnvironment())


def check_sources(items: Iterable[tuple[str, str, str]]) -> list[str]:
    """Compile (where, mode, source) triples in the sandbox; a message for each one refused."""
    problems = []
    for where, mode, source in items:
        try:
            sandbox.check(mode, source)
        except (ScriptRejected, ScriptFailed) as exc:
            problems.append(f"{where}: {exc}")
    return problems


def evaluate_standalone(expression: str, data: Mapping[str, Any]) -> Any:
    """Evaluate an expression outside a running task (due dates, timer previews)."""
    return _evaluate(expression, data)
