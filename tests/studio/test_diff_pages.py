"""The diff pages: two deployed versions of a process, and a draft beside its base version,
with their diagram JSON; the picker on a version's page. Policy staff only; a draft only to
those whose jurisdiction covers its scope."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from engine import runtime
from engine.models import ProcessDefinition
from studio.models import Draft
from tests.fixtures import SHANGHAI, World, make_user
from tests.portal.test_english import assert_english, english

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]

DUE = 'policy[\'confirmation_working_days\'])" />\n          <spiffworkflow:property name="excludeActorsOf"'


def dibao_v1() -> ProcessDefinition:
    return ProcessDefinition.objects.get(key="dibao", version=1, region__isnull=True)


def changed_sources() -> dict[str, str]:
    """dibao v1 with township confirmation due in 10 working days, the acceptance step drawn
    elsewhere, the supplement step gone and the opinion form's reasons limited to 500."""
    sources = dict(dibao_v1().sources)
    main = sources["dibao.bpmn"]
    assert main.count(DUE) == 2
    main = main.replace(DUE, '10)" />\n          <spiffworkflow:property name="excludeActorsOf"', 1)
    main = main.replace('<dc:Bounds x="230" y="190"', '<dc:Bounds x="240" y="190"')
    sources["dibao.bpmn"] = main
    form = json.loads(sources["forms/dibao_opinion.json"])
    form["properties"]["opinion_reasons"]["maxLength"] = 500
    sources["forms/dibao_opinion.json"] = json.dumps(form, ensure_ascii=False)
    return sources


@pytest.fixture
def v2(world: World) -> ProcessDefinition:
    definition, created = runtime.deploy(changed_sources(), "dibao.bpmn", actor=world["policy"])
    assert created and definition.version == 2
    return definition


def make_draft(world: World, **fields: object) -> Draft:
    base = dibao_v1()
    sources = changed_sources()
    # A draft may hold what no deploy would take: a step with no way in or out.
    sources["dibao.bpmn"] = sources["dibao.bpmn"].replace(
        '<bpmn:startEvent id="start"',
        '<bpmn:task id="draft_note" name="草稿备注" />\n    <bpmn:startEvent id="start"',
    )
    now = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
    values: dict[str, object] = {
        "key": "dibao",
        "name": base.name,
        "base": base,
        "main": "dibao.bpmn",
        "sources": sources,
        "author": world["policy"],
        "created_at": now,
        "updated_at": now,
        **fields,
    }
    return Draft.objects.create(**values)


def versions_url(a: ProcessDefinition, b: ProcessDefinition) -> str:
    return reverse("studio:diff-versions", args=[a.pk, b.pk])


def test_it_shows_what_changed_between_two_versions(
    client: Client, world: World, v2: ProcessDefinition
) -> None:
    client.force_login(world["policy"])
    response = client.get(versions_url(dibao_v1(), v2))
    assert response.status_code == 200
    html = response.content.decode()
    assert "v1" in html and "v2" in html
    assert 'data-element="township_confirm" data-status="changed"' in html
    # Only the part of the expression that changed is struck out and inserted.
    assert "办理期限" in html and "<ins>10</ins>)" in html
    assert "<del>policy[&#x27;confirmation_working_days&#x27;]</del>)" in html
    assert 'data-element="acceptance" data-status="moved"' in html
    assert 'data-element="opinion" data-status="inside"' in html
    assert 'data-field="opinion_reasons" data-status="changed"' in html
    for side in ("old", "new"):
        url = reverse("studio:diff-versions-diagram", args=[dibao_v1().pk, v2.pk, side])
        assert f'data-source="{url}"' in html
    # Legend words beside the colours, and the static files rather than inline code.
    assert "studio/diff.js" in html and "studio/diff.css" in html
    assert "<script>" not in html and "style=" not in html


def test_it_answers_each_diagram_with_its_markers(
    client: Client, world: World, v2: ProcessDefinition
) -> None:
    client.force_login(world["policy"])
    new = client.get(reverse("studio:diff-versions-diagram", args=[dibao_v1().pk, v2.pk, "new"]))
    data = new.json()
    assert 'id="dibao"' in data["xml"] and '<dc:Bounds x="240" y="190"' in data["xml"]
    assert data["changed"] == ["township_confirm"]
    assert data["moved"] == ["acceptance"]
    assert data["inside"] == ["opinion"]
    assert data["added"] == [] and data["removed"] == []
    old = client.get(reverse("studio:diff-versions-diagram", args=[dibao_v1().pk, v2.pk, "old"]))
    assert '<dc:Bounds x="230" y="190"' in old.json()["xml"]
    assert old.json()["changed"] == ["township_confirm"] and old.json()["inside"] == []
    missing = reverse("studio:diff-versions-diagram", args=[dibao_v1().pk, v2.pk, "middle"])
    assert client.get(missing).status_code == 404


