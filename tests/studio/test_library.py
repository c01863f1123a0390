"""The process library: every process and its versions per scope with running instances,
and one version's diagram with running instances per step. Policy staff only, counts only."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engine import runtime
from engine.models import InstanceStatus, ProcessDefinition, ProcessInstance
from tests.fixtures import World
from tests.portal.test_english import assert_english, english
from tests.workflows.dibao import accept, apply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def redeploy(world: World, key: str = "dibao", region_id: int | None = None) -> ProcessDefinition:
    """A new version of a process: its sources with one comment added to the main file."""
    current = ProcessDefinition.objects.filter(key=key).order_by("-version").first()
    assert current is not None
    sources = dict(current.sources)
    main = f"{key}.bpmn"
    sources[main] = sources[main] + f"\n<!-- v{current.version + 1} {region_id} -->\n"
    definition, created = runtime.deploy(sources, main, actor=world["policy"], region_id=region_id)
    assert created
    return definition


@pytest.fixture
def two_versions(world: World) -> dict[str, ProcessDefinition]:
    """dibao v1 with two running cases (one accepted, one at acceptance), v2 with one."""
    first = apply(world)
    accept(world, first)
    apply(world)
    v2 = redeploy(world)
    apply(world)
    v1 = ProcessDefinition.objects.get(key="dibao", version=1, region__isnull=True)
    return {"v1": v1, "v2": v2}


def process_url(definition: ProcessDefinition) -> str:
    scope = definition.region.code if definition.region_id else "province"
    return reverse("studio:process", args=[definition.key, definition.version, scope])


def row(html: str, marker: str) -> str:
    start = html.index(marker)
    return html[start : html.index("</tr>", start)]


def test_it_lists_every_process_with_its_versions_for_policy_staff(
    client: Client, world: World, two_versions: dict[str, ProcessDefinition]
) -> None:
    client.force_login(world["policy"])
    response = client.get(reverse("studio:library"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "流程库" in html
    for key in ProcessDefinition.objects.values_list("key", flat=True).distinct():
        assert f'data-process="{key}"' in html
    dibao = html[html.index('data-process="dibao"') :]
    assert row(dibao, 'data-version="2" data-scope="province"').count('class="running">1<') == 1
    assert row(dibao, 'data-version="1" data-scope="province"').count('class="running">2<') == 1
    assert "全省" in row(dibao, 'data-version="2"') and "policy" in row(dibao, 'data-version="2"')
    assert process_url(two_versions["v2"]) in html


def test_it_counts_running_instances_per_version_and_not_finished_ones(
    client: Client, world: World, two_versions: dict[str, ProcessDefinition]
) -> None:
    ProcessInstance.objects.filter(definition=two_versions["v2"]).update(
        status=InstanceStatus.COMPLETED
    )
    client.force_login(world["policy"])
    html = client.get(reverse("studio:library")).content.decode()
    dibao = html[html.index('data-process="dibao"') :]
    assert 'class="running">0<' in row(dibao, 'data-version="2" data-scope="province"')
    assert 'class="running">2<' in row(dibao, 'data-version="1" data-scope="province"')


def test_it_shows_a_county_version_in_its_own_scope(client: Client, world: World) -> None:
    county_version = redeploy(world, region_id=world.county.pk)
    assert county_version.version == 1
    client.force_login(world["policy"])
    html = client.get(reverse("studio:library")).content.decode()
    dibao = html[html.index('data-process="dibao"') :]
    county_row = row(dibao, f'data-version="1" data-scope="{world.county.code}"')
    assert "示范县" in county_row
    response = client.get(process_url(county_version))
    assert response.status_code == 200 and "示范县" in response.content.decode()


def test_it_shows_one_version_with_running_instances_per_step(
    client: Client, world: World, two_versions: dict[str, ProcessDefinition]
) -> None:
    client.force_login(world["policy"])
    response = client.get(process_url(two_versions["v1"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-source="' + reverse("studio:process-diagram", args=[two_versions["v1"].pk]) in html
    acceptance = row(html, 'data-step="acceptance"')
    assert 'class="tasks">1<' in acceptance
    # The accepted case waits at the economic check (a message, or a task in the stage).
    check_wait = row(html, 'data-step="check_wait"')
    assert 'class="waits">1<' in check_wait and "属于“家庭经济状况核对”环节" in check_wait
    assert "属于" not in acceptance
    # The other version is one click away; this one is marked as current.
    assert process_url(two_versions["v2"]) in html
    assert 'aria-current="page"' in row(html, 'data-version="1" data-scope="province"')
    v2 = client.get(process_url(two_versions["v2"])).content.decode()
    assert 'class="tasks">1<' in row(v2, 'data-step="acceptance"')
    assert v2.count("data-step=") == 1


def test_it_gives_the_diagram_of_a_version_with_its_busy_steps(
    client: Client, world: World, two_versions: dict[str, ProcessDefinition]
) -> None:
    client.force_login(world["policy"])
    response = client.get(reverse("studio:process-diagram", args=[two_versions["v2"].pk]))
    assert response.status_code == 200
    data = json.loads(response.content)
    assert 'id="dibao"' in data["xml"] and "<!-- v2 None -->" in data["xml"]
    assert data["active"] == ["acceptance"] and data["completed"] == []
    # The accepted case waits inside the economic check stage: its call box is lit.
    response = client.get(reverse("studio:process-diagram", args=[two_versions["v1"].pk]))
    assert json.loads(response.content)["active"] == ["acceptance", "economic_check"]


def test_it_opens_a_version_by_its_definition_id(
    client: Client, world: World, two_versions: dict[str, ProcessDefinition]
) -> None:
    client.force_login(world["policy"])
    response = client.get(reverse("studio:process-by-id", args=[two_versions["v2"].pk]))
    assert response.status_code == 302 and response["Location"] == process_url(two_versions["v2"])


@pytest.mark.parametrize(
    "url",
    [
        lambda d: reverse("studio:process", args=["dibao", 9, "province"]),
        lambda d: reverse("studio:process", args=["dibao", 1, "999999"]),
        lambda d: reverse("studio:process", args=["nothing", 1, "province"]),
        lambda d: reverse("studio:process-diagram", args=[d.pk + 1000]),
        lambda d: reverse("studio:process-by-id", args=[d.pk + 1000]),
    ],
)
def test_it_answers_404_for_a_version_that_does_not_exist(
    client: Client, world: World, url
) -> None:
    definition = ProcessDefinition.objects.get(key="dibao")
    client.force_login(world["policy"])
    assert client.get(url(definition)).status_code == 404


def all_urls() -> list[str]:
    definition = ProcessDefinition.objects.get(key="dibao")
    return [
        reverse("studio:library"),
        process_url(definition),
        reverse("studio:process-diagram", args=[definition.pk]),
        reverse("studio:process-by-id", args=[definition.pk]),
    ]


def test_it_refuses_post(client: Client, world: World) -> None:
    client.force_login(world["policy"])
    for url in all_urls():
        assert client.post(url).status_code == 405, url


@pytest.mark.parametrize("username", ["approver", "clerk", "auditor", "outsider", "reviewer"])
def test_it_does_not_exist_for_other_roles(client: Client, world: World, username: str) -> None:
    client.force_login(world[username])
    for url in all_urls():
        assert client.get(url).status_code == 404, url
    home = client.get(reverse("inbox"), follow=True).content.decode()
    assert reverse("studio:library") not in home


def test_it_sends_anonymous_visitors_to_the_login(client: Client, world: World) -> None:
    response = client.get(reverse("studio:library"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_it_is_linked_from_the_policy_staff_home_page(client: Client, world: World) -> None:
    client.force_login(world["policy"])
    assert reverse("studio:library") in client.get(reverse("inbox")).content.decode()


def test_it_names_no_household(
    client: Client, world: World, two_versions: dict[str, ProcessDefinition]
) -> None:
    client.force_login(world["policy"])
    pages = [client.get(reverse("studio:library")), client.get(process_url(two_versions["v1"]))]
    case = ProcessInstance.objects.filter(definition=two_versions["v1"]).first().case
    for response in pages:
        html = response.content.decode()
        assert case.number not in html and "成员0" not in html and "东村1组" not in html


def test_it_shows_the_library_in_english(
    client: Client, world: World, two_versions: dict[str, ProcessDefinition]
) -> None:
    client = english(client, world, "policy")
    html = assert_english(client, reverse("studio:library"))
    assert "Process library" in html and "Province-wide" in html
    html = assert_english(client, process_url(two_versions["v1"]))
    assert "Running instances by step" in html and "Acceptance review" in html
    assert "in Household economic" in html
    assert_english(client, reverse("inbox"))


def library_urls(first_case_definition_id: int) -> dict[str, str]:
    newest = ProcessDefinition.objects.filter(key="dibao").order_by("-version").first()
    assert newest is not None
    return {
        "library": reverse("studio:library"),
        "process": process_url(newest),
        "diagram": reverse("studio:process-diagram", args=[first_case_definition_id]),
    }


def test_it_keeps_queries_flat_with_more_versions_and_instances(
    client: Client, world: World, django_assert_num_queries
) -> None:
    client.force_login(world["policy"])
    definition_id = apply(world).instances.get().definition_id
    few = {}
    for name, url in library_urls(definition_id).items():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        few[name] = len(queries.captured_queries)
    for _ in range(4):
        redeploy(world)
        redeploy(world, key="temporary")
    for _ in range(6):
        accept(world, apply(world))
        apply(world)
    redeploy(world, region_id=world.county.pk)
    assert ProcessInstance.objects.count() >= 13
    for name, url in library_urls(definition_id).items():
        with django_assert_num_queries(few[name]):
            assert client.get(url).status_code == 200, name
