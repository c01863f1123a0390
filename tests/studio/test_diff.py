"""The diff of two bundles (studio.diff.diff_sources), read from the shipped workflows with
one change each: a renamed form field, a timer, a moved element, a task added or removed,
a decision table cell, and the properties Doudi keeps on elements."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from engine.files import bundle_sources
from studio.diff import (
    ADDED,
    CHANGED,
    INSIDE,
    MOVED,
    REMOVED,
    BundleDiff,
    Change,
    FileDiff,
    diff_sources,
    main_path,
)

DIRECTORY = Path(settings.WORKFLOWS_DIR)

NEW_TASK = """    <bpmn:userTask id="check_amount" name="复核金额">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="dibao_opinion.json" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>f_calc</bpmn:incoming>
      <bpmn:outgoing>f_checked_amount</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f_checked_amount" sourceRef="check_amount" targetRef="opinion" />
"""
NEW_TASK_DI = """      <bpmndi:BPMNShape id="check_amount_di" bpmnElement="check_amount">
        <dc:Bounds x="1200" y="520" width="100" height="80" />
      </bpmndi:BPMNShape>
"""


@pytest.fixture
def dibao() -> dict[str, str]:
    return bundle_sources(DIRECTORY, DIRECTORY / "dibao.bpmn")


def changed(sources: dict[str, str], path: str, old: str, new: str, count: int = 1) -> None:
    """Replace text in one file, checking the text is there as often as expected."""
    assert sources[path].count(old) == count, (path, old)
    sources[path] = sources[path].replace(old, new)


def diff(old: dict[str, str], new: dict[str, str], main: str = "dibao.bpmn") -> BundleDiff:
    return diff_sources(old, new, main, main)


def file(result: BundleDiff, path: str) -> FileDiff:
    return next(found for found in result.files if found.path == path)


def element(result: BundleDiff, path: str, element_id: str) -> tuple[str, dict[str, Change]]:
    found = next(e for e in file(result, path).elements if e.id == element_id)
    return found.status, {change.key: change for change in found.changes}


def test_it_finds_nothing_between_identical_bundles(dibao: dict[str, str]) -> None:
    result = diff(dibao, dict(dibao))
    assert result.empty
    assert result.counts() == {ADDED: 0, REMOVED: 0, CHANGED: 0, MOVED: 0, INSIDE: 0}
    assert result.markers("new") == {ADDED: [], REMOVED: [], CHANGED: [], MOVED: [], INSIDE: []}


def test_it_lists_a_renamed_form_field_and_marks_the_task_using_the_form(
    dibao: dict[str, str],
) -> None:
    new = dict(dibao)
    form = json.loads(new["forms/dibao_opinion.json"])
    form["properties"]["township_opinion"] = form["properties"].pop("opinion")
    form["required"] = ["township_opinion"]
    form["properties"]["opinion_reasons"]["maxLength"] = 500
    new["forms/dibao_opinion.json"] = json.dumps(form, ensure_ascii=False, indent=2)
    result = diff(dibao, new)

    opinion_form = file(result, "forms/dibao_opinion.json")
    assert opinion_form.status == CHANGED
    fields = {field.path: field for field in opinion_form.fields}
    assert fields["township_opinion"].status == ADDED
    assert fields["township_opinion"].title == "审核意见"
    assert fields["opinion"].status == REMOVED
    reasons = fields["opinion_reasons"]
    assert reasons.status == CHANGED
    assert [(c.key, c.old, c.new) for c in reasons.changes] == [("maxLength", "2000", "500")]
    # Nothing else in the bundle changed: only this form, and the task that shows it.
    assert [found.path for found in result.changed_files] == [
        "dibao.bpmn",
        "forms/dibao_opinion.json",
    ]
    status, changes = element(result, "dibao.bpmn", "opinion")
    assert status == INSIDE and not changes
    assert file(result, "dibao.bpmn").status == "same"
    assert next(e for e in file(result, "dibao.bpmn").elements if e.id == "opinion").inside == [
        "forms/dibao_opinion.json"
    ]
    assert result.markers("new")[INSIDE] == ["opinion"]
    assert result.markers("old")[INSIDE] == []


def test_it_shows_a_changed_required_flag_in_words(dibao: dict[str, str]) -> None:
    new = dict(dibao)
    form = json.loads(new["forms/dibao_opinion.json"])
    form["required"] = ["opinion", "opinion_reasons"]
    new["forms/dibao_opinion.json"] = json.dumps(form)
    fields = {f.path: f for f in file(diff(dibao, new), "forms/dibao_opinion.json").fields}
    (required,) = fields["opinion_reasons"].changes
    assert required.key == "required"
    with translation.override("zh-hans"):
        assert (required.label, required.shown_old, required.shown_new) == ("必填", "选填", "必填")


def test_it_reports_a_changed_timer_in_a_called_stage(dibao: dict[str, str]) -> None:
    new = dict(dibao)
    changed(
        new,
        "shared_public_notice.bpmn",
        '<bpmn:timeDate xsi:type="bpmn:tFormalExpression" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">notice_until</bpmn:timeDate>',
        '<bpmn:timeDuration>"P10D"</bpmn:timeDuration>',
    )
    result = diff(dibao, new)
    status, changes = element(result, "shared_public_notice.bpmn", "notice_over")
    assert status == CHANGED
    assert list(changes) == ["timer"]
    assert changes["timer"].old == "timeDate: notice_until"
    assert changes["timer"].new == 'timeDuration: "P10D"'
    # The main diagram shows the stage as one box: the change inside it is marked there.
    status, _changes = element(result, "dibao.bpmn", "public_notice")
    assert status == INSIDE
    assert result.markers("new") == {
        ADDED: [],
        REMOVED: [],
        CHANGED: [],
        MOVED: [],
        INSIDE: ["public_notice"],
    }


def test_it_reports_an_element_only_moved_as_moved_not_changed(dibao: dict[str, str]) -> None:
    new = dict(dibao)
    changed(new, "dibao.bpmn", '<dc:Bounds x="230" y="190"', '<dc:Bounds x="250" y="210"')
    result = diff(dibao, new)
    main = file(result, "dibao.bpmn")
    assert [(e.id, e.status, e.changes) for e in main.elements] == [("acceptance", MOVED, [])]
    assert result.counts()[CHANGED] == 0 and result.counts()[MOVED] == 1
    assert result.markers("new")[MOVED] == ["acceptance"]
    assert main.substantive is False


def test_it_reports_text_only_changes_as_such(dibao: dict[str, str]) -> None:
    new = dict(dibao)
    new["dibao.bpmn"] += "\n<!-- a comment -->\n"
    main = file(diff(dibao, new), "dibao.bpmn")
    assert main.status == CHANGED and main.elements == [] and main.text_only


def test_it_lists_an_added_task_its_flows_and_the_rewired_one(dibao: dict[str, str]) -> None:
    new = dict(dibao)
    changed(
        new,
        "dibao.bpmn",
        '<bpmn:sequenceFlow id="f_calc" sourceRef="calculate" targetRef="opinion" />',
        '<bpmn:sequenceFlow id="f_calc" sourceRef="calculate" targetRef="check_amount" />\n'
        + NEW_TASK,
    )
    changed(
        new,
        "dibao.bpmn",
        "<bpmn:flowNodeRef>opinion</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>check_amount</bpmn:flowNodeRef>\n"
        "        <bpmn:flowNodeRef>opinion</bpmn:flowNodeRef>",
    )
    changed(new, "dibao.bpmn", "    </bpmndi:BPMNPlane>", NEW_TASK_DI + "    </bpmndi:BPMNPlane>")
    result = diff(dibao, new)
    main = file(result, "dibao.bpmn")
    statuses = {e.id: e.status for e in main.elements}
    assert statuses == {"f_calc": CHANGED, "check_amount": ADDED, "f_checked_amount": ADDED}
    _status, changes = element(result, "dibao.bpmn", "f_calc")
    assert list(changes) == ["@targetRef"]
    assert (changes["@targetRef"].old, changes["@targetRef"].new) == ("opinion", "check_amount")
    added = next(e for e in main.elements if e.id == "check_amount")
    assert (added.type, added.name) == ("userTask", "复核金额")
    markers = result.markers("new")
    assert markers[ADDED] == ["check_amount", "f_checked_amount"]
    assert markers[CHANGED] == ["f_calc"]
    # The other way round, the task and its flow are removed, marked on the old diagram.
    back = diff(new, dibao)
    assert back.markers("old")[REMOVED] == ["check_amount", "f_checked_amount"]
    assert back.markers("new")[REMOVED] == []
    assert back.counts()[REMOVED] == 2


def test_it_names_each_changed_property_of_an_element(dibao: dict[str, str]) -> None:
    new = dict(dibao)
    # County confirmation: a fixed day count, a renamed step, in the township reviewer's lane.
    changed(
        new,
        "dibao.bpmn",
        '<bpmn:userTask id="county_confirm" name="县级审核确认">',
        '<bpmn:userTask id="county_confirm" name="县级确认">',
    )
    changed(
        new,
        "dibao.bpmn",
        "policy['confirmation_working_days'])\" />\n"
        '          <spiffworkflow:property name="excludeActorsOf" value="investigate,cosign,'
        'county_investigate,opinion" />\n'
        '          <spiffworkflow:property name="evidenceRequired" value="application_form,hukou,'
        'id_cards,income_declaration,check_authorisation,investigation_record" />\n'
        '          <spiffworkflow:property name="evidenceRequiredWhen" value="decision == '
        "'approve'\" />\n        </spiffworkflow:properties>\n      </bpmn:extensionElements>\n"
        "      <bpmn:incoming>f_by_county",
        '10)" />\n'
        '          <spiffworkflow:property name="excludeActorsOf" value="investigate,cosign" />\n'
        '          <spiffworkflow:property name="evidenceRequired" value="application_form,hukou,'
        'id_cards,income_declaration,check_authorisation,investigation_record" />\n'
        '          <spiffworkflow:property name="evidenceRequiredWhen" value="decision == '
        "'approve'\" />\n        </spiffworkflow:properties>\n      </bpmn:extensionElements>\n"
        "      <bpmn:incoming>f_by_county",
    )
    changed(new, "dibao.bpmn", "<bpmn:flowNodeRef>county_confirm</bpmn:flowNodeRef>", "")
    changed(
        new,
        "dibao.bpmn",
        "<bpmn:flowNodeRef>township_confirm</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>township_confirm</bpmn:flowNodeRef>"
        "<bpmn:flowNodeRef>county_confirm</bpmn:flowNodeRef>",
    )
    # Confirmation delegated to the township: the condition and the default flow.
    changed(
        new,
        "dibao.bpmn",
        "<bpmn:conditionExpression>policy['confirm_level'] == 'township'</bpmn:conditionExpression>",
        "<bpmn:conditionExpression>policy['confirm_level'] != 'county'</bpmn:conditionExpression>",
    )
    changed(
        new,
        "dibao.bpmn",
        'name="确认层级" default="f_by_county"',
        'name="确认层级" default="f_by_township"',
    )
    changed(
        new,
        "dibao.bpmn",
        "<bpmn:script>outcome = 'approved'",
        "<bpmn:script>outcome = 'approved'\nnotified = True",
    )
    result = diff(dibao, new)
    status, changes = element(result, "dibao.bpmn", "county_confirm")
    assert status == CHANGED
    assert list(changes) == ["name", "lane", "property:dueDate", "property:excludeActorsOf"]
    assert (changes["name"].old, changes["name"].new) == ("县级审核确认", "县级确认")
    assert (changes["lane"].old, changes["lane"].new) == ("county_approver", "township_reviewer")
    assert changes["property:dueDate"].new == (
        "add_working_days(notice_last_day(notice_until) if notice_round else today(), 10)"
    )
    assert (
        changes["property:excludeActorsOf"].old == "investigate,cosign,county_investigate,opinion"
    )
    with translation.override("zh-hans"):
        assert changes["property:dueDate"].label == "办理期限"
        assert changes["lane"].label == "泳道（角色）"
    _status, changes = element(result, "dibao.bpmn", "f_by_township")
    assert list(changes) == ["condition"]
    _status, changes = element(result, "dibao.bpmn", "gw_confirm_level")
    assert (changes["@default"].old, changes["@default"].new) == ("f_by_county", "f_by_township")
    _status, changes = element(result, "dibao.bpmn", "approved")
    script = changes["script"]
    assert script.multiline
    assert ("+", "notified = True") in script.lines
    assert ("-", "notified = True") not in script.lines
    # The lane itself did not change: only which steps it holds, listed on the steps.
    assert "Lane_county_approver" not in {e.id for e in file(result, "dibao.bpmn").elements}


def test_it_lists_decision_table_cells_rules_and_columns_that_changed() -> None:
    old = bundle_sources(DIRECTORY, DIRECTORY / "elderly.bpmn")
    new = dict(old)
    path = "elderly_age_bands.dmn"
    changed(
        new,
        path,
        '<outputEntry id="Rule_1_monthly"><text>"30.00"</text></outputEntry>',
        '<outputEntry id="Rule_1_monthly"><text>"35.00"</text></outputEntry>',
    )
    changed(new, path, 'label="周岁年龄"', 'label="年龄（周岁）"')
    start = new[path].index('      <rule id="Rule_3">')
    end = new[path].index("</rule>", start) + len("</rule>\n")
    new[path] = new[path][:start] + new[path][end:]
    result = diff(old, new, "elderly.bpmn")
    table = next(t for t in file(result, path).tables if t.id == "elderly_age_bands")
    assert table.status == CHANGED
    rules = {rule.id: rule for rule in table.rules}
    assert rules["Rule_1"].status == CHANGED
    (cell,) = rules["Rule_1"].cells
    assert (cell.column, cell.old, cell.new) == ("月发放标准（元）", '"30.00"', '"35.00"')
    assert rules["Rule_3"].status == REMOVED and rules["Rule_3"].number == 3
    assert {c.column for c in rules["Rule_3"].cells} >= {"年龄（周岁）", "档次"}
    (column,) = table.columns
    assert (column.id, column.kind, column.status) == ("Input_age", "input", CHANGED)
    assert [(c.key, c.old, c.new) for c in column.changes] == [
        ("label", "周岁年龄", "年龄（周岁）")
    ]
    # The task that asks the table is marked on the main diagram.
    status, _changes = element(result, "elderly.bpmn", "band")
    assert status == INSIDE
    assert result.markers("new")[INSIDE] == ["band"]


def test_it_notices_a_new_rule_and_a_new_rule_order() -> None:
    old = bundle_sources(DIRECTORY, DIRECTORY / "elderly.bpmn")
    new = dict(old)
    path = "elderly_age_bands.dmn"
    start = new[path].index('      <rule id="Rule_2">')
    end = new[path].index("</rule>", start) + len("</rule>\n")
    rule_2 = new[path][start:end]
    extra = rule_2.replace("Rule_2", "Rule_9").replace("90 &lt;= ? &lt;= 99", "&gt;= 110")
    new[path] = new[path][:start] + new[path][end:]
    new[path] = new[path].replace(
        '      <rule id="Rule_1">', extra + rule_2 + '      <rule id="Rule_1">'
    )
    table = file(diff(old, new, "elderly.bpmn"), path).tables[0]
    rules = {rule.id: rule for rule in table.rules}
    assert set(rules) == {"Rule_9"} and rules["Rule_9"].status == ADDED
    assert rules["Rule_9"].number == 1
    assert ("周岁年龄", None, ">= 110") in [(c.column, c.old, c.new) for c in rules["Rule_9"].cells]
    (order,) = table.changes
    assert order.key == "ruleOrder"
    assert order.old.startswith("Rule_1, Rule_2") and order.new.startswith("Rule_2, Rule_1")


def test_it_reports_files_added_removed_and_unreadable(dibao: dict[str, str]) -> None:
    new = dict(dibao)
    del new["forms/dibao_supplement.json"]
    new["forms/extra.json"] = '{"type": "object", "properties": {"note": {"type": "string"}}}'
    new["shared_written_notice.bpmn"] = "<not xml"
    result = diff(dibao, new)
    assert file(result, "forms/dibao_supplement.json").status == REMOVED
    extra = file(result, "forms/extra.json")
    assert extra.status == ADDED and [f.path for f in extra.fields] == ["note"]
    broken = file(result, "shared_written_notice.bpmn")
    assert broken.status == CHANGED and broken.elements == []
    assert "shared_written_notice.bpmn" in broken.error
    # The stage that cannot be read is still marked as changed where it is called.
    status, _changes = element(result, "dibao.bpmn", "written_notice")
    assert status == INSIDE


def test_it_refuses_entities_as_the_deploy_does(dibao: dict[str, str]) -> None:
    new = dict(dibao)
    new["dibao.bpmn"] = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e "x">]>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&e;'
        "</bpmn:definitions>"
    )
    main = file(diff(dibao, new), "dibao.bpmn")
    assert main.error and main.elements == []


def test_it_pairs_a_renamed_main_file(dibao: dict[str, str]) -> None:
    new = dict(dibao)
    new["dibao_v2.bpmn"] = new.pop("dibao.bpmn").replace('name="受理审查"', 'name="受理"')
    result = diff_sources(dibao, new, "dibao.bpmn", "dibao_v2.bpmn")
    main = file(result, "dibao_v2.bpmn")
    assert main.old_path == "dibao.bpmn" and main.status == CHANGED
    assert [(e.id, e.status) for e in main.elements] == [("acceptance", CHANGED)]
    assert "dibao.bpmn" not in {found.path for found in result.files}


def test_it_finds_the_main_file_of_a_deployed_bundle(dibao: dict[str, str]) -> None:
    assert main_path(dibao, "dibao") == "dibao.bpmn"
    assert main_path(dibao, "public_notice") == "shared_public_notice.bpmn"
    assert main_path(dibao, "nothing") == ""


def test_it_keeps_a_few_lines_around_each_change_of_a_long_text() -> None:
    old = "\n".join(f"line_{n} = {n}" for n in range(20))
    new = old.replace("line_10 = 10", "line_10 = 11")
    lines = Change("script", old, new).lines
    assert ("-", "line_10 = 10") in lines and ("+", "line_10 = 11") in lines
    assert lines[0] == ("…", "") and lines[-1] == ("…", "")
    assert len(lines) == 2 + 2 * 2 + 2
    # One-line values are cut where they differ, so the rest reads as it was.
    before, after = Change("property:dueDate", "f(a, 3)", "f(a, 4)").inline or ([], [])
    assert before == [(False, "f(a, "), (True, "3"), (False, ")")]
    assert after == [(False, "f(a, "), (True, "4"), (False, ")")]
    assert Change("name", "甲", "乙").inline is None


def test_it_reports_a_message_event_waiting_for_another_message(dibao: dict[str, str]) -> None:
    new = dict(dibao)
    path = "shared_public_notice.bpmn"
    changed(
        new,
        path,
        '<bpmn:message id="Message_objection" name="objection" />',
        '<bpmn:message id="Message_objection" name="objection" />\n'
        '  <bpmn:message id="Message_complaint" name="complaint" />',
    )
    changed(new, path, 'messageRef="Message_objection"', 'messageRef="Message_complaint"')
    changed(
        new,
        path,
        "<spiffworkflow:messageVariable>objection_received",
        "<spiffworkflow:messageVariable>complaint_received",
    )
    result = diff(dibao, new)
    status, changes = element(result, path, "objection")
    assert status == CHANGED
    assert list(changes) == ["message", "eventDetails"]
    assert (changes["message"].old, changes["message"].new) == (
        "Message_objection",
        "Message_complaint",
    )
    assert "complaint_received" in (changes["eventDetails"].new or "")
    status, _changes = element(result, path, "Message_complaint")
    assert status == ADDED
