"""The second wall around diagram code: a small pool of worker processes under OS limits.

Every script, condition, DMN cell and due expression, and every deploy-time compile check,
runs in a worker (`engine/sandbox_worker.py`) with at most `SANDBOX_CPU_SECONDS` of CPU and
`SANDBOX_MEMORY_MB` of memory; the parent kills a worker that has not answered within a wall
clock bound and starts another. Workers are fresh interpreters started with an empty
environment and closed file descriptors, not forks: they inherit no database connection,
no threads' locks and no credentials, which keeps them safe under gunicorn, Celery and
runserver alike. Data crosses as JSON, so a worker can hand back nothing but plain data.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from engine.restricted import ScriptFailed, ScriptRejected

HEADER = struct.Struct(">I")
# A worker's reply bigger than this is refused unread: the server's memory is not its to use.
MAX_REPLY_BYTES = 8 * 1024 * 1024
POOL_SIZE = 2
# A worker's heap and code cache grow with use, eating into the headroom RLIMIT_AS leaves
# each evaluation: after this many it is replaced.
MAX_USES = 1000
ROOT = Path(__file__).resolve().parent.parent
_BOOT = (
    "import sys; sys.path.insert(0, sys.argv[3]); from engine.sandbox_worker import main; main()"
)
_RAISED: dict[str, type[Exception]] = {
    error.__name__: error
    for error in (
        NameError, KeyError, TypeError, ValueError, ZeroDivisionError, IndexError,
        AttributeError,
    )
}  # fmt: skip


class SandboxLimitExceeded(ScriptFailed):
    """Diagram code used more CPU time, memory or wall-clock time than it is allowed."""


class _Worker:
    def __init__(self, cpu_seconds: float, megabytes: int) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-I", "-c", _BOOT, str(cpu_seconds), str(megabytes), str(ROOT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={},
            close_fds=True,
            start_new_session=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin, self.stdout = self.process.stdin, self.process.stdout
        self.uses = 0
        self.read(time.monotonic() + 30)  # the "ready" frame

    def send(self, message: Any) -> None:
        body = json.dumps(message, ensure_ascii=False, allow_nan=False).encode()
        self.stdin.write(HEADER.pack(len(body)) + body)
        self.stdin.flush()

    def read(self, deadline: float) -> Any:
        (length,) = HEADER.unpack(self._read_exactly(HEADER.size, deadline))
        if length > MAX_REPLY_BYTES:
            self.kill()
            raise SandboxLimitExceeded(_("The script's result is too large."))
        return json.loads(self._read_exactly(length, deadline))

    def _read_exactly(self, size: int, deadline: float) -> bytes:
        chunks: list[bytes] = []
        fd = self.stdout.fileno()
        while size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise _Timeout
            chunk = os.read(fd, min(size, 1 << 20))
            if not chunk:
                raise _Died
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> int:
        if self.process.poll() is None:
            self.process.kill()
        for stream in (self.stdin, self.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        return self.process.wait()


class _Timeout(Exception):
    pass


class _Died(Exception):
    pass


class _Pool:
    """Idle workers of this process; a forked server process starts its own."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.owner = os.getpid()
        self.idle: list[_Worker] = []

    def take(self) -> _Worker:
        with self.lock:
            if self.owner != os.getpid():
                self.owner, self.idle = os.getpid(), []  # the parent's workers are its own
            while self.idle:
                worker = self.idle.pop()
                if worker.alive():
                    return worker
        return _Worker(cpu_seconds(), settings.SANDBOX_MEMORY_MB)

    def give_back(self, worker: _Worker) -> None:
        with self.lock:
            worker.uses += 1
            wanted = len(self.idle) < POOL_SIZE and worker.uses < MAX_USES
            if self.owner == os.getpid() and wanted and worker.alive():
                self.idle.append(worker)
                return
        worker.kill()

    def prestart(self) -> None:
        workers = [self.take() for _ in range(POOL_SIZE)]
        for worker in workers:
            self.give_back(worker)

    def forget_after_fork(self) -> None:
        # A lock another thread held at fork time would never be released in the child.
        self.lock = threading.Lock()
        self.owner, self.idle = os.getpid(), []


