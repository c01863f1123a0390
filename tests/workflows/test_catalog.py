"""Every process in workflows/: it deploys, its user tasks name known roles and valid forms
(the deployment checks refuse anything else), and every one of its end events is reached by
at least one test — each such test carries `@pytest.mark.reaches(process, end_event)`, and the
`reached_end_events` fixture fails a test whose marker claims more than the test did."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from django.conf import settings
from lxml import etree

from engine import runtime
from engine.bundle import BPMN_NS, load_bundle
from engine.files import bundle_sources, main_files
from engine.models import ProcessDefinition

TESTS = Path(__file__).resolve().parent.parent


def end_events() -> set[tuple[str, str]]:
    found = set()
    for path in Path(settings.WORKFLOWS_DIR).glob("*.bpmn"):
        root = etree.parse(str(path)).getroot()
        for process in root.iter(f"{{{BPMN_NS}}}process"):
            for end in process.iter(f"{{{BPMN_NS}}}endEvent"):
                found.add((process.get("id"), end.get("id")))
    return found


def claimed() -> set[tuple[str, str]]:
    claims = set()
    for path in sorted(TESTS.rglob("test_*.py")):
        module = importlib.import_module(
            ".".join(path.relative_to(TESTS.parent).with_suffix("").parts)
        )
        for name in dir(module):
            function = getattr(module, name)
            for mark in getattr(function, "pytestmark", []) if name.startswith("test_it_") else []:
                if mark.name == "reaches":
                    claims.add((mark.args[0], mark.args[1]))
    return claims


@pytest.mark.django_db
def test_it_deploys_every_process(world):
    directory = Path(settings.WORKFLOWS_DIR)
    mains = main_files(directory)
    assert {path.name for path in mains} >= {"dibao.bpmn"}
    for main in mains:
        bundle = load_bundle(bundle_sources(directory, main), main.name)
        assert bundle.spec["spec"]["task_specs"], main.name
        runtime.deploy(bundle.sources, main.name, actor=None)
    assert ProcessDefinition.objects.count() == len(mains)


def test_it_has_a_test_reaching_every_end_event():
    missing = sorted(end_events() - claimed())
    assert not missing, f"end events no test reaches: {missing}"
