"""Submit, approve and return through the pages: POST only, 403 to auditors, 404 to others,
refusals shown as messages with nothing changed."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from payments.actions_grants import do_import_relocation_list, do_submit_batch
from payments.models import BatchStatus, GrantBatch, OneOffGrant
from tests.payments.grants_world import good_rows, relocated, xlsx


@pytest.fixture
def draft(world):
    relocated(world)
    return do_import_relocation_list(
        world.county.pk, actor=world["finance"], file_name="list.xlsx", data=xlsx(good_rows())
    )


@pytest.fixture
def waiting(world, draft):
    return do_submit_batch(draft.pk, actor=world["finance"])


def url(batch, action):
    return reverse(f"payments:grant-{action}", args=[batch.pk])


def notes(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def status(batch):
    return GrantBatch.objects.get(pk=batch.pk).status


def test_it_submits_the_preparers_draft(client, world, draft):
    client.force_login(world["finance"])
    response = client.post(url(draft, "submit"))
    assert response.status_code == 302
    assert response["Location"] == reverse("payments:grant-batch", args=[draft.pk])
    assert status(draft) == BatchStatus.SUBMITTED


def test_it_approves_and_says_how_many_grants(
    client, world, waiting, django_capture_on_commit_callbacks
):
    client.force_login(world["approver"])
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post(url(waiting, "approve"), {"note": "同意发放"})
    assert response.status_code == 302
    assert len(queued) == 1
    assert status(waiting) == BatchStatus.APPROVED
    assert OneOffGrant.objects.filter(batch=waiting).count() == 3
    assert any("13500.00" in note for note in notes(response))
    html = client.get(response["Location"]).content.decode()
    assert "已批准，3 笔补助" in html and "grant-progress" not in html


def test_it_shows_the_batch_granting_until_the_job_has_run(client, world, waiting):
    client.force_login(world["approver"])
    client.post(url(waiting, "approve"), {"note": "同意发放"})  # the commit never comes
    assert status(waiting) == BatchStatus.GRANTING
    assert not OneOffGrant.objects.filter(batch=waiting).exists()
    html = client.get(url(waiting, "batch")).content.decode()
    assert 'id="grant-progress"' in html and "grants_progress.js" in html
    assert 'value="0"' in html and "正在发放" in html


def test_it_returns_with_a_note(client, world, waiting):
    client.force_login(world["approver"])
    response = client.post(url(waiting, "return"), {"note": "请核实人数"})
    assert response.status_code == 302
    assert status(waiting) == BatchStatus.RETURNED
    assert GrantBatch.objects.get(pk=waiting.pk).decision_note == "请核实人数"


def test_it_keeps_the_batch_on_bad_input(client, world, waiting):
    client.force_login(world["approver"])
    response = client.post(url(waiting, "return"), {"note": ""})
    assert response.status_code == 302 and notes(response)
    response = client.post(url(waiting, "return"), {"note": "x" * 3000})
    assert status(waiting) == BatchStatus.SUBMITTED
    client.force_login(world["finance"])
    response = client.post(url(waiting, "submit"))
    assert notes(response) and status(waiting) == BatchStatus.SUBMITTED


def test_it_refuses_the_preparer_four_eyes(client, world):
    relocated(world)
    batch = do_import_relocation_list(
        world.county.pk, actor=world["approver"], file_name="l.xlsx", data=xlsx(good_rows())
    )
    do_submit_batch(batch.pk, actor=world["approver"])
    client.force_login(world["approver"])
    response = client.post(url(batch, "approve"))
    assert response.status_code == 302 and notes(response)
    assert status(batch) == BatchStatus.SUBMITTED
    assert not OneOffGrant.objects.exists()


@pytest.mark.parametrize("action", ["submit", "approve", "return"])
def test_it_is_read_only_for_auditors(client, world, waiting, action):
    client.force_login(world["auditor"])
    assert client.post(url(waiting, action), {"note": "x"}).status_code == 403
    assert status(waiting) == BatchStatus.SUBMITTED


@pytest.mark.parametrize("action", ["submit", "approve", "return"])
@pytest.mark.parametrize("user", ["outsider", "policy"])
def test_it_does_not_exist_for_others(client, world, waiting, action, user):
    client.force_login(world[user])
    assert client.post(url(waiting, action), {"note": "x"}).status_code == 404


@pytest.mark.parametrize("action", ["submit", "approve", "return"])
def test_it_refuses_a_get(client, world, waiting, action):
    client.force_login(world["approver"])
    assert client.get(url(waiting, action)).status_code == 405
    assert status(waiting) == BatchStatus.SUBMITTED
