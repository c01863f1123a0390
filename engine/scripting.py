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
    "script_engine",
]


def script_globals() -> dict[str, Any]:
    return base_globals(registry.helpers())


class RestrictedEnvironment(TaskDataEnvironment):
    def __init__(self) -> None:
        super().__init__(environment_globals={})

    def evaluate(
        self, expression: str, context: dict[str, Any], external_context: Any = None
    ) -> Any:
        return sandbox.evaluate(expression, context, external_context)

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
    return sandbox.evaluate(expression, data)
