"""/exchanges/checks/: the open check requests of the checker's county and the import of the
centre's results file, with a report per row."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exchanges.models import CheckStatus, FileImport
from tests.exchanges.helpers import request_of, waiting_case
from tests.fixtures import deploy_only
from tests.workflows.dibao import open_tasks

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "dibao_deployed")]

PAGE = reverse("exchanges:checks")
IMPORT = reverse("exchanges:checks-import")


@pytest.fixture
def dibao_deployed(world):
    deploy_only("dibao.bpmn", actor=world["policy"])


def results(*rows: str, header: str = "核对编号,核对结果,报告编号,原因") -> SimpleUploadedFile:
    text = "\n".join([header, *rows]) + "\n"
    return SimpleUploadedFile("核对结果.csv", text.encode("utf-8"), content_type="text/csv")


def test_it_lists_the_open_requests_for_the_checker(client, world):
    case = waiting_case(world)
    client.force_login(world["checker"])
    page = client.get(PAGE).content.decode()
    assert request_of(case).number in page and "导入核对中心的核对结果" in page
    applicant = case.household.members.get(is_applicant=True)
    assert applicant.resident_id in page


def test_it_imports_the_centres_results_and_moves_the_cases_on(client, world):
    case, other = waiting_case(world), waiting_case(world)
    client.force_login(world["checker"])
    upload = results(
        f"{request_of(case).number},符合,HD-1,",
        f"{request_of(other).number},不符合,HD-2,",
        "DB-NONE-C1,符合,HD-3,",
    )
    response = client.post(IMPORT, {"source": upload})
    assert response.status_code == 302
    imported = FileImport.objects.get()
    assert response.url == reverse("exchanges:import", args=[imported.pk])
    assert (imported.recorded, imported.duplicate, imported.rejected) == (1, 0, 2)
    assert open_tasks(case) == ["investigate"]
    assert request_of(other).status == CheckStatus.PENDING
    report = client.get(response.url).content.decode()
    assert "请填写不符合条件的理由" in report and "本辖区内没有此核对请求" in report
    again = client.post(IMPORT, {"source": results(f"{request_of(case).number},符合,HD-1,")})
    assert FileImport.objects.get(pk=int(again.url.rstrip("/").split("/")[-1])).duplicate == 1


def test_it_refuses_a_file_it_cannot_read_in_chinese(client, world):
    client.force_login(world["checker"])
    response = client.post(IMPORT, {"source": results("x,y", header="编号,结论")})
    assert response.status_code == 400
    assert "第一行须写明各列" in response.content.decode()
    big = SimpleUploadedFile("big.csv", b"a" * (2 * 1024 * 1024 + 1), content_type="text/csv")
    response = client.post(IMPORT, {"source": big})
    assert response.status_code == 400 and "文件超过 2 MB" in response.content.decode()
    assert not FileImport.objects.exists()


def test_it_refuses_wrong_methods(client, world):
    client.force_login(world["checker"])
    assert client.post(PAGE).status_code == 405
    assert client.get(IMPORT).status_code == 405


def test_it_does_not_exist_for_outsiders(client, world):
    waiting_case(world)
    client.force_login(world["outsider"])
    assert client.get(PAGE).status_code == 404
    assert client.post(IMPORT, {"source": results("a,符合,b,")}).status_code == 404


def test_it_lets_auditors_read_but_not_import(client, world):
    case = waiting_case(world)
    client.force_login(world["auditor"])
    page = client.get(PAGE).content.decode()
    assert request_of(case).number in page and "导入核对中心的核对结果" not in page
    assert client.post(IMPORT, {"source": results("a,符合,b,")}).status_code == 403
    assert not FileImport.objects.exists()


def test_it_lists_many_requests_in_as_many_queries_as_few(
    client, world, django_assert_max_num_queries
):
    client.force_login(world["checker"])
    waiting_case(world)
    client.get(PAGE)
    with django_assert_max_num_queries(14) as few:
        client.get(PAGE)
    for _index in range(4):
        waiting_case(world)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(PAGE).status_code == 200
