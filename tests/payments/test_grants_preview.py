"""The preview of a relocation list: each row matched to a registered household or flagged,
amount = people x the county's amount per person, rows with problems left out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from assistance.models import DeathRecord, RegionPolicy
from engine.clock import clock
from payments.actions_grants import do_import_relocation_list
from payments.grants import problem_text
from payments.models import BatchStatus, GrantBatch
from tests.payments.grants_world import card, good_rows, relocated, rid, xlsx


def imported(world, rows, user="finance"):
    return do_import_relocation_list(
        world.county.pk, actor=world[user], file_name="搬迁名单.xlsx", data=xlsx(rows)
    )


def codes(row):
    return [problem["code"] for problem in row["problems"]]


def test_it_matches_each_row_to_its_household_and_prices_it(world):
    homes = relocated(world)
    batch = imported(world, good_rows())
    assert batch.status == BatchStatus.DRAFT
    assert [row["ok"] for row in batch.rows] == [True, True, True]
    assert [row["household_id"] for row in batch.rows] == [
        homes["zhang"].pk,
        homes["li"].pk,
        homes["wang"].pk,
    ]
    assert [row["amount"] for row in batch.rows] == ["6000.00", "3000.00", "4500.00"]
    assert [row["township"] for row in batch.rows] == ["东镇", "东镇", "西镇"]
    assert batch.total_amount == Decimal("13500.00")
    assert batch.criteria["per_person"] == "1500.00"
    assert batch.source_name == "搬迁名单.xlsx" and len(batch.source_sha256) == 64


def test_it_prices_with_the_county_parameter_in_force(world):
    relocated(world)
    RegionPolicy.objects.create(
        region=world.county,
        effective_from=date(2021, 1, 1),
        values={"relocation_grant_per_person": "2000.00"},
    )
    batch = imported(world, good_rows()[:1])
    assert batch.rows[0]["amount"] == "8000.00"


def test_it_flags_every_kind_of_problem_and_leaves_those_rows_out(world):
    homes = relocated(world)
    DeathRecord.objects.create(
        resident_id=rid(3), died_on=date(2025, 5, 1), source="民政", imported_at=clock.now()
    )
    rows = [
        good_rows()[0],
        [rid(50), "钱未登", "东村", 2, card(50)],  # unknown person
        [rid(4), "赵四", "北村", 2, card(4)],  # another county
        [rid(2), "李秀英", "东村", 2, card(2)],  # village does not match
        [rid(1), "张大山", "东村", 4, card(1)],  # the same household again
        [rid(2)[:17] + "0", "李秀英", "南村", 2, card(2)],  # check character wrong
        ["", "", "", "", card(9)],  # empty cells
        [rid(3), "王建国", "西村", 9, "6228481234567890123"],  # people over, card, deceased
        [rid(2), "李四", "南村", 0, card(2)],  # name differs, people out of range
    ]
    batch = imported(world, rows)
    found = [codes(row) for row in batch.rows]
    assert found[0] == []
    assert found[1] == ["unknown_person"]
    assert found[2] == ["other_county"]
    assert found[3] == ["village_mismatch"]
    assert found[4] == ["duplicate"]
    assert found[5] == ["resident_id"]
    assert found[6] == ["missing", "missing", "missing", "missing"]
    assert found[7] == ["card", "people_over", "deceased"]
    assert found[8] == ["people", "name_mismatch", "duplicate"]
    assert [row["ok"] for row in batch.rows] == [True] + [False] * 8
    assert batch.total_amount == Decimal("6000.00")
    assert batch.rows[4]["problems"][0]["line"] == 2
    assert homes["zhao"].pk == batch.rows[2]["household_id"]


def test_it_says_each_problem_in_words(world, settings):
    relocated(world)
    batch = imported(world, [[rid(4), "赵四", "北村", 2, card(4)]])
    assert problem_text(batch.rows[0]["problems"][0]) == "该户登记在北村，不在本县。"
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"):
        assert "not in this county" in problem_text(batch.rows[0]["problems"][0])
        assert "formula" in problem_text({"code": "formula", "column": "name"})
        assert problem_text({"code": "nonsense"}) == "Not accepted."


def test_it_flags_a_household_granted_or_waiting_in_another_batch(world):
    from payments.actions_grants import do_submit_batch
    from tests.payments.grants_world import approve_now

    relocated(world)
    first = imported(world, good_rows()[:1])
    do_submit_batch(first.pk, actor=world["finance"])
    second = imported(world, good_rows()[:2])
    assert codes(second.rows[0]) == ["pending"]
    assert second.rows[1]["ok"]
    approve_now(first.pk, actor=world["approver"])
    third = imported(world, good_rows()[:2])
    assert codes(third.rows[0]) == ["already_granted"]
    assert "already had the relocation grant" in problem_text(third.rows[0]["problems"][0]) or (
        "已领取" in problem_text(third.rows[0]["problems"][0])
    )


def test_it_never_crashes_on_a_hostile_file_and_keeps_no_batch(world):
    from assistance.actions import ActionError

    for data in (b"\x00" * 100, b"PK\x03\x04" + b"\xff" * 200, "身份证号\n1\n".encode()):
        with pytest.raises(ActionError):
            do_import_relocation_list(
                world.county.pk, actor=world["finance"], file_name="x.xlsx", data=data
            )
    assert not GrantBatch.objects.exists()


def test_it_gives_the_reason_for_a_bad_id_or_card_in_the_readers_language(world):
    from django.utils import translation

    relocated(world)
    batch = imported(world, [[rid(1)[:17] + "0", "张大山", "东村", 4, card(1)[:-1] + "0"]])
    id_problem, card_problem = batch.rows[0]["problems"]
    assert "校验码" in problem_text(id_problem) or "校验" in problem_text(id_problem)
    with translation.override("en"):
        assert problem_text(id_problem) == "The check character of this resident ID is wrong."
        assert "check digit does not match" in problem_text(card_problem)
