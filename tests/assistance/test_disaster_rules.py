"""The disaster-relief amounts (受灾人员救助) and what an application must hold."""

from __future__ import annotations

import pytest

from assistance import actions
from assistance.kinds.disaster import DEMO_POLICY, DisasterRuleError, check_details, disaster_amount
from tests.workflows.disaster import TRANSITION

POLICY = {**DEMO_POLICY}  # 20 yuan/person/day for at most 3 months; 300 yuan/person


@pytest.mark.parametrize(
    ("aid", "persons", "months", "amount", "allowed", "capped"),
    [
        ("transition", 1, 1, "600.00", 1, False),
        ("transition", 2, 3, "3600.00", 3, False),
        ("transition", 5, 2, "6000.00", 2, False),
        # More months than the policy allows: paid for its most.
        ("transition", 2, 6, "3600.00", 3, True),
        ("winter_spring", 1, 0, "300.00", 0, False),
        ("winter_spring", 4, 0, "1200.00", 0, False),
    ],
)
def test_it_pays_per_person_per_day_or_per_person(aid, persons, months, amount, allowed, capped):
    result = disaster_amount(aid, persons, months, POLICY)
    assert result["amount"] == amount == result["monthly_amount"]
    assert result["months"] == allowed and result["capped"] is capped


def test_it_reads_the_regions_rates():
    policy = {**POLICY, "disaster_transition_daily": "25.50", "disaster_winter_per_person": "450"}
    assert disaster_amount("transition", 2, 1, policy)["amount"] == "1530.00"
    assert disaster_amount("winter_spring", 2, 0, policy)["amount"] == "900.00"


@pytest.mark.parametrize(
    "args",
    [("flood_aid", 1, 1), ("transition", 0, 1), ("transition", 1, 0), ("transition", True, 1)],
)
def test_it_refuses_figures_it_cannot_work_with(args):
    with pytest.raises(DisasterRuleError):
        disaster_amount(*args, POLICY)


GOOD = TRANSITION


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"aid": "cash"}, "transition living aid or winter-spring"),
        ({"disaster": "war"}, "kind of disaster"),
        ({"disaster_date": "2099-01-01"}, "in the future"),
        ({"disaster_date": "yesterday"}, "day of the disaster"),
        ({"persons": 4}, "from 1 to the 3 members"),
        ({"persons": 0}, "from 1 to the 3 members"),
        ({"housing": None}, "collapsed or was severely damaged"),
        ({"months": 4}, "from 1 to 3 months"),
    ],
)
@pytest.mark.usefixtures("fixed_clock")
def test_it_refuses_an_application_that_does_not_hold(changes, message):
    with pytest.raises(actions.ActionError, match=message):
        check_details({**GOOD, **changes}, members=3, policy=POLICY)
    check_details(GOOD, members=3, policy=POLICY)
    # Winter-spring aid asks for neither housing nor months.
    check_details(
        {"aid": "winter_spring", **{k: GOOD[k] for k in ("disaster", "disaster_date", "persons")}},
        3,
        POLICY,
    )
