"""deploy_workflows and run_timers as an operator runs them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from engine.clock import clock
from engine.models import ProcessDefinition
from tests.engine.samples import FORM, tiny_bpmn
from tests.workflows.dibao import apply, open_tasks, to_notice

pytestmark = pytest.mark.django_db


def test_it_deploys_the_shipped_workflows_once(world, capsys):
    call_command("deploy_workflows")
    assert "dibao.bpmn: dibao v1 deployed" in capsys.readouterr().out
    call_command("deploy_workflows")
    assert "dibao.bpmn: dibao v1 unchanged" in capsys.readouterr().out
    assert ProcessDefinition.objects.filter(key="dibao").count() == 1


def test_it_reports_every_problem_of_a_refused_diagram(world, tmp_path: Path, capsys):
    (tmp_path / "forms").mkdir()
    (tmp_path / "forms" / "tiny.json").write_text(FORM)
    (tmp_path / "tiny.bpmn").write_text(tiny_bpmn(lane="janitor", script="import os"))
    with pytest.raises(CommandError):
        call_command("deploy_workflows", "--dir", str(tmp_path))
    err = capsys.readouterr().err
    assert "import statements are not allowed" in err and "泳道 'janitor' 不是已知角色" in err
    assert not ProcessDefinition.objects.exists()


def test_it_names_a_file_that_is_not_utf8(world, tmp_path: Path, capsys):
    (tmp_path / "tiny.bpmn").write_bytes(tiny_bpmn(title="填写").encode("gbk"))
    with pytest.raises(CommandError):
        call_command("deploy_workflows", "--dir", str(tmp_path))
    err = capsys.readouterr().err
    assert "tiny.bpmn" in err and "UTF-8" in err
    assert not ProcessDefinition.objects.exists()


@pytest.mark.usefixtures("fixed_clock", "deployed")
def test_it_fires_due_timers(world, capsys):
    case = apply(world)
    to_notice(world, case)
    call_command("run_timers")
    assert "0 timer(s) fired" in capsys.readouterr().out
    clock.advance(timedelta(days=8))
    call_command("run_timers")
    assert "1 timer(s) fired" in capsys.readouterr().out
    assert open_tasks(case) == ["county_confirm"]
