"""Scenario runs: a bundle driven in memory from its start data and answers, no case touched."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from engine.models import AuditEvent, ProcessInstance, Task, Timer
from engine.scenarios import (
    COMPLETED,
    FAILED,
    STOPPED,
    run_scenario,
    run_scenarios,
    validate_scenario,
)
from tests.engine.samples import tiny_bpmn, tiny_sources

ANSWER = {"answer": "好的", "count": 4}


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    with translation.override("en"):
        yield


def scenario(**fields):
    return {"name": "试运行", **fields}


def elements(result) -> list[str]:
    return [step.element for step in result.path]


def test_it_follows_the_path_and_fires_the_timer_the_scenario_allows() -> None:
    result = run_scenario(
        tiny_sources(), "tiny.bpmn", scenario(answers={"ask": ANSWER}, timers="all")
    )
    assert result.status == COMPLETED, result.error
    assert elements(result) == ["start", "ask", "calc", "gw", "wait", "done", "end"]
    assert [(end.element, end.stage) for end in result.ends] == [("end", "")]
    assert result.data["doubled"] == 8
    assert result.data["outcome"] == "closed"
    assert "answer" in result.data and "count" in result.data
    assert result.passed
    assert result.marks() == {
        "completed": ["ask", "calc", "done", "gw", "start", "wait"],
        "active": ["end"],
        "failed": [],
    }


def test_it_takes_the_other_branch_from_the_start_data() -> None:
    result = run_scenario(
        tiny_sources(condition="doubled > limit", start_data="limit"),
        "tiny.bpmn",
        scenario(start={"limit": 100}, answers={"ask": ANSWER}),
    )
    assert result.status == COMPLETED
    assert "wait" not in elements(result)
    # Start data that nothing changed is not repeated among the results.
    assert "limit" not in result.data


def test_it_stops_at_a_task_without_an_answer() -> None:
    result = run_scenario(tiny_sources(), "tiny.bpmn", scenario())
    assert result.status == STOPPED
    assert result.stopped_at is not None and result.stopped_at.element == "ask"
    assert "填写" in result.reason
    assert elements(result) == ["start"]
    # A scenario expects the process to complete unless it says otherwise.
    assert not result.passed
    assert result.marks()["active"] == ["ask"]


def test_it_stops_at_a_timer_the_scenario_does_not_fire() -> None:
    result = run_scenario(tiny_sources(), "tiny.bpmn", scenario(answers={"ask": ANSWER}))
    assert result.status == STOPPED
    assert result.stopped_at is not None and result.stopped_at.element == "wait"
    named = run_scenario(
        tiny_sources(), "tiny.bpmn", scenario(answers={"ask": ANSWER}, timers=["wait"])
    )
    assert named.status == COMPLETED


def test_it_meets_a_stop_it_expects() -> None:
    result = run_scenario(
        tiny_sources(),
        "tiny.bpmn",
        scenario(expect={"status": "stopped", "stopped_at": "ask", "path_includes": ["start"]}),
    )
    assert result.status == STOPPED
    assert result.passed, result.mismatches


def test_it_refuses_an_answer_that_does_not_fit_the_form() -> None:
    result = run_scenario(
        tiny_sources(), "tiny.bpmn", scenario(answers={"ask": {"answer": "好", "count": 0}})
    )
    assert result.status == FAILED
    assert result.error_at is not None and result.error_at.element == "ask"
    assert "answer" in result.error and "count" in result.error
    assert result.marks()["failed"] == ["ask"]


def test_it_names_the_element_where_a_script_fails() -> None:
    result = run_scenario(
        tiny_sources(script="doubled = count / divisor", start_data="divisor"),
        "tiny.bpmn",
        scenario(start={"divisor": 0}, answers={"ask": ANSWER}),
    )
    assert result.status == FAILED
    assert result.error_at is not None and result.error_at.element == "calc"
    assert "division by zero" in result.error
    assert elements(result) == ["start", "ask"]
    assert result.marks() == {"completed": ["ask", "start"], "active": [], "failed": ["calc"]}


def test_it_names_a_condition_that_reads_a_variable_no_one_sets() -> None:
    result = run_scenario(
        tiny_sources(condition="opinion == 'approve'"),
        "tiny.bpmn",
        scenario(answers={"ask": ANSWER}),
    )
    assert result.status == FAILED
    # Refused before the run by a deploy check, or at the gateway when the run reaches it.
    assert "opinion" in result.error
    assert result.error_at is not None


def test_it_computes_due_dates_as_the_runtime_would() -> None:
    due = '<spiffworkflow:property name="dueDate" value="add_days(today(), reply_days)" />'
    bpmn = tiny_bpmn(start_data="reply_days").replace(
        '<spiffworkflow:property name="formJsonSchemaFilename"',
        due + '<spiffworkflow:property name="formJsonSchemaFilename"',
    )
    sources = {**tiny_sources(), "tiny.bpmn": bpmn}
    result = run_scenario(sources, "tiny.bpmn", scenario(answers={"ask": ANSWER}))
    assert result.status == FAILED
    assert result.error_at is not None and result.error_at.element == "ask"
    assert "reply_days" in result.error
    fine = run_scenario(
        sources, "tiny.bpmn", scenario(start={"reply_days": 3}, answers={"ask": ANSWER})
    )
    assert fine.status == STOPPED  # at the timer: due dates are fine


def loop_sources() -> dict[str, str]:
    """The tiny process, but its gateway sends the task back while `again` holds."""
    bpmn = tiny_bpmn(condition="again").replace(
        'targetRef="wait"><bpmn:conditionExpression>',
        'targetRef="ask"><bpmn:conditionExpression>',
    )
    bpmn = bpmn.replace(
        "<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>",
        "<bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>f4</bpmn:incoming>"
        "<bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>",
    )
    form = (
        '{"type": "object", "properties": {"answer": {"type": "string"}, '
        '"count": {"type": "integer"}, "again": {"type": "boolean"}}}'
    )
    return {"tiny.bpmn": bpmn, "forms/tiny.json": form}


def test_it_takes_the_answers_of_a_repeated_task_in_order() -> None:
    answers = [{**ANSWER, "again": True}, {**ANSWER, "count": 5, "again": False}]
    result = run_scenario(loop_sources(), "tiny.bpmn", scenario(answers={"ask": answers}))
    assert result.status == COMPLETED, result.error
    assert elements(result).count("ask") == 2
    assert result.data["doubled"] == 10


def test_it_bounds_a_run_that_never_ends() -> None:
    # One answer given for every turn: the loop would go on for ever.
    endless = scenario(answers={"ask": {**ANSWER, "again": True}})
    result = run_scenario(loop_sources(), "tiny.bpmn", endless, max_steps=50)
    assert result.status == FAILED
    assert "50 steps" in result.error
    assert result.steps == 51
    timed = run_scenario(loop_sources(), "tiny.bpmn", endless, seconds=0)
    assert timed.status == FAILED
    assert "did not finish" in timed.error


def test_it_reports_unmet_expectations() -> None:
    result = run_scenario(
        tiny_sources(),
        "tiny.bpmn",
        scenario(
            answers={"ask": ANSWER, "other": {}},
            messages=[{"name": "objection", "payload": {}}],
            timers="all",
            expect={
                "end": "end_refused",
                "path_includes": ["calc", "refuse"],
                "path_excludes": ["wait"],
                "data": {"outcome": "closed", "doubled": 9},
            },
        ),
    )
    assert result.status == COMPLETED
    assert not result.passed
    text = " ".join(result.mismatches)
    assert "end_refused" in text and "refuse" in text and "wait" in text and "doubled" in text
    assert "outcome" not in text
    assert len(result.mismatches) == 4
    assert any("other" in item for item in result.unused)
    assert any("objection" in item for item in result.unused)


def test_it_reports_a_bundle_that_does_not_parse() -> None:
    result = run_scenario({"tiny.bpmn": "<bpmn"}, "tiny.bpmn", scenario())
    assert result.status == FAILED
    assert "tiny.bpmn" in result.error
    assert not result.passed
    refused = run_scenario(tiny_sources(lane="nobody"), "tiny.bpmn", scenario())
    assert refused.status == FAILED
    assert refused.error_at is not None and refused.error_at.element == "ask"
    assert refused.marks()["failed"] == ["ask"]


def test_it_runs_all_within_one_time_budget() -> None:
    items = [scenario(name=f"第{n}个", answers={"ask": ANSWER}, timers="all") for n in range(3)]
    results = run_scenarios(tiny_sources(), "tiny.bpmn", items)
    assert [result.status for result in results] == [COMPLETED] * 3
    late = run_scenarios(tiny_sources(), "tiny.bpmn", items, total_seconds=0)
    assert [result.status for result in late] == [FAILED] * 3
    assert "Not run" in late[0].error


def test_it_says_what_is_wrong_with_a_scenario() -> None:
    assert validate_scenario([]) != []
    problems = validate_scenario(
        {"name": "", "answers": {"ask": 3}, "timers": "some", "expect": {"why": 1}, "x": 1}
    )
    text = " ".join(problems)
    for word in ("name", "ask", "timers", "why", "x"):
        assert word in text
    assert validate_scenario(scenario(answers={"ask": [ANSWER]}, timers=["wait"])) == []
    result = run_scenario(tiny_sources(), "tiny.bpmn", {"name": "坏", "answers": []})
    assert result.status == FAILED and "answers" in result.error


@pytest.mark.django_db
def test_it_touches_no_database(django_assert_num_queries) -> None:
    sources = tiny_sources()
    run_scenario(sources, "tiny.bpmn", scenario())  # the parse is cached per process
    with django_assert_num_queries(0):
        result = run_scenario(sources, "tiny.bpmn", scenario(answers={"ask": ANSWER}, timers="all"))
    assert result.status == COMPLETED
    assert not ProcessInstance.objects.exists()
    assert not Task.objects.exists() and not Timer.objects.exists()
    assert not AuditEvent.objects.exists()