def test_it_marks_removed_elements_on_the_old_diagram(
    client: Client, world: World, v2: ProcessDefinition
) -> None:
    client.force_login(world["policy"])
    # v2 to v1 backwards: nothing removed; a draft without the supplement step: removed.
    sources = dict(v2.sources)
    sources["dibao.bpmn"] = sources["dibao.bpmn"].replace(
        '<bpmn:sequenceFlow id="f_withdraw" sourceRef="gw_supplement" targetRef="withdrawn" '
        'name="撤回" />',
        "",
    )
    draft = make_draft(world, sources=sources)
    old = client.get(reverse("studio:draft-diff-diagram", args=[draft.pk, "old"])).json()
    assert old["removed"] == ["f_withdraw"]
    html = client.get(reverse("studio:draft-diff", args=[draft.pk])).content.decode()
    assert 'data-element="f_withdraw" data-status="removed"' in html


def test_it_refuses_posts(client: Client, world: World, v2: ProcessDefinition) -> None:
    client.force_login(world["policy"])
    draft = make_draft(world)
    for url in (
        versions_url(dibao_v1(), v2),
        reverse("studio:diff-versions-diagram", args=[dibao_v1().pk, v2.pk, "new"]),
        reverse("studio:diff-pick", args=[v2.pk]),
        reverse("studio:draft-diff", args=[draft.pk]),
        reverse("studio:draft-diff-diagram", args=[draft.pk, "new"]),
    ):
        assert client.post(url).status_code == 405, url


def test_it_is_missing_for_anyone_but_policy_staff(
    client: Client, world: World, v2: ProcessDefinition
) -> None:
    draft = make_draft(world)
    urls = [
        versions_url(dibao_v1(), v2),
        reverse("studio:diff-versions-diagram", args=[dibao_v1().pk, v2.pk, "old"]),
        reverse("studio:diff-pick", args=[v2.pk]) + f"?with={dibao_v1().pk}",
        reverse("studio:draft-diff", args=[draft.pk]),
        reverse("studio:draft-diff-diagram", args=[draft.pk, "new"]),
    ]
    for username in ("clerk", "approver", "auditor", "outsider"):
        client.force_login(world[username])
        for url in urls:
            assert client.get(url).status_code == 404, (username, url)
    client.logout()
    assert client.get(urls[0]).status_code == 302


def test_it_is_missing_for_versions_of_different_processes(
    client: Client, world: World, v2: ProcessDefinition
) -> None:
    client.force_login(world["policy"])
    elderly = ProcessDefinition.objects.get(key="elderly", version=1)
    assert client.get(versions_url(elderly, v2)).status_code == 404
    diagram = reverse("studio:diff-versions-diagram", args=[elderly.pk, v2.pk, "new"])
    assert client.get(diagram).status_code == 404
    assert client.get(reverse("studio:diff-versions", args=[v2.pk, 999999])).status_code == 404


def test_it_offers_the_other_versions_on_a_version_page(
    client: Client, world: World, v2: ProcessDefinition
) -> None:
    client.force_login(world["policy"])
    page = client.get(reverse("studio:process-by-id", args=[v2.pk]), follow=True)
    html = page.content.decode()
    assert f'action="{reverse("studio:diff-pick", args=[v2.pk])}"' in html
    assert f'<option value="{dibao_v1().pk}">v1' in html
    assert f'<option value="{v2.pk}">' not in html
    # The older of the two is the base, whichever page the comparison started from.
    picked = client.get(reverse("studio:diff-pick", args=[v2.pk]), {"with": dibao_v1().pk})
    assert picked.status_code == 302 and picked["Location"] == versions_url(dibao_v1(), v2)
    picked = client.get(reverse("studio:diff-pick", args=[dibao_v1().pk]), {"with": v2.pk})
    assert picked["Location"] == versions_url(dibao_v1(), v2)


