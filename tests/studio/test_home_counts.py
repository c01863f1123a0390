"""The policy officer's home page counts what waits for them in the studio."""

from __future__ import annotations

import re

from django.test import Client

from studio.actions import do_save_draft_file, do_submit_draft
from studio.models import Draft
from tests.fixtures import World
from tests.studio.conftest import changed


def count(html: str, name: str) -> int:
    found = re.search(rf'data-count="{name}">.*?<span class="[^"]*">(\d+)</span>', html, re.S)
    assert found is not None, name
    return int(found.group(1))


def test_it_counts_a_submitted_draft_for_the_other_officer_only(
    client: Client, world: World, draft: Draft
) -> None:
    do_save_draft_file(
        draft.pk, "forms/dibao_opinion.json", changed(draft), actor=world["policy"], revision=0
    )
    client.force_login(world["policy"])
    html = client.get("/").content.decode()
    assert count(html, "my-drafts") == 1 and count(html, "drafts-to-review") == 0
    do_submit_draft(draft.pk, actor=world["policy"], note="更短的理由")
    client.force_login(world["policy2"])
    html = client.get("/").content.decode()
    assert count(html, "drafts-to-review") == 1 and count(html, "my-drafts") == 0
    assert count(html, "changes-to-review") == 0
    assert "待我审核的流程草稿" in html


def test_it_shows_no_studio_counts_to_other_roles(client: Client, world: World) -> None:
    client.force_login(world["auditor"])
    assert 'id="studio-counts"' not in client.get("/").content.decode()
