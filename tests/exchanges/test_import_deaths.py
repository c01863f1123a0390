"""Importing the civil registry's deaths: good rows stop benefits, bad rows are reported by
line, and a second import of the same file changes nothing."""

from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from assistance.models import DeathRecord
from engine.models import ProcessInstance
from tests.workflows.dibao import open_tasks, resident_id
from tests.workflows.exit import active_case, deploy_processes, exit_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


@pytest.fixture
def deployed(world):
    deploy_processes(world, "exit.bpmn")


def run(path: Path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_deaths", str(path), stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "deaths.csv"
    path.write_text("\n".join(["resident_id,died_on,source", *lines]) + "\n", encoding="utf-8")
    return path


def subject_id(case) -> str:
    return case.household.members.order_by("pk").first().resident_id


def test_it_imports_deaths_and_starts_the_exit_of_the_deceased(world, tmp_path):
    case = active_case(world, "tekun")
    stranger = resident_id(date(1940, 1, 1))
    path = write(
        tmp_path, f"{subject_id(case)},2026-02-27,县殡葬管理所", f"{stranger},2026-02-28,医院"
    )
    out, err = run(path)
    assert err == ""
    assert out == (
        "2 row(s): 2 recorded, 0 already recorded, 0 rejected; "
        "1 exit(s) started, 0 delivered to running exits"
    )
    record = DeathRecord.objects.get(resident_id=subject_id(case))
    assert (record.died_on, record.source) == (date(2026, 2, 27), "县殡葬管理所")
    assert open_tasks(case) == ["county_approval"]
    assert exit_data(case)["reason"] == "death"


def test_it_reports_bad_rows_by_line_and_imports_the_rest(world, tmp_path):
    case = active_case(world, "elderly")
    good = subject_id(case)
    broken = good[:17] + ("0" if good[17] != "0" else "1")
    path = write(
        tmp_path,
        f"{broken},2026-02-27,医院",
        f"{resident_id(date(1941, 1, 1))},2026/02/27,医院",
        f"{resident_id(date(1942, 1, 1))},2026-02-30,医院",
        f"{resident_id(date(1943, 1, 1))},2026-03-03,医院",
        f"{resident_id(date(1944, 1, 1))},2026-02-27,",
        f"{good},2026-02-27,医院",
        ",2026-02-27,医院",
    )
    out, err = run(path)
    assert err.splitlines() == [
        "line 2: The check character of this resident ID is wrong.",
        "line 3: the date of death must be written YYYY-MM-DD",
        "line 4: the date of death is not a real date",
        "line 5: The date of death is in the future.",
        "line 6: Name the source of the death record (at most 100 characters).",
        "line 8: the resident ID is empty",
    ]
    assert out.startswith("7 row(s): 1 recorded, 0 already recorded, 6 rejected; 1 exit(s)")
    assert list(DeathRecord.objects.values_list("resident_id", flat=True)) == [good]


def test_it_changes_nothing_when_the_same_file_is_imported_again(world, tmp_path):
    case = active_case(world, "tekun")
    path = write(tmp_path, f"{subject_id(case)},2026-02-27,县殡葬管理所")
    run(path)
    out, err = run(path)
    assert err == ""
    assert out == (
        "1 row(s): 0 recorded, 1 already recorded, 0 rejected; "
        "0 exit(s) started, 0 delivered to running exits"
    )
    assert DeathRecord.objects.count() == 1
    assert ProcessInstance.objects.filter(case=case).count() == 1


def test_it_keeps_the_first_date_when_a_later_file_disagrees(world, tmp_path):
    case = active_case(world, "tekun")
    run(write(tmp_path, f"{subject_id(case)},2026-02-27,医院"))
    out, err = run(write(tmp_path, f"{subject_id(case)},2026-02-20,公安"))
    assert err == "line 2: already recorded with another date of death (2026-02-27); not changed"
    assert out.startswith("1 row(s): 0 recorded, 0 already recorded, 1 rejected;")
    assert DeathRecord.objects.get().died_on == date(2026, 2, 27)


def test_it_refuses_a_file_without_the_columns(world, tmp_path):
    path = tmp_path / "deaths.csv"
    path.write_text("id,date\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="resident_id, died_on, source"):
        run(path)
