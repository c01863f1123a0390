"""The demo county in English: every stage, task title and reason the processes wrote on the
seeded cases reads in English (what staff typed stays as typed)."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.utils import translation

from assistance.models import Case
from engine.models import AuditEvent, Task
from portal import workflow_text

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u3400-\u9fff]")


def test_it_reads_every_seeded_stage_and_title_in_english() -> None:
    call_command("deploy_workflows", verbosity=0)
    call_command("seed_demo", verbosity=0)
    shown = set(Case.objects.exclude(stage="").values_list("stage", flat=True))
    shown |= set(Task.objects.values_list("title", flat=True))
    shown |= {
        str(title)
        for title in AuditEvent.objects.filter(payload__has_key="title").values_list(
            "payload__title", flat=True
        )
    }
    assert len(shown) > 20
    with translation.override("en"):
        left = sorted(text for text in shown if CJK.search(workflow_text.translate(text)))
    assert not left, f"shown in Chinese in English mode: {left}"