_pool = _Pool()
os.register_at_fork(after_in_child=_pool.forget_after_fork)


def cpu_seconds() -> float:
    return float(settings.SANDBOX_CPU_SECONDS)


def wall_seconds() -> float:
    # CPU time runs slower than the clock on a busy machine; helpers run in this process.
    return cpu_seconds() * 4 + 1


def prestart() -> None:
    """Start the pool now rather than at the first evaluation."""
    _pool.prestart()


def evaluate(
    source: str, data: Mapping[str, Any], external: Mapping[str, Any] | None = None
) -> Any:
    return _call("eval", "eval", source, data, external)["value"]


def execute(
    source: str, data: Mapping[str, Any], external: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Run a script on a copy of `data`; return the data it leaves (nothing on failure)."""
    result: dict[str, Any] = _call("run", "exec", source, data, external)["data"]
    return result


def check(mode: str, source: str) -> None:
    """Compile a source as it will run, inside the bounds (deploy time)."""
    _call("check", mode, source, {}, None)


def _call(
    op: str, mode: str, source: str, data: Mapping[str, Any], external: Mapping[str, Any] | None
) -> dict[str, Any]:
    from engine import registry

    helpers = registry.helpers()
    request = {
        "op": op,
        "cpu": cpu_seconds(),
        "mode": mode,
        "source": source,
        "data": dict(data),
        "external": dict(external or {}),
        "helpers": sorted(helpers),
    }
    try:
        body = json.dumps(request, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ScriptFailed(_("The task data cannot be passed to a script: %s") % exc) from exc
    worker = _pool.take()
    try:
        worker.stdin.write(HEADER.pack(len(body.encode())) + body.encode())
        worker.stdin.flush()
        reply = _converse(worker, helpers, time.monotonic() + wall_seconds())
    except (_Timeout, _Died, BrokenPipeError) as exc:
        raise _stopped(worker, timed_out=isinstance(exc, _Timeout)) from None
    except BaseException:
        worker.kill()
        raise
    if reply.get("kind") == "memory":
        worker.kill()  # it leaves on its own: a fragmented heap is not worth keeping
    else:
        _pool.give_back(worker)
    return _result(reply)


def _converse(
    worker: _Worker, helpers: Mapping[str, Callable[..., Any]], deadline: float
) -> dict[str, Any]:
    while True:
        message = worker.read(deadline)
        if "call" not in message:
            reply: dict[str, Any] = message
            return reply
        function = helpers.get(message["call"])
        try:
            if function is None:
                raise NameError(message["call"])
            answer = {"value": function(*message["args"], **message["kwargs"])}
            worker.send(answer)
        except (TypeError, ValueError, KeyError, ZeroDivisionError, IndexError, NameError) as exc:
            worker.send({"error": str(exc), "type": type(exc).__name__})


def _stopped(worker: _Worker, *, timed_out: bool) -> SandboxLimitExceeded:
    code = worker.kill()
    if code in (-signal.SIGPROF, -signal.SIGXCPU):
        return SandboxLimitExceeded(
            _("The script used more than %(seconds)g s of processor time and was stopped.")
            % {"seconds": cpu_seconds()}
        )
    if timed_out:
        return SandboxLimitExceeded(
            _("The script did not finish within %(seconds)g s and was stopped.")
            % {"seconds": wall_seconds()}
        )
    return SandboxLimitExceeded(
        _("The script's sandbox process stopped unexpectedly (status %(code)s).") % {"code": code}
    )


def _result(reply: dict[str, Any]) -> dict[str, Any]:
    if reply.get("ok"):
        return reply
    kind, message = reply.get("kind"), reply.get("message", "")
    if kind == "rejected":
        raise ScriptRejected(message)
    if kind == "memory":
        raise SandboxLimitExceeded(
            _("The script needed more than %(megabytes)d MiB of memory and was stopped.")
            % {"megabytes": settings.SANDBOX_MEMORY_MB}
        )
    if kind == "recursion":
        raise SandboxLimitExceeded(_("The script recursed too deeply and was stopped."))
    if kind == "NameError":
        raise NameError(message, name=reply.get("name"))
    raise _RAISED.get(str(kind), ScriptFailed)(message)
