"""Scenario tests in the studio: a draft's scenarios saved, run, and shown on its diagram.

A scenario is start data and the answer of each task (format: docs/design.md, "Scenarios").
Running one drives the draft's bundle in memory (`engine.scenarios`): no case, instance,
task or audit row is written, so runs need no audit; saving a draft's scenarios does.
The shipped processes carry scenarios for their paths in `workflows/scenarios/<key>.json`;
a new draft starts with those of its process (`default_scenarios`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from assistance.access import AnyUser
from assistance.actions import ActionError
from engine import audit
from engine.clock import clock
from engine.models import ProcessDefinition
from engine.scenarios import (
    COMPLETED,
    FAILED,
    STOPPED,
    ScenarioResult,
    run_scenario,
    run_scenarios,
    validate_scenario,
)
from portal import workflow_text
from studio.access import get_draft_for_user, require_studio
from studio.models import Draft, DraftStatus

SCENARIO_DIR = "scenarios"
MAX_SCENARIOS = 50
# One scenario's JSON; the start data of a shipped one is a few KiB.
MAX_SCENARIO_CHARS = 100_000
_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


# ---------------------------------------------------------------- shipped scenarios


def default_scenarios(key: str) -> list[dict[str, Any]]:
    """The scenarios shipped for a process (`workflows/scenarios/<key>.json`), or none."""
    if not _KEY.match(key) or key.startswith("."):
        return []
    path = Path(settings.WORKFLOWS_DIR) / SCENARIO_DIR / f"{key}.json"
    if not path.is_file():
        return []
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []


# ---------------------------------------------------------------- access


def definition_for_user(user: AnyUser, definition_id: int) -> ProcessDefinition:
    require_studio(user)
    definition = ProcessDefinition.objects.filter(pk=definition_id).first()
    if definition is None:
        raise Http404("No such process version.")
    return definition


# ---------------------------------------------------------------- reading and checking


def parse_texts(texts: Sequence[str]) -> tuple[list[dict[str, Any]], dict[int, list[str]]]:
    """Scenarios from the editor's text boxes (blank boxes skipped); errors by box index."""
    scenarios: list[dict[str, Any]] = []
    errors: dict[int, list[str]] = {}
    names: dict[str, int] = {}
    for index, text in enumerate(texts):
        if not text.strip():
            continue
        if len(text) > MAX_SCENARIO_CHARS:
            errors[index] = [
                _("A scenario may have at most %(limit)d characters.")
                % {"limit": MAX_SCENARIO_CHARS}
            ]
            continue
        try:
            scenario = json.loads(text)
        except ValueError as exc:
            errors[index] = [_json_error(exc)]
            continue
        problems = validate_scenario(scenario)
        if not problems:
            name = scenario["name"].strip()
            if name in names:
                problems.append(_("Another scenario has the same name."))
            names[name] = index
        if problems:
            errors[index] = problems
            continue
        scenarios.append(scenario)
    if len(scenarios) > MAX_SCENARIOS:
        errors[len(texts)] = [
            _("A draft may have at most %(limit)d scenarios.") % {"limit": MAX_SCENARIOS}
        ]
    return scenarios, errors


def _json_error(exc: ValueError) -> str:
    line = getattr(exc, "lineno", None)
    column = getattr(exc, "colno", None)
    if line is not None and column is not None:
        return _("Not valid JSON (line %(line)d, column %(column)d).") % {
            "line": line,
            "column": column,
        }
    return _("Not valid JSON.")


def scenario_problems(scenarios: Any) -> list[str]:
    if not isinstance(scenarios, list):
        return [_("The scenarios must be a list.")]
    if len(scenarios) > MAX_SCENARIOS:
        return [_("A draft may have at most %(limit)d scenarios.") % {"limit": MAX_SCENARIOS}]
    problems: list[str] = []
    names: set[str] = set()
    for number, scenario in enumerate(scenarios, start=1):
        found = validate_scenario(scenario)
        if not found:
            name = scenario["name"].strip()
            if name in names:
                found = [_("Another scenario has the same name.")]
            names.add(name)
        problems += [
            _("Scenario %(number)d: %(problem)s") % {"number": number, "problem": problem}
            for problem in found
        ]
    return problems


