"""Registering an application through the portal form."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from assistance.models import Case
from tests.workflows.dibao import resident_id

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]

URL = "application-new"


def form(world, *people, village=None, **extra):
    data = {
        "assistance_type": "dibao",
        "village": (village or world.village_a1).pk,
        "address": "东村3组",
        "hukou": "rural",
        "m-TOTAL_FORMS": str(len(people)),
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "1",
        "m-MAX_NUM_FORMS": "20",
        **extra,
    }
    for index, (name, number, wage) in enumerate(people):
        data.update(
            {
                f"m-{index}-name": name,
                f"m-{index}-resident_id": number,
                f"m-{index}-relation": "self" if index == 0 else "child",
                f"m-{index}-covered": "on",
                f"m-{index}-wage": wage,
            }
        )
    return data


def test_it_registers_an_application_and_starts_the_process(client, world):
    client.force_login(world["clerk"])
    assert client.get(reverse(URL)).status_code == 200
    response = client.post(
        reverse(URL),
        form(
            world,
            ("王五", resident_id(date(1980, 1, 1)), "800"),
            ("王小", resident_id(date(2012, 1, 1)), ""),
        ),
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("case", args=[case.pk])
    assert case.household.members.count() == 2
    assert case.tasks.get().spec_name == "acceptance"


def test_it_lets_a_village_clerk_apply_for_their_own_village_only(client, world):
    client.force_login(world["village_clerk"])
    person = ("李四", resident_id(date(1975, 1, 1)), "")
    own = client.post(reverse(URL), form(world, person))
    assert own.status_code == 302
    other = client.post(
        reverse(URL),
        form(world, ("赵六", resident_id(date(1976, 1, 1)), ""), village=world.village_a2),
    )
    assert other.status_code == 200 and "有效" in other.content.decode()
    assert Case.objects.count() == 1


def test_it_explains_a_wrong_resident_id_in_chinese(client, world):
    client.force_login(world["clerk"])
    page = client.post(reverse(URL), form(world, ("王五", "110105194912310021", "")))
    assert page.status_code == 200
    assert "身份证号码校验位不正确" in page.content.decode()
    assert not Case.objects.exists()


def test_it_refuses_a_second_open_case_with_a_link_to_the_first(client, world):
    client.force_login(world["clerk"])
    number = resident_id(date(1981, 1, 1))
    client.post(reverse(URL), form(world, ("王五", number, "")))
    first = Case.objects.get()
    page = client.post(reverse(URL), form(world, ("王五", number, "")))
    assert page.status_code == 200
    assert reverse("case", args=[first.pk]) in page.content.decode()
    assert Case.objects.count() == 1


def test_it_refuses_other_roles_and_methods(client, world):
    for username in ("investigator", "auditor", "approver"):
        client.force_login(world[username])
        assert client.get(reverse(URL)).status_code == 403
    client.force_login(world["clerk"])
    assert client.put(reverse(URL)).status_code == 405


def test_it_keeps_an_outsider_out_of_other_townships(client, world):
    client.force_login(world["outsider"])
    page = client.post(reverse(URL), form(world, ("王五", resident_id(date(1982, 1, 1)), "")))
    assert page.status_code == 200 and not Case.objects.exists()


def test_it_records_household_deductions(client, world):
    client.force_login(world["clerk"])
    response = client.post(
        reverse(URL),
        form(world, ("王五", resident_id(date(1983, 1, 1)), "800"), medical="300", education="150"),
    )
    assert response.status_code == 302
    case = Case.objects.get()
    kinds = dict(case.household.deductions.values_list("kind", "monthly_amount"))
    assert {kind: str(amount) for kind, amount in kinds.items()} == {
        "medical": "300.00",
        "education": "150.00",
    }
    assert case.number.startswith("DB")


def test_it_attaches_a_new_application_to_the_registered_household(client, world):
    from assistance import actions
    from assistance.models import Household

    client.force_login(world["clerk"])
    number = resident_id(date(1984, 1, 1))
    client.post(reverse(URL), form(world, ("王五", number, "")))
    first = Case.objects.get()
    first.status = "refused"
    first.save(update_fields=["status"])
    second = client.post(
        reverse(URL),
        form(world, ("王五", number, ""), ("王小五", resident_id(date(2014, 1, 1)), "")),
    )
    assert second.status_code == 302
    assert Household.objects.count() == 1
    assert first.household.members.count() == 2
    Case.objects.update(status="refused")
    application = actions.ApplicationData(
        region_id=world.village_a2.pk,
        address="南村",
        hukou="rural",
        members=[actions.MemberData(name="王五", resident_id=number, is_applicant=True)],
    )
    with pytest.raises(actions.ActionError, match="登记在其他村"):
        actions.do_apply(application, actor=world["clerk"])


# ---------------------------------------------------------------- every kind (issue 7)

CARD = "6222020200112233446"  # passes the Luhn check
ELDER = date(1940, 5, 1)  # 85 on the fixed clock's day
CHILD = date(2015, 5, 1)


def kind_form(world, kind, people, details=None, **extra):
    """A POST for `kind`: people are (name, born, extra member fields) tuples."""
    data = {
        "assistance_type": kind,
        "village": world.village_a1.pk,
        "address": "东村3组",
        "hukou": "rural",
        "m-TOTAL_FORMS": str(len(people)),
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "1",
        "m-MAX_NUM_FORMS": "20",
        **{f"d-{key}": value for key, value in (details or {}).items()},
        **extra,
    }
    for index, (name, born, fields) in enumerate(people):
        data.update(
            {
                f"m-{index}-name": name,
                f"m-{index}-resident_id": resident_id(born) if born else "",
                f"m-{index}-relation": "self" if index == 0 else "family",
                f"m-{index}-covered": "on",
                **{f"m-{index}-{key}": value for key, value in fields.items()},
            }
        )
        if fields.get("covered") is False:
            del data[f"m-{index}-covered"]
    return data


# What the page posts for each kind, and the details each kind's process then starts with.
KIND_CASES = {
    "dibao": (date(1980, 1, 1), {"registered_poor": "on"}, {"registered_poor": True}),
    "tekun": (
        ELDER,
        {"care_situation": "alone", "preferred_support": "centralised", "care_needs": "卧床"},
        {
            "care_situation": "alone",
            "preferred_support": "centralised",
            "care_needs": "卧床",
            "orphan": False,
        },
    ),
    "temporary": (
        date(1980, 1, 1),
        {
            "aid_type": "emergency",
            "cause": "fire",
            "expenses": "8000",
            "expense_note": "房屋烧毁",
            "requested_amount": "3000.00",
        },
        {
            "aid_type": "emergency",
            "cause": "fire",
            "expenses": "8000",
            "expense_note": "房屋烧毁",
            "requested_amount": "3000.00",
        },
    ),
    "disability": (
        date(1980, 1, 1),
        {
            "subsidy": "nursing",
            "disabled_member": "1",
            "certificate_no": "43110119800101123411",
            "grade": "1",
            "category": "physical",
        },
        {
            "subsidy": "nursing",
            "disabled_member": 0,
            "certificate_no": "43110119800101123411",
            "grade": 1,
            "category": "physical",
        },
    ),
    "orphan": (
        CHILD,
        {
            "category": "unattended",
            "in_school": "on",
            "guardian_name": "王奶奶",
            "guardian_relation": "grandparent",
        },
        {
            "category": "unattended",
            "in_school": True,
            "guardian_name": "王奶奶",
            "guardian_relation": "grandparent",
        },
    ),
    "elderly": (ELDER, {"allowance": "old_age"}, {"allowance": "old_age"}),
}


def test_it_asks_for_the_kind_first(client, world):
    client.force_login(world["clerk"])
    page = client.get(reverse(URL)).content.decode()
    assert "请先选择申请的救助类型" in page
    for code, label in (
        ("dibao", "最低生活保障"),
        ("tekun", "特困"),
        ("temporary", "临时救助"),
        ("disability", "残疾人两项补贴"),
        ("orphan", "孤儿"),
        ("elderly", "高龄"),
    ):
        assert f'href="?assistance_type={code}"' in page and label in page
    assert 'name="m-0-name"' not in page


@pytest.mark.parametrize("kind", list(KIND_CASES))
def test_it_renders_the_intake_fields_of_each_kind_from_its_schema(client, world, kind):
    from assistance.kinds import KINDS, intake_schema

    client.force_login(world["clerk"])
    page = client.get(reverse(URL), {"assistance_type": kind}).content.decode()
    assert f'name="assistance_type" value="{kind}"' in page
    for name in intake_schema(KINDS[kind])["properties"]:
        assert f'name="d-{name}"' in page
    # One server-rendered row, no phantom ones, and the template the script clones.
    assert 'name="m-0-name"' in page and 'name="m-1-name"' not in page
    assert 'id="member-template"' in page and "m-__prefix__-name" in page
    assert "portal/members.js" in page and "<script>" not in page
    assert ('name="m-0-single_cover"' in page) is (kind == "dibao")


@pytest.mark.parametrize("kind", list(KIND_CASES))
def test_it_starts_each_kind_with_the_details_its_process_reads(client, world, kind):
    born, posted, expected = KIND_CASES[kind]
    if kind == "orphan":
        guardian = resident_id(date(1960, 1, 1))
        posted = {**posted, "guardian_resident_id": guardian}
        expected = {**expected, "guardian_resident_id": guardian}
    client.force_login(world["clerk"])
    response = client.post(reverse(URL), kind_form(world, kind, [("申请人", born, {})], posted))
    case = Case.objects.get()
    assert response.status_code == 302, response.content.decode()
    assert case.assistance_type == kind and case.details == expected
    assert case.household.members.count() == 1
    assert case.instances.get().definition.key == kind
    assert case.tasks.exists()


@pytest.mark.parametrize("kind", ["tekun", "temporary", "disability", "orphan", "elderly"])
def test_it_names_each_missing_required_intake_field(client, world, kind):
    from assistance.kinds import KINDS, intake_schema

    required = intake_schema(KINDS[kind])["required"]
    born, posted, _ = KIND_CASES[kind]
    client.force_login(world["clerk"])
    posted = {key: value for key, value in posted.items() if key != required[0]}
    page = client.post(reverse(URL), kind_form(world, kind, [("申请人", born, {})], posted))
    assert page.status_code == 200
    assert "此项为必填项" in page.content.decode()
    assert not Case.objects.exists()


def test_it_registers_three_members_with_disability_and_illness(client, world):
    client.force_login(world["clerk"])
    people = [
        ("王五", date(1980, 1, 1), {"wage": "800"}),
        ("王妻", date(1982, 1, 1), {"disability_grade": "2"}),
        ("王小", date(2012, 1, 1), {"seriously_ill": "on", "covered": False}),
    ]
    response = client.post(reverse(URL), kind_form(world, "dibao", people))
    assert response.status_code == 302
    members = {m.name: m for m in Case.objects.get().household.members.all()}
    assert members["王妻"].disability_grade == 2 and not members["王妻"].seriously_ill
    assert members["王小"].seriously_ill and not members["王小"].covered
    assert members["王五"].is_applicant and members["王小"].relation == "family"


def test_it_skips_blank_rows_instead_of_refusing_them(client, world):
    client.force_login(world["clerk"])
    people = [("王五", date(1980, 1, 1), {}), ("", None, {}), ("", None, {})]
    response = client.post(reverse(URL), kind_form(world, "dibao", people))
    assert response.status_code == 302
    assert Case.objects.get().household.members.count() == 1


def test_it_refuses_a_household_without_its_applicant_row(client, world):
    client.force_login(world["clerk"])
    page = client.post(reverse(URL), kind_form(world, "dibao", [("", None, {})]))
    assert page.status_code == 200 and "此项为必填项" in page.content.decode()
    assert not Case.objects.exists()


def test_it_adds_rows_without_javascript(client, world):
    client.force_login(world["clerk"])
    page = client.get(reverse(URL), {"assistance_type": "dibao", "rows": "3"}).content.decode()
    assert 'name="m-2-name"' in page and 'name="m-3-name"' not in page
    assert "rows=4" in page
    # Rows after the first are other members, not a second applicant.
    assert 'name="m-1-relation"' in page
    row = page.split('name="m-1-relation"')[1].split("</select>")[0]
    assert 'value="family" selected' in row


def test_it_follows_the_rows_the_script_left_after_a_removal(client, world):
    # The script renumbers rows 0..n-1 and sets TOTAL_FORMS; a removed row is simply absent.
    client.force_login(world["clerk"])
    data = kind_form(world, "dibao", [("王五", date(1980, 1, 1), {}), ("王六", CHILD, {})])
    data["m-2-name"] = "已删除"  # beyond TOTAL_FORMS: ignored
    response = client.post(reverse(URL), data)
    assert response.status_code == 302
    assert sorted(Case.objects.get().household.members.values_list("name", flat=True)) == [
        "王五",
        "王六",
    ]


def test_it_stores_a_luhn_checked_bank_card_on_the_case(client, world):
    client.force_login(world["clerk"])
    payment = {
        "payee_name": "王五",
        "bank_name": "农村信用社",
        "bank_card": "6222 0202 0011 2233 446",
    }
    response = client.post(
        reverse(URL), kind_form(world, "dibao", [("王五", date(1980, 1, 1), {})], **payment)
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.payee_name, case.bank_name, case.bank_card) == ("王五", "农村信用社", CARD)
    assert CARD not in str(case.instances.get().state)


@pytest.mark.parametrize(
    ("card", "message"),
    [
        ("6222020200112233440", "银行卡号有误：校验位不符"),
        ("62220202", "银行卡号应为12至19位数字"),
        ("6222O20200112233446", "银行卡号应为12至19位数字"),
    ],
)
def test_it_refuses_a_wrong_bank_card_in_chinese(client, world, card, message):
    client.force_login(world["clerk"])
    payment = {"payee_name": "王五", "bank_name": "农村信用社", "bank_card": card}
    page = client.post(
        reverse(URL), kind_form(world, "dibao", [("王五", date(1980, 1, 1), {})], **payment)
    )
    assert page.status_code == 200 and message in page.content.decode()
    assert not Case.objects.exists()


def test_it_wants_the_bank_and_holder_with_a_card(client, world):
    client.force_login(world["clerk"])
    page = client.post(
        reverse(URL),
        kind_form(world, "dibao", [("王五", date(1980, 1, 1), {})], bank_card=CARD),
    )
    assert page.content.decode().count("填写银行卡号时必填") == 2
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("kind", "born", "details", "message"),
    [
        ("tekun", date(1980, 1, 1), {"care_situation": "alone"}, "特困人员"),
        ("elderly", date(1960, 1, 1), {"allowance": "old_age"}, "高龄津贴"),
        ("elderly", ELDER, {"allowance": "needy_elderly"}, "困难老年人补贴"),
        (
            "disability",
            date(1980, 1, 1),
            {
                "subsidy": "living",
                "disabled_member": "1",
                "certificate_no": "4311011980",
                "grade": "3",
                "category": "physical",
            },
            "生活补贴",
        ),
    ],
)
def test_it_refuses_on_the_spot_in_chinese(client, world, kind, born, details, message):
    client.force_login(world["clerk"])
    page = client.post(reverse(URL), kind_form(world, kind, [("申请人", born, {})], details))
    assert page.status_code == 200
    alert = page.content.decode().split('role="alert"')[1].split("</div>")[0]
    assert message in alert and "only" not in alert.lower()
    assert not Case.objects.exists()


def test_it_refuses_single_person_cover_for_who_does_not_qualify(client, world):
    client.force_login(world["clerk"])
    people = [
        ("王五", date(1980, 1, 1), {"wage": "800"}),
        ("王妻", date(1982, 1, 1), {"single_cover": "on"}),
    ]
    page = client.post(reverse(URL), kind_form(world, "dibao", people))
    text = page.content.decode()
    assert page.status_code == 200
    assert "不能单人户施保：王妻既非一、二级重度残疾，也未患重病" in text
    assert not Case.objects.exists()


def test_it_covers_a_qualifying_member_alone(client, world):
    client.force_login(world["clerk"])
    people = [
        ("王五", date(1980, 1, 1), {"wage": "800"}),
        ("王妻", date(1982, 1, 1), {"single_cover": "on", "disability_grade": "1"}),
    ]
    response = client.post(reverse(URL), kind_form(world, "dibao", people))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.single_person.name == "王妻"
    data = case.instances.get().state
    assert str(case.single_person_id) in str(data)


def test_it_allows_single_person_cover_for_one_member_only(client, world):
    client.force_login(world["clerk"])
    people = [
        ("王五", date(1980, 1, 1), {"single_cover": "on", "seriously_ill": "on"}),
        ("王妻", date(1982, 1, 1), {"single_cover": "on", "disability_grade": "1"}),
    ]
    page = client.post(reverse(URL), kind_form(world, "dibao", people))
    assert "只能有一名成员单人户施保" in page.content.decode()


def test_it_refuses_an_unknown_kind_with_the_choice_again(client, world):
    client.force_login(world["clerk"])
    page = client.post(reverse(URL), {"assistance_type": "lottery"})
    assert page.status_code == 200 and "请先选择申请的救助类型" in page.content.decode()
    assert not Case.objects.exists()


def test_it_refuses_read_only_roles_on_every_kind(client, world):
    for username in ("auditor", "policy", "checker"):
        client.force_login(world[username])
        for kind in KIND_CASES:
            assert client.get(reverse(URL), {"assistance_type": kind}).status_code == 403
            assert client.post(reverse(URL), {"assistance_type": kind}).status_code == 403


def test_it_refuses_other_methods_for_every_kind(client, world):
    client.force_login(world["clerk"])
    for method in (client.put, client.patch, client.delete):
        assert method(reverse(URL) + "?assistance_type=tekun").status_code == 405


def test_it_keeps_an_outsiders_application_out_of_a_foreign_village(client, world):
    client.force_login(world["outsider"])
    page = client.get(reverse(URL), {"assistance_type": "dibao"}).content.decode()
    assert "西村" in page and "东村</option>" not in page
    data = kind_form(world, "tekun", [("申请人", ELDER, {})], {"care_situation": "alone"})
    response = client.post(reverse(URL), data)
    assert response.status_code == 200 and not Case.objects.exists()


# ---------------------------------------------------------------- open cases elsewhere


def test_it_names_only_the_township_of_an_open_case_outside_jurisdiction(client, world):
    number = resident_id(date(1979, 1, 1))
    client.force_login(world["outsider"])
    data = kind_form(world, "dibao", [("王五", None, {})], village=world.village_b1.pk)
    data["m-0-resident_id"] = number
    assert client.post(reverse(URL), data).status_code == 302
    foreign = Case.objects.get()

    client = Client()  # a fresh session: the first clerk's success message stays in theirs
    client.force_login(world["clerk"])
    data = kind_form(world, "dibao", [("王五", None, {})])
    data["m-0-resident_id"] = number
    page = client.post(reverse(URL), data).content.decode()
    assert "有成员已有同类案件，由其他单位办理：请向西镇询问" in page
    assert foreign.number not in page
    assert reverse("case", args=[foreign.pk]) not in page
    assert Case.objects.count() == 1


def test_it_hides_an_open_case_the_clerk_is_recused_from(client, world):
    from assistance import actions

    number = resident_id(date(1978, 1, 1))
    client.force_login(world["village_clerk"])
    data = kind_form(world, "dibao", [("王五", None, {})])
    data["m-0-resident_id"] = number
    assert client.post(reverse(URL), data).status_code == 302
    case = Case.objects.get()
    actions.do_declare_relative(
        actor=world["clerk"], name="王五", resident_id=number, relation="sibling"
    )

    client = Client()  # a fresh session: the first clerk's success message stays in theirs
    client.force_login(world["clerk"])
    page = client.post(reverse(URL), data).content.decode()
    assert "由其他单位办理：请向东镇询问" in page
    assert case.number not in page and reverse("case", args=[case.pk]) not in page


def test_it_hides_a_temporary_case_for_the_same_cause_elsewhere(client, world):
    number = resident_id(date(1977, 1, 1))
    details = KIND_CASES["temporary"][1]
    client.force_login(world["outsider"])
    data = kind_form(world, "temporary", [("王五", None, {})], details, village=world.village_b1.pk)
    data["m-0-resident_id"] = number
    assert client.post(reverse(URL), data).status_code == 302
    foreign = Case.objects.get()

    client = Client()  # a fresh session: the first clerk's success message stays in theirs
    client.force_login(world["clerk"])
    data = kind_form(world, "temporary", [("王五", None, {})], details)
    data["m-0-resident_id"] = number
    page = client.post(reverse(URL), data).content.decode()
    assert "请向西镇询问" in page and foreign.number not in page
