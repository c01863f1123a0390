"""Scenario pages: a draft's scenarios listed, edited and run on its diagram; the shipped ones
run on a deployed version. Policy staff covering the draft's scope only; runs touch nothing."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assistance.models import Region
from engine.clock import clock
from engine.models import AuditEvent, ProcessDefinition, ProcessInstance, Task
from studio import scenarios
from studio.models import Draft, DraftStatus
from tests.fixtures import World, make_user
from tests.portal.test_english import chinese_left, english

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]

APPROVE = "批准：受理、核对、调查、公示无异议、县级确认"


def make_draft(world: World, *, region: Region | None = None, **fields: Any) -> Draft:
    base = ProcessDefinition.objects.get(key="dibao", region__isnull=True)
    now = clock.now()
    values: dict[str, Any] = {
        "key": base.key,
        "name": base.name,
        "region": region,
        "base": base,
        "main": scenarios.main_file(base.sources, base.key),
        "sources": dict(base.sources),
        "scenarios": scenarios.default_scenarios(base.key)[:3],
        "author": world["policy"],
        "created_at": now,
        "updated_at": now,
        **fields,
    }
    return Draft.objects.create(**values)


@pytest.fixture
def draft(world: World) -> Draft:
    return make_draft(world)


def url(name: str, *args: Any) -> str:
    return reverse(f"studio:{name}", args=args)


def save(client: Client, draft: Draft, texts: list[str], **extra: Any) -> Any:
    data = {
        "scenario": texts,
        "fingerprint": scenarios.fingerprint(draft.scenarios),
        **extra,
    }
    return client.post(url("draft-scenarios", draft.pk), data)


def test_it_ships_the_default_scenarios_of_a_process() -> None:
    shipped = scenarios.default_scenarios("dibao")
    assert APPROVE in [item["name"] for item in shipped]
    assert scenarios.default_scenarios("no_such_process") == []
    assert scenarios.default_scenarios("../forms/cosign") == []


def test_it_lists_a_drafts_scenarios_in_editable_boxes(
    client: Client, world: World, draft: Draft
) -> None:
    client.force_login(world["policy"])
    response = client.get(url("draft-scenarios", draft.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('name="scenario"') == 4  # three saved, one empty for a new one
    assert APPROVE in html
    assert url("draft-scenarios-run", draft.pk) in html
    assert url("draft-scenario", draft.pk, 0) in html
    assert "运行全部" in html


def test_it_saves_edited_added_and_removed_scenarios_with_an_audit_event(
    client: Client, world: World, draft: Draft
) -> None:
    client.force_login(world["policy"])
    first, second, third = (scenarios.as_text(item) for item in draft.scenarios)
    edited = json.loads(first)
    edited["name"] = "改过的名字"
    new = {"name": "新场景", "start": {}, "expect": {"status": "stopped"}}
    response = save(
        client,
        draft,
        [json.dumps(edited, ensure_ascii=False), second, third, json.dumps(new)],
        remove=["1"],
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert [item["name"] for item in draft.scenarios] == [
        "改过的名字",
        json.loads(third)["name"],
        "新场景",
    ]
    event = AuditEvent.objects.get(action="draft.scenarios_saved")
    assert event.actor == world["policy"]
    assert event.payload["draft"] == draft.pk and event.payload["count"] == 3
    assert "新场景" in event.payload["added"]
    assert json.loads(second)["name"] in event.payload["removed"]
    page = client.get(url("draft-scenarios", draft.pk)).content.decode()
    assert "已保存场景：3" in page  # the message after the redirect


def test_it_refuses_bad_json_naming_the_box_and_keeps_the_text(
    client: Client, world: World, draft: Draft
) -> None:
    client.force_login(world["policy"])
    before = copy.deepcopy(draft.scenarios)
    texts = [scenarios.as_text(item) for item in draft.scenarios]
    texts[1] = '{"name": "坏的", "start": {'
    response = save(client, draft, [*texts, '{"start": {}}'])
    assert response.status_code == 400
    html = response.content.decode()
    assert "不是有效的 JSON（第 1 行" in html
    assert "“name”" in html  # the new box names the missing name
    assert "{&quot;name&quot;: &quot;坏的&quot;, &quot;start&quot;: {" in html
    draft.refresh_from_db()
    assert draft.scenarios == before
    assert not AuditEvent.objects.filter(action="draft.scenarios_saved").exists()


def test_it_refuses_two_scenarios_of_one_name(client: Client, world: World, draft: Draft) -> None:
    client.force_login(world["policy"])
    text = scenarios.as_text(draft.scenarios[0])
    response = save(client, draft, [text, text])
    assert response.status_code == 400
    assert "另一个场景同名" in response.content.decode()


def test_it_refuses_a_save_from_a_stale_page(client: Client, world: World, draft: Draft) -> None:
    client.force_login(world["policy"])
    stale = scenarios.fingerprint(draft.scenarios)
    draft.scenarios = draft.scenarios[:1]
    draft.save(update_fields=["scenarios"])
    response = client.post(
        url("draft-scenarios", draft.pk), {"scenario": ["", ""], "fingerprint": stale}
    )
    assert response.status_code == 400
    assert "另一个窗口" in response.content.decode()
    draft.refresh_from_db()
    assert len(draft.scenarios) == 1


def test_it_runs_but_does_not_change_a_submitted_draft(
    client: Client, world: World, draft: Draft
) -> None:
    draft.status = DraftStatus.SUBMITTED
    draft.save(update_fields=["status"])
    client.force_login(world["policy"])
    page = client.get(url("draft-scenarios", draft.pk)).content.decode()
    assert "readonly" in page and 'name="save"' not in page
    response = save(client, draft, [scenarios.as_text(draft.scenarios[0])])
    assert response.status_code == 400
    assert "只有编辑中的草稿" in response.content.decode()
    assert client.post(url("draft-scenarios-run", draft.pk)).status_code == 200


def test_it_runs_all_and_shows_each_result(client: Client, world: World, draft: Draft) -> None:
    broken = copy.deepcopy(draft.scenarios[0])
    broken["name"] = "期望被拒"
    broken["expect"]["end"] = "end_refused"
    draft.scenarios = [*draft.scenarios, broken]
    draft.save(update_fields=["scenarios"])
    client.force_login(world["policy"])
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url("draft-scenarios-run", draft.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-passed="3" data-failed="1"' in html
    assert html.count('class="card scenario-result passed"') == 3
    failed = html[html.index('data-scenario="3"') :]
    assert "end_refused" in failed and "未通过" in failed
    assert "县级审核确认" in html  # a step of the path, by its name
    assert url("draft-scenario", draft.pk, 3) in html
    writes = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE")
    ]
    assert not [sql for sql in writes if "django_session" not in sql], writes
    assert not ProcessInstance.objects.exclude(case__isnull=False).exists()
    assert not AuditEvent.objects.filter(action__startswith="draft.").exists()


def test_it_shows_one_run_on_the_draft_diagram(client: Client, world: World, draft: Draft) -> None:
    client.force_login(world["policy"])
    response = client.get(url("draft-scenario", draft.pk, 0))
    assert response.status_code == 200
    html = response.content.decode()
    assert url("draft-scenario-diagram", draft.pk, 0) in html
    assert 'data-lane-labels="' in html
    data = client.get(url("draft-scenario-diagram", draft.pk, 0)).json()
    assert 'id="dibao"' in data["xml"]
    assert {"acceptance", "economic_check", "public_notice", "county_confirm"} <= set(
        data["completed"]
    )
    assert data["active"] == ["end_approved"]
    assert data["failed"] == []
    assert client.get(url("draft-scenario", draft.pk, 9)).status_code == 404


def test_it_marks_where_a_changed_diagram_fails(client: Client, world: World) -> None:
    base = ProcessDefinition.objects.get(key="dibao", region__isnull=True)
    main = scenarios.main_file(base.sources, base.key)
    sources = dict(base.sources)
    # The amount script reads a household field under a name the start data does not have.
    sources[main] = sources[main].replace("household['hukou']", "household['hukou_kind']")
    assert sources[main] != base.sources[main]
    draft = make_draft(world, sources=sources)
    client.force_login(world["policy"])
    html = client.get(url("draft-scenario", draft.pk, 0)).content.decode()
    assert 'class="scenario-error" data-element="calculate"' in html
    assert "hukou_kind" in html
    data = client.get(url("draft-scenario-diagram", draft.pk, 0)).json()
    assert data["failed"] == ["calculate"]
    assert "home_investigation" in data["completed"]


def test_it_runs_the_shipped_scenarios_on_a_deployed_version(client: Client, world: World) -> None:
    definition = ProcessDefinition.objects.get(key="exit", region__isnull=True)
    client.force_login(world["policy2"])
    listing = client.get(url("process-scenarios", definition.pk))
    assert listing.status_code == 200
    shipped = scenarios.default_scenarios("exit")
    assert shipped[0]["name"] in listing.content.decode()
    response = client.post(url("process-scenarios-run", definition.pk))
    assert response.status_code == 200
    assert f'data-passed="{len(shipped)}" data-failed="0"' in response.content.decode()
    one = client.get(url("process-scenario", definition.pk, 0))
    assert one.status_code == 200
    data = client.get(url("process-scenario-diagram", definition.pk, 0)).json()
    assert "end_closed" in data["active"]
    process = client.get(url("process-by-id", definition.pk), follow=True).content.decode()
    assert url("process-scenarios", definition.pk) in process


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("draft-scenarios", "delete"),
        ("draft-scenarios-run", "get"),
        ("draft-scenario", "post"),
        ("draft-scenario-diagram", "post"),
    ],
)
def test_it_answers_405_to_other_methods_on_a_draft(
    client: Client, world: World, draft: Draft, name: str, method: str
) -> None:
    client.force_login(world["policy"])
    args = [draft.pk, 0] if name in ("draft-scenario", "draft-scenario-diagram") else [draft.pk]
    assert getattr(client, method)(url(name, *args)).status_code == 405


def test_it_answers_405_to_other_methods_on_a_version(client: Client, world: World) -> None:
    definition = ProcessDefinition.objects.get(key="dibao", region__isnull=True)
    client.force_login(world["policy"])
    assert client.post(url("process-scenarios", definition.pk)).status_code == 405
    assert client.get(url("process-scenarios-run", definition.pk)).status_code == 405


def test_it_hides_drafts_from_outsiders(client: Client, world: World, draft: Draft) -> None:
    county_policy = make_user("county_policy", "policy_staff", world.county)
    county_draft = make_draft(world, region=world.county)
    pages = [
        ("get", url("draft-scenarios", draft.pk)),
        ("post", url("draft-scenarios", draft.pk)),
        ("post", url("draft-scenarios-run", draft.pk)),
        ("get", url("draft-scenario", draft.pk, 0)),
        ("get", url("draft-scenario-diagram", draft.pk, 0)),
    ]
    for user in (world["clerk"], world["auditor"], county_policy):
        client.force_login(user)
        for method, page in pages:
            assert getattr(client, method)(page).status_code == 404, (user, page)
    # A county's own policy staff see the county's draft; a clerk does not see it.
    client.force_login(county_policy)
    assert client.get(url("draft-scenarios", county_draft.pk)).status_code == 200
    client.force_login(world["clerk"])
    assert client.get(url("draft-scenarios", county_draft.pk)).status_code == 404
    definition = ProcessDefinition.objects.get(key="dibao", region__isnull=True)
    assert client.get(url("process-scenarios", definition.pk)).status_code == 404
    assert client.post(url("process-scenarios-run", definition.pk)).status_code == 404
    client.force_login(world["policy"])
    assert client.get(url("draft-scenarios", 10**6)).status_code == 404
    assert client.get(url("process-scenarios", 10**6)).status_code == 404
    client.logout()
    assert client.get(url("draft-scenarios", draft.pk)).status_code == 302
    assert not Task.objects.exists()


def test_it_refuses_a_save_outside_the_action(world: World, draft: Draft) -> None:
    from assistance.actions import ActionError

    with pytest.raises(ActionError) as refused:
        scenarios.do_save_draft_scenarios(draft.pk, [{"name": 3}], actor=world["policy"])
    assert "场景 1" in str(refused.value)


def test_it_shows_the_pages_in_english(client: Client, world: World, draft: Draft) -> None:
    english(client, world, "policy")
    names = [item["name"] for item in draft.scenarios]
    # What the run set (a stage such as 公示中) is process data too.
    run = scenarios.run_one(draft.sources, draft.main, draft.scenarios, 0)
    names.append(run.data_text)
    for page, method in [
        (url("draft-scenarios", draft.pk), "get"),
        (url("draft-scenarios-run", draft.pk), "post"),
        (url("draft-scenario", draft.pk, 0), "get"),
    ]:
        html = getattr(client, method)(page).content.decode()
        assert 'lang="en"' in html
        # Scenario texts are data, written by policy staff: shown as written.
        left = [run for run in chinese_left(html) if not any(run in text for text in names)]
        left = [run for run in left if run not in json.dumps(draft.scenarios, ensure_ascii=False)]
        assert not left, (page, left)
