"""The shipped scenarios: every main process carries scenarios for its paths
(workflows/scenarios/<key>.json), and each still meets its `expect` on the shipped diagrams.
A change to a diagram that moves a path fails here, naming the scenario and what moved."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import etree

from engine.bundle import BPMN_NS
from engine.files import bundle_sources, main_files
from engine.scenarios import run_scenario, validate_scenario

WORKFLOWS = Path(settings.WORKFLOWS_DIR)
MAINS = {main.stem: main for main in main_files(WORKFLOWS)}


def shipped(key: str) -> list[dict[str, Any]]:
    scenarios: list[dict[str, Any]] = json.loads(
        (WORKFLOWS / "scenarios" / f"{key}.json").read_text(encoding="utf-8")
    )
    return scenarios


def every_scenario() -> Iterator[Any]:
    for key in sorted(MAINS):
        for index, item in enumerate(shipped(key)):
            yield pytest.param(key, index, id=f"{key}-{index}-{item['name']}")


@pytest.fixture(autouse=True)
def fixed_day(fixed_clock: None) -> None:
    """Ages and dates in the scenarios are read against the test world's day."""


def test_it_ships_scenarios_for_every_main_process() -> None:
    found = {path.stem for path in (WORKFLOWS / "scenarios").glob("*.json")}
    assert found == set(MAINS)
    for key in MAINS:
        scenarios = shipped(key)
        assert scenarios, key
        names = [item["name"] for item in scenarios]
        assert len(set(names)) == len(names), f"{key}: two scenarios share a name"
        for item in scenarios:
            assert validate_scenario(item) == [], (key, item["name"])
            assert item["expect"].get("end"), (key, item["name"])


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "index"), list(every_scenario()))
def test_it_meets_the_expectations_of_each_shipped_scenario(key: str, index: int) -> None:
    main = MAINS[key]
    scenario = shipped(key)[index]
    result = run_scenario(bundle_sources(WORKFLOWS, main), main.name, scenario)
    assert result.passed, f"{key}: {scenario['name']}: {result.mismatches}"
    assert not result.unused, f"{key}: {scenario['name']} does not use {result.unused}"


def end_events(text: str, key: str) -> set[str]:
    root = etree.fromstring(text.encode())
    process = root.find(f"{{{BPMN_NS}}}process[@id='{key}']")
    assert process is not None
    return {element.get("id") for element in process.iter(f"{{{BPMN_NS}}}endEvent")}


def test_it_reaches_every_end_of_every_main_process() -> None:
    for key, main in MAINS.items():
        ends = end_events(main.read_text(encoding="utf-8"), key)
        expected = {item["expect"]["end"] for item in shipped(key)}
        assert ends == expected, f"{key}: no scenario ends at {sorted(ends - expected)}"


@pytest.mark.django_db
def test_it_passes_every_user_task_of_every_process() -> None:
    """Each step someone does, main line or called stage, is on some scenario's path."""
    for key, main in MAINS.items():
        sources = bundle_sources(WORKFLOWS, main)
        tasks = {
            element.get("id")
            for path, text in sources.items()
            if path.endswith(".bpmn")
            for element in etree.fromstring(text.encode()).iter(f"{{{BPMN_NS}}}userTask")
        }
        passed: set[str] = set()
        for scenario in shipped(key):
            result = run_scenario(sources, main.name, scenario)
            passed |= {step.element for step in result.path}
        assert tasks <= passed, f"{key}: no scenario passes {sorted(tasks - passed)}"


@pytest.mark.django_db
def test_it_fails_the_scenarios_whose_path_a_diagram_change_moves() -> None:
    main = MAINS["dibao"]
    sources = bundle_sources(WORKFLOWS, main)
    # The county no longer delegates: every confirmation goes to the county.
    text = sources[main.name]
    delegated = "policy['confirm_level'] == 'township'"
    assert delegated in text
    changed = {**sources, main.name: text.replace(delegated, "False")}
    results = {item["name"]: run_scenario(changed, main.name, item) for item in shipped("dibao")}
    failing = [name for name, result in results.items() if not result.passed]
    assert failing == ["县级委托乡镇确认"]
    mismatches = " ".join(results["县级委托乡镇确认"].mismatches)
    assert "township_confirm" in mismatches


@pytest.mark.django_db
def test_it_writes_nothing() -> None:
    main = MAINS["dibao"]
    sources = bundle_sources(WORKFLOWS, main)
    with CaptureQueriesContext(connection) as queries:
        for scenario in shipped("dibao"):
            run_scenario(sources, main.name, scenario)
    # Only what vetted helpers read (the holiday calendar); no row is written.
    statements = [query["sql"].lstrip().split()[0].upper() for query in queries.captured_queries]
    assert set(statements) <= {"SELECT"}, statements
