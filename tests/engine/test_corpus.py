"""Any diagram, any tool: every file of the corpus deploys and runs, or is refused clearly.

The corpus (tests/engine/corpus/) holds the shapes other modelers export and hostile files.
Each goes the way an upload or `deploy_workflows` goes — files on disk, `bundle_sources`,
`runtime.deploy` — and, when deployed, starts an instance and gives it what it waits for (answers, time,
messages) for a few rounds. Nothing may raise anything but a
`DeploymentError` whose every problem names a file, nothing may hang (a per-file alarm turns
a hang into a failure naming the file), and a started instance either completed or waits on
something someone can give it: a task, a timer or a message.
"""

from __future__ import annotations

import re
import signal
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from assistance.models import Case
from engine import runtime
from engine.bundle import DeploymentError
from engine.clock import clock
from engine.files import bundle_sources
from engine.models import InstanceStatus, ProcessInstance, Timer, Wait
from tests.engine.corpus.generate import Entry, entries

pytestmark = pytest.mark.django_db

# Termination, not speed: a file that takes this long is taken as a hang.
PER_FILE_SECONDS = 20
# What the domain reads when a process ends (assistance.projections): the corpus tests the
# engine, so every instance is given an outcome up front.
START_DATA = {"outcome": "closed"}


class Hung(Exception):
    pass


@contextmanager
def alarm(seconds: float) -> Iterator[None]:
    def ring(signum: int, frame: Any) -> None:
        raise Hung(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def reason(error: DeploymentError) -> str:
    """A refusal's kind, for the tally: its first message without the particulars."""
    message = re.sub(r"^Line \d+: ", "", error.details[0].message)
    message = re.sub(r"'[^']*'|\"[^\"]*\"|“[^”]*”|\([^)]*\)|\d+", "…", message)
    return message.split(":")[0][:70]


PLACED: Counter[str] = Counter()
# The closing tally: each outcome by what happened to the file.
KINDS = {
    "deployed and ran": "deployed and ran",
    "refused": "refused at deploy",
    "deployed, start refused": "refused at start",
}


def check_refusal(entry: Entry, error: DeploymentError) -> list[str]:
    wrong = []
    PLACED["problems"] += len(error.details)
    PLACED["naming an element"] += sum(1 for problem in error.details if problem.element)
    PLACED["with a line"] += sum(1 for problem in error.details if problem.line)
    if not error.details:
        wrong.append("refused without a reason")
    for problem in error.details:
        if not problem.file or problem.file not in {*entry.files, entry.main}:
            wrong.append(f"names no file of the upload: {problem}")
        if not problem.message.strip():
            wrong.append(f"says nothing: {problem!r}")
        if problem.file not in str(problem) or (
            problem.element and problem.element not in str(problem)
        ):
            wrong.append(f"the message drops its place: {problem}")
    return wrong


def run(entry: Entry, directory: Path, world: Any, case: Case) -> tuple[str, list[str]]:
    for name, data in entry.files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    try:
        sources = bundle_sources(directory, directory / entry.main)
        definition, _created = runtime.deploy(sources, entry.main, actor=world["policy"])
    except DeploymentError as error:
        return f"refused: {reason(error)}", check_refusal(entry, error)
    try:
        instance = runtime.start(
            definition.key, case_id=case.pk, region_id=case.region_id, actor=None, data=START_DATA
        )
    except runtime.ProcessFailed as failed:
        # Diagram code that fails when run: the start is refused naming the step, and
        # nothing is stored. A variable nothing provides is the deploy check's to refuse.
        print(f"{entry.name}: {failed}")
        wrong = [] if str(failed).strip() else ["ProcessFailed without a message"]
        if "is not defined" in str(failed) or "NameError" in str(failed):
            wrong.append(f"deployed though it reads a variable nothing provides: {failed}")
        return "deployed, start refused: the process could not continue", wrong
    instance.refresh_from_db()
    if instance.status == InstanceStatus.COMPLETED:
        return "deployed and ran: completed in start()", []
    waits_on = waiting_on(instance)
    if waits_on is None:
        return "deployed but stuck", ["the instance can never move: no task, timer or message"]
    drive(instance, world)
    instance.refresh_from_db()
    if instance.status != InstanceStatus.COMPLETED:
        return f"deployed and ran: waits for {waits_on}, then still waits", (
            [] if waiting_on(instance) else ["stuck after its first wait"]
        )
    return f"deployed and ran: waits for {waits_on}, then completed", []


def waiting_on(instance: ProcessInstance) -> str | None:
    if instance.tasks.exists():
        return "a user task"
    if Timer.objects.filter(instance=instance).exists():
        return "a timer"
    if Wait.objects.filter(instance=instance).exists() or runtime.waiting_messages(instance):
        return "a message"
    return None


def drive(instance: ProcessInstance, world: Any) -> None:
    """Give the instance what it waits for — answers, time, messages — a few rounds."""
    for _round in range(5):
        instance.refresh_from_db()
        if instance.status != InstanceStatus.RUNNING:
            return
        for task in instance.tasks.all():
            runtime.complete(task.pk, actor=world["clerk"], data={"answer": "yes"})
        clock.advance(timedelta(days=400))
        runtime.fire_due_timers()
        instance.refresh_from_db()
        if instance.status == InstanceStatus.RUNNING:
            for name in runtime.waiting_messages(instance)[:1]:
                runtime.send_message(instance.case_id, name, {}, actor=None)


def test_it_deploys_and_runs_or_clearly_refuses_every_file(world, tiny_case, fixed_clock, tmp_path):
    corpus = entries()
    assert len(corpus) >= 300
    tally: Counter[str] = Counter()
    failures: list[str] = []
    slowest = (0.0, "")
    with translation.override("en"):
        for index, entry in enumerate(corpus):
            case = Case.objects.create(
                number=f"C-{index}",
                assistance_type="dibao",
                household=tiny_case.household,
                region=world.village_a1,
            )
            began = time.monotonic()
            try:
                with alarm(PER_FILE_SECONDS):
                    outcome, wrong = run(entry, tmp_path / str(index), world, case)
            except Exception:  # every escape is a finding, listed below with its file
                outcome, wrong = "crashed", [traceback.format_exc(limit=-3)]
            slowest = max(slowest, (time.monotonic() - began, entry.name))
            tally[outcome] += 1
            if entry.expect == "run" and not outcome.startswith("deployed and ran"):
                wrong.append(f"expected to run, got {outcome}")
            if entry.expect == "refuse" and not outcome.startswith("refused"):
                wrong.append(f"expected a refusal, got {outcome}")
            failures += [f"{entry.name}: {problem}" for problem in wrong]
    print(f"\ncorpus: {len(corpus)} files, slowest {slowest[1]} {slowest[0]:.1f} s")
    print(f"refusal problems: {dict(PLACED)}")
    for outcome, count in sorted(tally.items(), key=lambda item: (item[0][:8], -item[1])):
        print(f"{count:5d}  {outcome}")
    kinds = Counter(KINDS.get(outcome.split(":")[0], "other") for outcome in tally.elements())
    print(", ".join(f"{kind}: {kinds[kind]}" for kind in [*KINDS.values(), "other"]))
    assert not failures, "\n".join(failures)
    assert kinds["other"] == 0, tally
