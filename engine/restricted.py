"""The first wall around diagram code: RestrictedPython plus Doudi's own rules.

This module imports neither Django nor SpiffWorkflow: the sandbox worker processes
(`engine/sandbox_worker.py`) load it alone, so they hold no settings, no database
connection and no credentials.
"""

from __future__ import annotations

import ast
import builtins
import functools
import operator
from collections.abc import Callable
from types import CodeType
from typing import Any

from RestrictedPython import (
    RestrictingNodeTransformer,
    compile_restricted_eval,
    compile_restricted_exec,
)
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)

SCRIPT_FILENAME = "<diagram script>"
MAX_SEQUENCE = 100_000
MAX_EXPONENT = 64

# Names no diagram may mention, even as a variable: each is a known way out of a sandbox
# or a way to touch the machine.
FORBIDDEN_NAMES = frozenset(
    {
        "open", "exec", "eval", "compile", "globals", "locals", "vars", "getattr", "setattr",
        "delattr", "hasattr", "dir", "type", "object", "super", "input", "breakpoint", "help",
        "exit", "quit", "memoryview", "bytearray", "classmethod", "staticmethod", "property",
        "print", "id", "format", "os", "sys", "subprocess", "builtins", "importlib",
    }
)  # fmt: skip


class ScriptRejected(ValueError):
    """A script or expression that may not run at all (found at deploy time or first use)."""


class ScriptFailed(RuntimeError):
    """A script that was allowed to run but failed or ran out of time."""


class _DoudiPolicy(RestrictingNodeTransformer):
    def visit_Import(self, node: ast.Import) -> ast.AST:
        self.error(node, "import statements are not allowed in diagrams.")
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        self.error(node, "import statements are not allowed in diagrams.")
        return node

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id in FORBIDDEN_NAMES:
            self.error(node, f'"{node.id}" is not allowed in diagrams.')
        return super().visit_Name(node)

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        # str.format can reach attributes by name inside the format string ("{0.__class__}").
        if node.attr in ("format", "format_map", "mro"):
            self.error(node, f'".{node.attr}" is not allowed in diagrams; use an f-string.')
        return super().visit_Attribute(node)

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = self.node_contents_visit(node)
        if isinstance(node.op, ast.Mult | ast.Pow | ast.LShift):
            call = ast.Call(
                func=ast.Name("_doudi_binop_", ast.Load()),
                args=[ast.Constant(type(node.op).__name__), node.left, node.right],
                keywords=[],
            )
            return ast.fix_missing_locations(ast.copy_location(call, node))
        return node


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple) else 0


def _binop(name: str, left: Any, right: Any) -> Any:
    if name == "Pow":
        if isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
            raise ScriptFailed(f"exponent {right} is larger than {MAX_EXPONENT}")
        return operator.pow(left, right)
    if name == "LShift":
        if isinstance(right, int) and right > MAX_EXPONENT:
            raise ScriptFailed(f"shift {right} is larger than {MAX_EXPONENT}")
        return operator.lshift(left, right)
    for sequence, times in ((left, right), (right, left)):
        if _size(sequence) and isinstance(times, int) and _size(sequence) * times > MAX_SEQUENCE:
            raise ScriptFailed(f"a repeated sequence may hold at most {MAX_SEQUENCE} items")
    return operator.mul(left, right)


_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.add, "-=": operator.sub, "/=": operator.truediv, "//=": operator.floordiv,
    "%=": operator.mod, "|=": operator.or_, "&=": operator.and_, "^=": operator.xor,
    "*=": functools.partial(_binop, "Mult"), "**=": functools.partial(_binop, "Pow"),
}  # fmt: skip


def _inplacevar(op: str, left: Any, right: Any) -> Any:
    function: Callable[[Any, Any], Any] | None = _INPLACE.get(op)
    if function is None:
        raise ScriptFailed(f"operator {op} is not allowed")
    return function(left, right)


def _range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_SEQUENCE:
        raise ScriptFailed(f"range() may produce at most {MAX_SEQUENCE} numbers")
    return result


_BUILTINS: dict[str, Any] = {
    name: getattr(builtins, name)
    for name in (
        "abs", "all", "any", "bool", "dict", "divmod", "enumerate", "float", "int", "isinstance",
        "len", "list", "max", "min", "reversed", "round", "set", "sorted", "str", "sum", "tuple",
        "zip", "ValueError", "KeyError", "TypeError", "ZeroDivisionError", "Exception",
    )
}  # fmt: skip
_BUILTINS.update({"range": _range, "True": True, "False": False, "None": None})

_GUARDS: dict[str, Any] = {
    "_getattr_": safer_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
    "_doudi_binop_": _binop,
}


@functools.lru_cache(maxsize=2048)
def compile_expression(source: str) -> CodeType:
    result = compile_restricted_eval(source.strip(), SCRIPT_FILENAME, policy=_DoudiPolicy)
    return _code_or_reject(result, source)


@functools.lru_cache(maxsize=2048)
def compile_script(source: str) -> CodeType:
    result = compile_restricted_exec(source, SCRIPT_FILENAME, policy=_DoudiPolicy)
    return _code_or_reject(result, source)


def _code_or_reject(result: Any, source: str) -> CodeType:
    if result.errors or result.code is None:
        detail = "; ".join(str(error) for error in result.errors) or "cannot be compiled"
        raise ScriptRejected(f"{detail} — in: {source.strip()[:200]}")
    code: CodeType = result.code
    return code


def base_globals(helpers: dict[str, Callable[..., Any]]) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__builtins__": dict(_BUILTINS)}
    namespace.update(_GUARDS)
    namespace.update(helpers)
    return namespace
