"""Workflow text shown in the active language: stored in Chinese, English looked up on display."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

from portal import workflow_text

EN = {
    "受理审查": "Acceptance review",
    "入户调查": "Home investigation",
    "渐退期（{gradual_from}至{gradual_until}）": "Gradual exit ({gradual_from} to {gradual_until})",
    "理由": "Reasons",
    "县残联审核（残疾证、等级）": "County disability federation review (certificate, grade)",
    "批准": "Approve",
}


@pytest.fixture
def workflows(settings, tmp_path: Path) -> Path:
    (tmp_path / "locale").mkdir()
    (tmp_path / "locale" / "en.json").write_text(json.dumps(EN), encoding="utf-8")
    settings.WORKFLOWS_DIR = tmp_path
    return tmp_path


def test_it_keeps_chinese_in_chinese(workflows: Path) -> None:
    with translation.override("zh-hans"):
        assert workflow_text.translate("受理审查") == "受理审查"


def test_it_translates_titles_in_english(workflows: Path) -> None:
    with translation.override("en"):
        assert workflow_text.translate("受理审查") == "Acceptance review"
        assert workflow_text.translate("") == ""
        assert workflow_text.translate(None) == ""


def test_it_fills_stages_a_script_computes(workflows: Path) -> None:
    with translation.override("en"):
        assert (
            workflow_text.translate("渐退期（2026-01-01至2026-06-30）")
            == "Gradual exit (2026-01-01 to 2026-06-30)"
        )


def test_it_translates_each_of_several_ready_tasks(workflows: Path) -> None:
    with translation.override("en"):
        assert (
            workflow_text.translate("受理审查、入户调查") == "Acceptance review, Home investigation"
        )


def test_it_leaves_text_it_does_not_know(workflows: Path) -> None:
    with translation.override("en"):
        assert workflow_text.translate("新的步骤") == "新的步骤"


def test_it_reads_the_file_again_when_policy_staff_change_it(workflows: Path) -> None:
    path = workflows / "locale" / "en.json"
    with translation.override("en"):
        assert workflow_text.translate("新的步骤") == "新的步骤"
        path.write_text(json.dumps({"新的步骤": "New step"}), encoding="utf-8")
        # A different modification time is what tells the cache the file changed.
        stat = path.stat()
        os.utime(path, (stat.st_atime, stat.st_mtime + 5))
        assert workflow_text.translate("新的步骤") == "New step"


def test_it_translates_a_schema_copy(workflows: Path) -> None:
    schema = {
        "title": "受理审查",
        "properties": {"decision": {"oneOf": [{"const": "approve", "title": "批准"}]}},
    }
    with translation.override("en"):
        english = workflow_text.translate_schema(schema)
    assert english["title"] == "Acceptance review"
    assert english["properties"]["decision"]["oneOf"][0] == {"const": "approve", "title": "Approve"}
    assert schema["title"] == "受理审查"


def test_it_gives_the_diagram_its_english_names(workflows: Path) -> None:
    xml = (
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
        '<bpmn:process id="p"><bpmn:userTask id="a" name="受理审查"/>'
        '<bpmn:lane id="l" name="township_clerk"/><bpmn:task id="b" name="未译"/>'
        "</bpmn:process></bpmn:definitions>"
    )
    with translation.override("en"):
        assert workflow_text.diagram_labels(xml) == {"受理审查": "Acceptance review"}
    with translation.override("zh-hans"):
        assert workflow_text.diagram_labels(xml) == {}


def test_it_filters_titles_in_templates(workflows: Path) -> None:
    template = Template("{% load doudi %}{{ title|wf }}|{{ name|message_label }}")
    with translation.override("en"):
        rendered = template.render(Context({"title": "入户调查", "name": "objection"}))
    assert rendered == "Home investigation|Objection to the public notice"
    with translation.override("zh-hans"):
        rendered = template.render(Context({"title": "入户调查", "name": "objection"}))
    assert rendered == "入户调查|公示异议"


def test_it_finds_the_texts_scripts_write() -> None:
    script = (
        "x = 1\nstage = '公示中'\nif x:\n    stage = f'渐退期（{a}至{b.c}）'\n"
        "reasons = {'death': '保障对象死亡', 'code': 'plain'}\nstage = ''"
    )
    assert sorted(workflow_text.script_texts(script)) == sorted(
        ["公示中", "渐退期（{a}至{b.c}）", "保障对象死亡"]
    )
    assert workflow_text.script_texts("not python (") == []


def test_it_translates_the_reasons_scripts_write() -> None:
    # The real file: reasons a process writes into Case.outcome_reasons read in English.
    with translation.override("en"):
        assert workflow_text.translate("2026-02-01死亡") == "Died on 2026-02-01"
        assert workflow_text.translate(
            "家庭成员死亡，保障金额自2026-04-01起调整为每月300.00元"
        ) == ("A household member died; from 2026-04-01 the amount is 300.00 yuan a month")
        # What staff typed stays as typed.
        assert workflow_text.translate("名下有车辆") == "名下有车辆"
