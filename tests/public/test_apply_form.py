"""The public application form, /public/apply/<kind>/: no sign-in, scans from a phone."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assistance.models import Case, Channel, Evidence
from engine.models import Task
from public.views_apply import SUBMIT_LIMIT
from tests.public.apply_helpers import (
    PNG,
    form_data,
    fresh_cache,  # noqa: F401 (a fixture)
    people,
    scan_file,
)
from tests.workflows.evidence import APPLICATION

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fixed_clock", "deployed", "fresh_cache"),
]


def url(kind: str = "dibao") -> str:
    return reverse("public:apply-form", args=[kind])


def test_it_lists_the_kinds_and_shows_the_form_in_chinese(client, world):
    start = client.get(reverse("public:apply")).content.decode()
    assert url("dibao") in start and url("temporary") in start
    page = client.get(url()).content.decode()
    assert "网上申请" in page and "联系手机" in page
    assert 'accept="image/*,application/pdf"' in page and "capture" in page
    assert "东镇" in page and "西村" in page  # every village, grouped by township


def test_it_lodges_an_application_with_its_scans_and_shows_the_reference(client, world):
    response = client.post(url(), form_data(world.village_a1, people(2)))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("public:apply-status")
    assert case.channel == Channel.ONLINE and case.household.members.count() == 2
    assert Evidence.objects.filter(case=case).count() == len(APPLICATION)
    assert Task.objects.get(case=case).spec_name == "acceptance"
    status = client.get(reverse("public:apply-status")).content.decode()
    assert case.number in status and "等待乡镇受理审查" in status


def test_it_lodges_temporary_aid_with_its_own_fields(client, world):
    data = form_data(
        world.village_a1,
        people(1),
        **{"d-aid_type": "expenditure", "d-cause": "medical_costs", "d-requested_amount": "2000"},
    )
    assert client.post(url("temporary"), data).status_code == 302
    case = Case.objects.get()
    assert case.assistance_type == "temporary" and case.details["cause"] == "medical_costs"


def test_it_takes_only_get_and_post(client, world):
    assert client.put(url()).status_code == 405
    assert client.delete(reverse("public:apply")).status_code == 405
    assert client.post(reverse("public:apply")).status_code == 405


def test_it_answers_404_for_an_unknown_kind(client, world):
    assert client.get(url("lottery")).status_code == 404


def test_it_explains_a_wrong_resident_id_and_keeps_the_typed_data(client, world):
    rows = [("王秀英", "110105194912310021")]
    page = client.post(url(), form_data(world.village_a1, rows))
    text = page.content.decode()
    assert page.status_code == 400
    assert "身份证号码校验位不正确" in text
    assert 'value="东村2组15号"' in text and 'value="13800138000"' in text
    assert not Case.objects.exists()


def test_it_asks_for_the_missing_fields(client, world):
    data = form_data(world.village_a1, people(1))
    del data["address"]
    data["contact_phone"] = ""
    page = client.post(url(), data)
    assert page.status_code == 400
    assert page.content.decode().count("此项为必填项") == 2
    assert not Case.objects.exists()


def test_it_refuses_a_wrong_phone_number(client, world):
    page = client.post(url(), form_data(world.village_a1, people(1), phone="555-1234"))
    assert page.status_code == 400 and "11位手机号码" in page.content.decode()
    assert not Case.objects.exists()


def test_it_refuses_the_whole_submission_for_a_file_of_the_wrong_type(client, world, settings):
    files = {
        "id_cards": scan_file("id_cards", PNG, "id.png"),
        "hukou": scan_file("hukou", b"MZ\x90\x00 an executable", "hukou.exe"),
    }
    page = client.post(url(), form_data(world.village_a1, people(1), files=files))
    text = page.content.decode()
    assert page.status_code == 400
    assert "申请未提交" in text and "hukou.exe" in text
    assert "请重新选择文件" in text and 'value="王秀英"' in text
    assert not Case.objects.exists() and not Evidence.objects.exists()


def test_it_refuses_a_file_over_the_limit_and_keeps_the_typed_data(client, world, settings):
    settings.EVIDENCE_MAX_BYTES = 4000
    files = {"id_cards": scan_file("id_cards", b"%PDF-1.7\n" + b"1" * 5000)}
    page = client.post(url(), form_data(world.village_a1, people(1), files=files))
    text = page.content.decode()
    assert page.status_code == 400 and "超过大小上限" in text
    assert 'value="13800138000"' in text
    assert not Case.objects.exists()


def test_it_refuses_a_second_application_without_naming_the_first(client, world):
    rows = people(1)
    assert client.post(url(), form_data(world.village_a1, rows)).status_code == 302
    first = Case.objects.get()
    client.get(reverse("public:apply-status"))  # the receipt is read
    client.post(reverse("public:apply-forget"))
    page = client.post(url(), form_data(world.village_a1, rows))
    assert page.status_code == 400
    assert (
        first.number not in page.content.decode()
        and "已有人申请或享受同类救助" in page.content.decode()
    )
    assert Case.objects.count() == 1


def test_it_answers_429_past_the_submission_limit(client, world):
    for _ in range(SUBMIT_LIMIT.count):
        client.post(url(), {"address": "x"})
    page = client.post(url(), form_data(world.village_a1, people(1)))
    assert page.status_code == 429 and "请求过于频繁" in page.content.decode()
    assert not Case.objects.exists()
    assert client.get(url()).status_code == 200  # reading the form is not limited