def test_it_sends_bad_picks_back_to_the_version(
    client: Client, world: World, v2: ProcessDefinition
) -> None:
    client.force_login(world["policy"])
    elderly = ProcessDefinition.objects.get(key="elderly", version=1)
    back = reverse("studio:process-by-id", args=[v2.pk])
    for other in ("", "abc", str(elderly.pk), str(v2.pk), "999999"):
        response = client.get(reverse("studio:diff-pick", args=[v2.pk]), {"with": other})
        assert response.status_code == 302 and response["Location"] == back, other
    page = client.get(back, follow=True).content.decode()
    assert "请选择本流程的另一个版本进行比较" in page


def test_it_shows_a_draft_beside_its_base(client: Client, world: World) -> None:
    draft = make_draft(world)
    client.force_login(world["policy2"])
    response = client.get(reverse("studio:draft-diff", args=[draft.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"草稿 #{draft.pk}" in html
    assert 'data-element="draft_note" data-status="added"' in html
    assert 'data-element="township_confirm" data-status="changed"' in html
    new = client.get(reverse("studio:draft-diff-diagram", args=[draft.pk, "new"])).json()
    assert new["added"] == ["draft_note"] and "draft_note" in new["xml"]


def test_it_keeps_a_draft_to_policy_staff_whose_jurisdiction_covers_it(
    client: Client, world: World
) -> None:
    county_draft = make_draft(world, region=world.county)
    province_draft = make_draft(world)
    # Policy staff of another county see neither; the province's see both.
    elsewhere = make_user("policy_elsewhere", "policy_staff", world.township_b)
    client.force_login(elsewhere)
    for draft in (county_draft, province_draft):
        assert client.get(reverse("studio:draft-diff", args=[draft.pk])).status_code == 404
        diagram = reverse("studio:draft-diff-diagram", args=[draft.pk, "old"])
        assert client.get(diagram).status_code == 404
    county_staff = make_user("policy_county", "policy_staff", world.county)
    client.force_login(county_staff)
    assert client.get(reverse("studio:draft-diff", args=[county_draft.pk])).status_code == 200
    assert client.get(reverse("studio:draft-diff", args=[province_draft.pk])).status_code == 404
    client.force_login(world["policy"])
    assert client.get(reverse("studio:draft-diff", args=[county_draft.pk])).status_code == 200
    assert client.get(reverse("studio:draft-diff", args=[999999])).status_code == 404


def test_it_shows_an_unreadable_draft_file_without_failing(client: Client, world: World) -> None:
    sources = changed_sources()
    sources["dibao.bpmn"] = "<bpmn:definitions"
    draft = make_draft(world, sources=sources)
    client.force_login(world["policy"])
    response = client.get(reverse("studio:draft-diff", args=[draft.pk]))
    assert response.status_code == 200
    assert "diff-error" in response.content.decode()
    new = client.get(reverse("studio:draft-diff-diagram", args=[draft.pk, "new"])).json()
    assert new["xml"] == ""


def test_it_is_in_english_when_english_is_chosen(
    client: Client, world: World, v2: ProcessDefinition
) -> None:
    english(client, world, "policy")
    html = assert_english(client, versions_url(dibao_v1(), v2))
    assert "Due date" in html and "Changed inside" in html


def test_it_shows_a_changed_decision_table_beside_the_diagram(client: Client, world: World) -> None:
    base = ProcessDefinition.objects.get(key="elderly", version=1)
    sources = dict(base.sources)
    sources["elderly_age_bands.dmn"] = sources["elderly_age_bands.dmn"].replace(
        '<outputEntry id="Rule_1_monthly"><text>"30.00"</text></outputEntry>',
        '<outputEntry id="Rule_1_monthly"><text>"35.00"</text></outputEntry>',
    )
    draft = make_draft(world, key="elderly", name=base.name, base=base, main="elderly.bpmn")
    Draft.objects.filter(pk=draft.pk).update(sources=sources)
    client.force_login(world["policy"])
    html = client.get(reverse("studio:draft-diff", args=[draft.pk])).content.decode()
    table = html[html.index('data-decision="elderly_age_bands"') :]
    assert 'data-rule="Rule_1" data-status="changed"' in table
    assert "月发放标准（元）" in table and "&quot;35.00&quot;" in table
    assert 'data-element="band" data-status="inside"' in html
    new = client.get(reverse("studio:draft-diff-diagram", args=[draft.pk, "new"])).json()
    assert new["inside"] == ["band"]
