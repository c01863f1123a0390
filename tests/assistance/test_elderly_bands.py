"""The elderly allowance bands: the on-the-spot age limits and the DMN band table, as
deployed and run by the process, row by row at every boundary; the date helpers; the demo."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from lxml import etree

from assistance import actions, demo
from assistance.kinds.elderly import age_on, elderly_check_due, seed_demo
from assistance.models import Case, RegionPolicy
from assistance.roles import ROLES
from engine.models import Task, Timer
from engine.scripting import compile_expression
from tests.workflows.elderly import (
    active_dibao_member,
    apply,
    apply_needy_in_dibao_household,
    born_aged,
    data_of,
    deploy_elderly,
    open_tasks,
)

DMN = Path(settings.WORKFLOWS_DIR) / "elderly_age_bands.dmn"
DMN_NS = {"dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/"}


@pytest.fixture
def elderly_deployed(world):
    deploy_elderly(world["policy"])


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_clock", "elderly_deployed")
@pytest.mark.parametrize(
    ("age", "monthly", "band"),
    [
        (79, None, None),
        (80, "30.00", "80-89周岁"),
        (89, "30.00", "80-89周岁"),
        (90, "60.00", "90-99周岁"),
        (99, "60.00", "90-99周岁"),
        (100, "300.00", "100周岁及以上"),
        (105, "300.00", "100周岁及以上"),
    ],
)
def test_it_bands_the_old_age_allowance(world, age, monthly, band):
    if monthly is None:
        # 79 and turning 80 tomorrow: still refused on the spot.
        with pytest.raises(actions.ActionError, match="starts at 80 years of age"):
            apply(world, born_aged(age, days_after_birthday=364))
        return
    case = apply(world, born_aged(age))
    assert open_tasks(case) == ["verify"]
    assert data_of(case)["amount"] == {"monthly_amount": monthly, "band": band, "age": age}


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_clock", "elderly_deployed")
@pytest.mark.parametrize(
    ("age", "monthly"), [(59, None), (60, "50.00"), (99, "50.00"), (100, None)]
)
def test_it_bands_the_needy_elderly_subsidy(world, age, monthly):
    dibao, elder = active_dibao_member(world, born_aged(age))
    if monthly is None:
        with pytest.raises(actions.ActionError, match="for people aged 60 to 99"):
            apply_needy_in_dibao_household(world, dibao, elder)
        return
    case = apply_needy_in_dibao_household(world, dibao, elder)
    assert data_of(case)["amount"]["monthly_amount"] == monthly


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_clock", "elderly_deployed")
@pytest.mark.parametrize(("age", "monthly"), [(64, None), (65, "50.00"), (104, "50.00")])
def test_it_takes_the_needy_elderly_age_range_from_the_policy_alone(world, age, monthly):
    # The county moves the range to 65-104: the table pays whom the parameters admit.
    RegionPolicy.objects.create(
        region=world.county,
        effective_from=date(2026, 1, 1),
        values={"elderly_needy_min_age": 65, "elderly_needy_max_age": 104},
    )
    dibao, elder = active_dibao_member(world, born_aged(age))
    if monthly is None:
        with pytest.raises(actions.ActionError, match="for people aged 65 to 104"):
            apply_needy_in_dibao_household(world, dibao, elder)
        return
    case = apply_needy_in_dibao_household(world, dibao, elder)
    assert data_of(case)["amount"]["monthly_amount"] == monthly


def test_it_writes_no_needy_elderly_ages_into_the_table():
    root = etree.parse(str(DMN)).getroot()
    rule = next(
        rule
        for rule in root.iterfind(".//dmn:rule", DMN_NS)
        if rule.findtext("dmn:inputEntry/dmn:text", namespaces=DMN_NS) == '"needy_elderly"'
    )
    age_cell = rule.findall("dmn:inputEntry/dmn:text", DMN_NS)[1].text or ""
    assert not re.search(r"\d", age_cell), age_cell
    assert "elderly_needy_min_age" in age_cell and "elderly_needy_max_age" in age_cell


def sandboxed_cell(text: str) -> str:
    """The expression SpiffWorkflow's DMN engine evaluates for a cell (see DMNEngine.evaluate):
    `?` stands for the input; a cell that is no expression alone, like `>= 100`, follows it."""
    if "?" in text:
        return re.sub(r"\?", "dmninputexpr", text)
    try:
        compile(text, "<cell>", "eval")
    except SyntaxError:
        return f"dmninputexpr {text}"
    return f"(dmninputexpr) == ({text})"


def test_it_writes_every_table_cell_as_an_expression_the_sandbox_accepts():
    # The deployment checks compile diagram scripts but not DMN cells; the sandbox runs them.
    root = etree.parse(str(DMN)).getroot()
    texts = [node.text or "" for node in root.iterfind(".//dmn:text", DMN_NS)]
    assert len(texts) == 2 + 5 * 4
    cells = [sandboxed_cell(text) for text in texts if text != "-"]
    assert "dmninputexpr >= 100" in cells
    for cell in cells:
        compile_expression(cell)


@pytest.mark.parametrize(
    ("born", "day", "age"),
    [
        ("1936-06-15", "2026-06-14", 89),
        ("1936-06-15", "2026-06-15", 90),
        ("1928-02-29", "2027-02-28", 98),
        ("1928-02-29", "2027-03-01", 99),
        ("1946-03-02", "2026-03-02T08:00:00+08:00", 80),
    ],
)
def test_it_counts_completed_years(born, day, age):
    assert age_on(born, day) == age


@pytest.mark.parametrize(
    ("decided_on", "due"),
    [
        ("2026-03-02", "2027-03-02T00:00:00+08:00"),
        ("2028-02-29", "2029-02-28T00:00:00+08:00"),
        ("2026-12-31", "2027-12-31T00:00:00+08:00"),
    ],
)
def test_it_schedules_the_yearly_check_on_the_anniversary(decided_on, due):
    assert elderly_check_due(decided_on) == due


@pytest.mark.usefixtures("db")
def test_it_seeds_demo_cases_in_every_stage():
    deploy_elderly(None)
    regions = demo._regions()
    RegionPolicy.objects.create(
        region=regions["431102"], effective_from=date(2020, 1, 1), values=demo.default_policy()
    )
    for role in ROLES:
        Group.objects.get_or_create(name=role)
    users = {
        username: demo._staff(username, role, regions[code], name)
        for username, role, code, name in demo.STAFF
    }
    seed_demo(users, regions)
    cases = Case.objects.filter(assistance_type="elderly")
    assert sorted(cases.values_list("status", flat=True)) == sorted(
        ["in_progress", "in_progress", "in_progress", "active", "active"]
    )
    assert sorted(Task.objects.filter(case__in=cases).values_list("spec_name", flat=True)) == [
        "county_confirm",
        "refusal_notice",
        "verify",
        "yearly_check",
    ]
    hundred = cases.get(household__members__name="林百岁")
    assert hundred.monthly_amount == Decimal("300.00")
    assert Timer.objects.filter(instance__case=hundred).count() == 1
