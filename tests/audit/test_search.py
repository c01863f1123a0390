"""The auditor's search across cases and people (/audit/search/) and its exports."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assistance.models import CaseRecusal
from audit import exports
from audit.queries import stage_key
from engine.models import AuditEvent
from tests.audit.search_world import make_case, named, other_county, province_auditor, rows
from tests.fixtures import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]

SEARCH = reverse("audit:search")


def search(client, user, **filters):
    client.force_login(user)
    return client.get(SEARCH, filters)


def found(client, world, **filters) -> list[str]:
    response = search(client, world["auditor"], **filters)
    assert response.status_code == 200, response.content.decode()[:2000]
    return rows(response)


def test_it_finds_a_case_by_name_id_last_digits_and_case_number(client, world):
    case = make_case(world, people=(("张三丰", "430102199001011236"), ("李四", None)))
    other = make_case(world, people=(("王五", "430102199202021235"),))
    assert found(client, world, q="张") == [case.number]  # one Chinese character is enough
    assert found(client, world, q="三丰") == [case.number]
    assert found(client, world, q="430102199001011236") == [case.number]
    assert found(client, world, q="011236") == [case.number]
    assert found(client, world, q=case.number.lower()) == [case.number]
    assert sorted(found(client, world, q="1235")) == [other.number]
    assert sorted(found(client, world, q="")) == sorted([case.number, other.number])


def test_it_finds_a_case_by_any_member_and_says_who_was_found(client, world):
    case = make_case(world, people=(("申请人甲", None), ("配偶乙", "430102199001011244")))
    response = search(client, world["auditor"], q="430102199001011244")
    assert rows(response) == [case.number]
    body = response.content.decode()
    assert "配偶乙" in body and "申请人甲" in body
    # In the list the IDs are masked; the whole number is only in the exports.
    assert "430102199001011244" not in body.split('class="stacked results audit-cases"')[1]
    assert "4301**********1244" in body


def test_it_filters_by_type_status_and_stage(client, world):
    dibao = make_case(world, kind="dibao", status="active", stage="保障中")
    tekun = make_case(world, kind="tekun", status="in_progress", stage="受理审查")
    refused = make_case(world, kind="dibao", status="refused")
    assert found(client, world, kind="tekun") == [tekun.number]
    assert sorted(found(client, world, kind="dibao")) == sorted([dibao.number, refused.number])
    assert found(client, world, status="active") == [dibao.number]
    assert found(client, world, kind="dibao", status="refused") == [refused.number]
    assert found(client, world, stage=stage_key("受理审查")) == [tekun.number]
    # Stages are offered from the cases in scope, by a key (stages are stored in Chinese).
    body = search(client, world["auditor"]).content.decode()
    assert f'value="{stage_key("受理审查")}">受理审查' in body
    assert f'value="{stage_key("保障中")}">保障中' in body


def test_it_filters_by_region_within_the_auditors_scope(client, world):
    a1 = make_case(world, region=world.village_a1)
    a2 = make_case(world, region=world.village_a2)
    b1 = make_case(world, region=world.village_b1)
    assert found(client, world, region=world.village_a1.pk) == [a1.number]
    assert sorted(found(client, world, region=world.township_a.pk)) == sorted(
        [a1.number, a2.number]
    )
    assert found(client, world, region=world.township_b.pk) == [b1.number]
    assert len(found(client, world, region=world.county.pk)) == 3
    # A region outside the scope is not a choice.
    elsewhere = other_county(world)
    response = search(client, world["auditor"], region=elsewhere.pk)
    assert response.status_code == 400 and rows(response) == []


def test_it_filters_by_application_and_decision_dates(client, world):
    early = make_case(world, applied=date(2026, 1, 5), decided=date(2026, 1, 20))
    late = make_case(world, applied=date(2026, 2, 10), decided=date(2026, 2, 25))
    pending = make_case(world, applied=date(2026, 2, 28))
    assert found(client, world, applied_from="2026-02-01") == [pending.number, late.number]
    assert found(client, world, applied_to="2026-01-05") == [early.number]
    assert found(client, world, applied_from="2026-02-10", applied_to="2026-02-10") == [late.number]
    assert found(client, world, decided_from="2026-01-21") == [late.number]
    assert found(client, world, decided_to="2026-01-31") == [early.number]


def test_it_filters_by_amount_range(client, world):
    low = make_case(world, amount="120.00")
    high = make_case(world, amount="980.50")
    make_case(world, amount=None)
    assert found(client, world, amount_min="500") == [high.number]
    assert found(client, world, amount_max="120") == [low.number]
    assert found(client, world, amount_min="100", amount_max="1000") == [high.number, low.number]


def test_it_filters_by_the_staff_member_who_acted(client, world):
    named(world["reviewer"], "赵审核")
    reviewed = make_case(world, acted_by=(world["reviewer"],))
    by_clerk = make_case(world, acted_by=(world["clerk"],))
    assert found(client, world, staff="reviewer") == [reviewed.number]
    assert found(client, world, staff="REVIEWER") == [reviewed.number]
    assert found(client, world, staff="赵审核") == [reviewed.number]
    assert found(client, world, staff="赵") == [reviewed.number]
    assert found(client, world, staff="clerk") == [by_clerk.number]
    assert found(client, world, staff="nobody") == []
    # An auditor's own reads are not "acting" on a case.
    client.get(f"/audit/search/?q={by_clerk.number}")
    from audit.actions import do_record_read

    do_record_read(by_clerk.pk, "audit.case_viewed", actor=world["auditor"])
    assert found(client, world, staff="auditor") == []


def test_it_refuses_bad_input_with_400(client, world):
    for filters in (
        {"q": "7"},
        {"q": "50%"},
        {"q": "x" * 41},
        {"kind": "pension"},
        {"status": "paid"},
        {"applied_from": "2026-03-02", "applied_to": "2026-03-01"},
        {"amount_min": "-1"},
        {"amount_min": "900", "amount_max": "100"},
        {"staff": "a_b"},
        {"applied_from": "yesterday"},
    ):
        response = search(client, world["auditor"], **filters)
        assert response.status_code == 400, filters
    assert not AuditEvent.objects.filter(action="audit.searched").exists()


def test_it_scopes_a_county_auditor_to_the_county_and_a_province_auditor_to_all(client, world):
    mine = make_case(world)
    elsewhere = make_case(world, region=other_county(world))
    assert found(client, world) == [mine.number]
    assert found(client, world, q=elsewhere.number) == []
    response = search(client, province_auditor(world))
    assert rows(response) == [elsewhere.number, mine.number]
    # The province auditor filters by county and township, not by each of a province's villages.
    body = response.content.decode()
    assert "邻县" in body and "北镇" in body and "北村" not in body.split("</select>")[3]


def test_it_hides_cases_the_auditor_is_recused_from(client, world):
    case = make_case(world)
    CaseRecusal.objects.create(case=case, user=world["auditor"], reason="近亲属")
    assert found(client, world, q=case.number) == []


def test_it_does_not_exist_for_anyone_but_auditors(client, world):
    make_case(world)
    for username in ("clerk", "approver", "checker", "policy", "outsider"):
        assert search(client, world[username]).status_code == 404, username
        client.force_login(world[username])
        assert client.get(reverse("audit:search-export", args=["xlsx"])).status_code == 404
    client.logout()
    assert client.get(SEARCH).status_code == 302
    assert not AuditEvent.objects.filter(action__startswith="audit.").exists()


def test_it_answers_only_get(client, world):
    client.force_login(world["auditor"])
    assert client.post(SEARCH, {"q": "张"}).status_code == 405
    assert client.post(reverse("audit:search-export", args=["csv"])).status_code == 405


def test_it_links_each_case_to_its_reconstruction_and_pages_the_results(client, world):
    cases = [make_case(world) for _ in range(53)]
    response = search(client, world["auditor"], kind="dibao")
    body = response.content.decode()
    assert len(rows(response)) == 50
    assert f'href="/audit/cases/{cases[-1].pk}/"' in body
    assert "1 / 2" in body and "kind=dibao&amp;page=2" in body
    second = search(client, world["auditor"], kind="dibao", page=2)
    assert rows(second) == [case.number for case in cases[:3]][::-1]


def test_it_records_every_search_in_the_trail(client, world):
    case = make_case(world)
    search(client, world["auditor"], q=case.number, kind="dibao")
    event = AuditEvent.objects.get(action="audit.searched")
    assert event.actor == world["auditor"] and event.stream == "system"
    assert event.payload == {
        "filters": {"q": case.number, "kind": "dibao"},
        "found": 1,
        "page": 1,
    }
    # The bare page lists every case in scope: a search too.
    search(client, world["auditor"])
    assert AuditEvent.objects.filter(action="audit.searched").count() == 2


def export(client, world, fmt, **filters):
    client.force_login(world["auditor"])
    return client.get(reverse("audit:search-export", args=[fmt]), filters)


def test_it_exports_the_filtered_list_as_xlsx_with_ids_in_full(client, world):
    case = make_case(
        world,
        kind="tekun",
        status="active",
        amount="650.00",
        decided=date(2026, 2, 1),
        people=(("张三", "430102199001011236"), ("张小", "430102201001011231")),
    )
    make_case(world, kind="dibao")
    response = export(client, world, "xlsx", kind="tekun")
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_TYPE
    assert ".xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    data = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert data[0][:3] == ["案件编号", "救助类型", "状态"]
    assert data[0][6:8] == ["申请人", "申请人身份证号"]
    assert len(data) == 2
    row = dict(zip(data[0], data[1], strict=True))
    assert row["案件编号"] == case.number
    assert row["救助类型"] == "特困人员救助供养"
    assert row["申请人身份证号"] == "430102199001011236"
    assert row["乡镇（街道）"] == "东镇" and row["村（社区）"] == "东村"
    assert row["月保障金额（元）"] == 650
    assert row["保障人数"] == 2
    assert row["决定日期"].date() == date(2026, 2, 1)
    about = {key: value for key, value in book.worksheets[1].iter_rows(values_only=True)}
    assert about["救助类型"] == "tekun" and about["管辖范围"] == "示范县"
    assert about["行数"] == 1


def test_it_exports_the_same_list_as_a_streamed_csv(client, world):
    case = make_case(world, people=(("李四", "430102199001011252"),))
    response = export(client, world, "csv", q="李")
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeff案件编号,")
    assert case.number in text and "430102199001011252" in text
    assert len(text.strip().splitlines()) == 2


def test_it_bounds_the_export(client, world, monkeypatch):
    for _ in range(4):
        make_case(world)
    monkeypatch.setattr(exports, "EXPORT_LIMIT", 3)
    book = load_workbook(io.BytesIO(export(client, world, "xlsx").content))
    assert book.worksheets[0].max_row == 4
    about = {key: value for key, value in book.worksheets[1].iter_rows(values_only=True)}
    assert "3" in about["已截断"]
    text = b"".join(export(client, world, "csv").streaming_content).decode()
    assert len(text.strip().splitlines()) == 4


def test_it_records_every_export_with_its_filters(client, world):
    make_case(world, kind="tekun", amount="300.00")
    make_case(world, kind="tekun", amount="300.00")
    export(client, world, "csv", kind="tekun", amount_max="1000")
    event = AuditEvent.objects.get(action="audit.exported")
    assert event.actor == world["auditor"] and event.role == "auditor"
    assert event.payload == {
        "list": "search",
        "format": "csv",
        "limit": exports.EXPORT_LIMIT,
        "rows": 2,
        "filters": {"kind": "tekun", "amount_max": "1000"},
    }


def test_it_refuses_an_unknown_format_and_bad_filters(client, world):
    assert export(client, world, "pdf").status_code == 404
    assert export(client, world, "xlsx", q="7").status_code == 400
    assert not AuditEvent.objects.filter(action="audit.exported").exists()


def test_it_lets_an_auditor_without_a_staff_profile_export(client, world):
    auditor = make_user("plain_auditor", "auditor", world.county)
    client.force_login(auditor)
    response = client.get(reverse("audit:search-export", args=["xlsx"]))
    book = load_workbook(io.BytesIO(response.content))
    about = {key: value for key, value in book.worksheets[1].iter_rows(values_only=True)}
    assert about["导出人"] == "plain_auditor"
