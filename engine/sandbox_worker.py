"""One sandbox worker: runs diagram code for its parent under operating-system limits.

Started by `engine.sandbox` as `python -I` with an empty environment, it imports only
`engine.restricted` (no Django, no database, no credentials) and talks to its parent over
stdin/stdout in length-prefixed JSON frames. Its address space is capped (RLIMIT_AS) and each
evaluation is armed with a CPU timer whose signal kills the process outright: a slow
built-in call (`round(1, -10**9)`) cannot be interrupted from inside Python, only stopped.
Calls to the vetted helpers go back to the parent, which runs them with the database and
the clock the worker must not have.
"""

from __future__ import annotations

import json
import math
import os
import resource
import signal
import struct
import sys
from types import CodeType
from typing import Any

from engine import restricted

HEADER = struct.Struct(">I")
# A helper's own errors come back as these; any other type arrives as ScriptFailed.
PASSED_ERRORS: dict[str, type[Exception]] = {
    error.__name__: error
    for error in (ValueError, KeyError, TypeError, ZeroDivisionError, IndexError, AttributeError)
}
_codes: dict[tuple[str, str], CodeType] = {}


def _read() -> Any:
    header = sys.stdin.buffer.read(HEADER.size)
    if len(header) < HEADER.size:
        raise SystemExit(0)
    (length,) = HEADER.unpack(header)
    return json.loads(sys.stdin.buffer.read(length))


def _write(message: Any) -> None:
    _send(json.dumps(message, ensure_ascii=False, allow_nan=False).encode())


def _send(body: bytes) -> None:
    sys.stdout.buffer.write(HEADER.pack(len(body)) + body)
    sys.stdout.buffer.flush()


def _encode(reply: dict[str, Any]) -> bytes:
    try:
        return json.dumps(reply, ensure_ascii=False, allow_nan=False).encode()
    except (TypeError, ValueError, RecursionError):
        plain = "a script may leave only plain data (text, numbers, lists, mappings)"
        failure = {"ok": False, "kind": "TypeError", "message": plain}
        return json.dumps(failure).encode()


def _helper(name: str) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            _write({"call": name, "args": list(args), "kwargs": kwargs})
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name}() takes only plain data: {exc}") from None
        reply = _read()
        if "error" in reply:
            error = PASSED_ERRORS.get(reply["type"], restricted.ScriptFailed)
            raise error(reply["error"])
        return reply["value"]

    call.__name__ = name
    return call


def _compile(mode: str, source: str) -> CodeType:
    code = _codes.get((mode, source))
    if code is None:
        compiler = restricted.compile_expression if mode == "eval" else restricted.compile_script
        code = _codes[(mode, source)] = compiler(source)
        if len(_codes) > 2048:
            _codes.pop(next(iter(_codes)))
    return code


def _plain(value: Any) -> bool:
    return not callable(value) and type(value).__name__ != "module"


def _run(request: dict[str, Any]) -> dict[str, Any]:
    mode, source = request["mode"], request["source"]
    code = _compile(mode, source)
    if request["op"] == "check":
        return {"ok": True}
    helpers = {name: _helper(name) for name in request["helpers"]}
    namespace = restricted.base_globals(helpers)
    reserved = set(namespace) | set(request["external"])
    namespace.update(request["external"])
    namespace.update(request["data"])
    if mode == "eval":
        return {"ok": True, "value": eval(code, namespace)}  # noqa: S307 - restricted code
    exec(code, namespace)  # noqa: S102 - restricted code
    data = {k: v for k, v in namespace.items() if k not in reserved and _plain(v)}
    return {"ok": True, "data": data}


def _failure(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, restricted.ScriptRejected):
        return {"ok": False, "kind": "rejected", "message": str(exc)}
    if isinstance(exc, MemoryError):
        return {"ok": False, "kind": "memory", "message": ""}
    if isinstance(exc, RecursionError):
        return {"ok": False, "kind": "recursion", "message": str(exc)}
    failure = {"ok": False, "kind": type(exc).__name__, "message": str(exc)}
    if isinstance(exc, NameError):
        failure["name"] = exc.name
    return failure


def _arm(cpu_seconds: float) -> None:
    # RLIMIT_CPU counts whole seconds over the process's life: a backstop behind the timer.
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = used.ru_utime + used.ru_stime
    limit = math.ceil(spent + cpu_seconds) + 1
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (limit, hard))
    signal.setitimer(signal.ITIMER_PROF, cpu_seconds)


def _limit_memory(megabytes: int) -> None:
    with open("/proc/self/statm") as statm:
        baseline = int(statm.read().split()[0]) * resource.getpagesize()
    size = baseline + megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (size, size))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main() -> None:
    cpu_seconds, megabytes = float(sys.argv[1]), int(sys.argv[2])
    # The default action of SIGPROF and SIGXCPU ends the process, even inside a C call.
    signal.signal(signal.SIGPROF, signal.SIG_DFL)
    signal.signal(signal.SIGXCPU, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _limit_memory(megabytes)
    _write({"ready": os.getpid()})
    while True:
        request = _read()
        _arm(float(request.get("cpu", cpu_seconds)))
        try:
            reply = _run(request)
            body = _encode(reply)
        except BaseException as exc:
            if isinstance(exc, SystemExit):
                raise
            reply = _failure(exc)
            body = _encode(reply)
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        _send(body)
        if reply.get("kind") == "memory":
            raise SystemExit(0)  # a fragmented heap is not worth keeping


if __name__ == "__main__":
    main()