def as_text(scenario: Any) -> str:
    return json.dumps(scenario, ensure_ascii=False, indent=2)


def fingerprint(scenarios: Any) -> str:
    """What the editor saw, so a save made from a stale page is refused."""
    canonical = json.dumps(scenarios, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


# ---------------------------------------------------------------- writes


@transaction.atomic
def do_save_draft_scenarios(
    draft_id: int,
    scenarios: list[dict[str, Any]],
    *,
    actor: User,
    expected: str | None = None,
) -> Draft:
    """Replace a draft's scenarios. `expected` is the fingerprint of those the editor showed."""
    draft = get_draft_for_user(actor, draft_id, lock=True)
    if draft.status != DraftStatus.EDITING:
        raise ActionError(_("Only a draft being edited can change its scenarios."))
    if expected is not None and fingerprint(draft.scenarios) != expected:
        raise ActionError(
            _(
                "The scenarios were changed in another window since this page was loaded; "
                "reload it and make your change again."
            )
        )
    problems = scenario_problems(scenarios)
    if problems:
        raise ActionError(" ".join(problems))
    before = [str(item.get("name", "")) for item in draft.scenarios if isinstance(item, dict)]
    draft.scenarios = list(scenarios)
    draft.updated_at = clock.now()
    draft.save(update_fields=["scenarios", "updated_at"])
    names = [item["name"] for item in scenarios]
    audit.record(
        "draft.scenarios_saved",
        actor=actor,
        role="policy_staff",
        region_id=draft.region_id,
        payload={
            "draft": draft.pk,
            "key": draft.key,
            "count": len(scenarios),
            "added": [name for name in names if name not in before],
            "removed": [name for name in before if name not in names],
            "sha256": fingerprint(scenarios),
        },
    )
    return draft


# ---------------------------------------------------------------- runs


def main_file(sources: Mapping[str, str], key: str) -> str:
    """The file of a deployed version that holds its main process."""
    return next(
        (
            path
            for path, text in sorted(sources.items())
            if path.endswith(".bpmn") and f'id="{key}"' in text
        ),
        f"{key}.bpmn",
    )


def run_all(sources: Mapping[str, str], main: str, scenarios: Sequence[Any]) -> list[Shown]:
    results = run_scenarios(sources, main, list(scenarios))
    return [Shown(index, result) for index, result in enumerate(results)]


def run_one(sources: Mapping[str, str], main: str, scenarios: Sequence[Any], index: int) -> Shown:
    if not 0 <= index < len(scenarios):
        raise Http404("No such scenario.")
    return Shown(index, run_scenario(sources, main, scenarios[index]))


def diagram_data(sources: Mapping[str, str], main: str, shown: Shown) -> dict[str, Any]:
    """For the portal's diagram viewer: the path in green, where it ended or stopped in
    orange, where it failed in red."""
    xml = sources.get(main, "")
    return {"xml": xml, **shown.result.marks(), "labels": workflow_text.diagram_labels(xml)}


class Shown:
    """One run as the pages show it."""

    def __init__(self, index: int, result: ScenarioResult) -> None:
        self.index = index
        self.result = result

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def main_ends(self) -> list[Any]:
        return [step for step in self.result.ends if not step.stage]

    @property
    def status_label(self) -> str:
        labels = {
            COMPLETED: _("Ran to its end"),
            STOPPED: _("Stopped"),
            FAILED: _("Failed"),
        }
        return str(labels.get(self.result.status, self.result.status))

    @property
    def data_text(self) -> str:
        return json.dumps(self.result.data, ensure_ascii=False, indent=2)


def summary(shown: Sequence[Shown]) -> dict[str, int]:
    passed = sum(1 for item in shown if item.result.passed)
    return {"passed": passed, "failed": len(shown) - passed, "total": len(shown)}
