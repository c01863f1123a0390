"""Every text people read from workflows/ has its English in workflows/locale/en.json: the
names in every diagram (tasks, events, gateways, flows, the stages scripts set) and the titles,
descriptions and options of every form. A new diagram or form fails here, naming the file and
each text, with the lines to add to en.json."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings

from portal import workflow_text


def report(missing: list[tuple[str, str, str]]) -> str:
    lines = [f"{path} ({where}): {text}" for path, where, text in missing]
    todo = {text: "" for _path, _where, text in missing}
    return (
        f"{len(todo)} workflow texts lack an English translation in "
        f"workflows/{workflow_text.LOCALE_FILE}:\n"
        + "\n".join(lines)
        + "\n\nAdd these entries, with their English:\n"
        + json.dumps(todo, ensure_ascii=False, indent=2)
    )


def test_it_has_english_for_every_workflow_text() -> None:
    missing = workflow_text.untranslated(Path(settings.WORKFLOWS_DIR))
    assert not missing, report(missing)


def test_it_keeps_no_translation_nothing_uses() -> None:
    # Stale entries hide nothing, but a tidy file is easier to keep complete.
    directory = Path(settings.WORKFLOWS_DIR)
    used = {text for _path, _where, text in workflow_text.all_texts(directory)}
    stale = sorted(set(workflow_text.load(workflow_text.locale_path(directory))) - used)
    assert not stale, f"workflows/{workflow_text.LOCALE_FILE} translates unused texts: {stale}"


def test_it_names_the_file_and_text_that_lack_english(tmp_path: Path) -> None:
    (tmp_path / "forms").mkdir()
    (tmp_path / "locale").mkdir()
    (tmp_path / "demo.bpmn").write_text(
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
        '<bpmn:process id="demo" name="演示流程">'
        '<bpmn:lane id="l" name="township_clerk"/>'
        '<bpmn:userTask id="ask" name="受理审查"/>'
        '<bpmn:exclusiveGateway id="gw" name="是否同意"/>'
        '<bpmn:scriptTask id="s"><bpmn:script>stage = f"渐退期（{a}至{b}）"\n'
        "x = 1</bpmn:script></bpmn:scriptTask>"
        "</bpmn:process></bpmn:definitions>",
        encoding="utf-8",
    )
    (tmp_path / "forms" / "intake_demo.json").write_text(
        json.dumps(
            {
                "title": "受理审查",
                "properties": {
                    "kind": {"title": "类别", "oneOf": [{"const": "a", "title": "甲类"}]},
                    "tags": {"type": "array", "items": {"enum": ["低保户", "plain"]}},
                    "note": {"title": "说明", "description": "请写明原因"},
                },
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    (tmp_path / "locale" / "en.json").write_text(
        json.dumps({"受理审查": "Acceptance review", "说明": "Notes", "类别": " "}),
        encoding="utf-8",
    )

    missing = workflow_text.untranslated(tmp_path)

    assert missing == [
        ("demo.bpmn", "process demo", "演示流程"),
        ("demo.bpmn", "exclusiveGateway gw", "是否同意"),
        ("demo.bpmn", "script of s", "渐退期（{a}至{b}）"),
        ("forms/intake_demo.json", "/properties/kind/title", "类别"),
        ("forms/intake_demo.json", "/properties/kind/oneOf/0/title", "甲类"),
        ("forms/intake_demo.json", "/properties/tags/items/enum/0", "低保户"),
        ("forms/intake_demo.json", "/properties/note/description", "请写明原因"),
    ]
    message = report(missing)
    assert "forms/intake_demo.json (/properties/kind/oneOf/0/title): 甲类" in message
    assert '"渐退期（{a}至{b}）": ""' in message
