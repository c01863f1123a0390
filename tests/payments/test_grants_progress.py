"""The progress of a batch being granted (its JSON, polled by the batch page) and the button
that continues a stopped job: GET and POST only, 404 to outsiders, 403 to auditors on the
button, refusals as messages."""

from __future__ import annotations

import json

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from payments.actions_grants import do_approve_batch, run_grant_batch
from payments.models import BatchStatus, GrantBatch, OneOffGrant
from tests.payments.grants_world import good_rows, relocated, xlsx

pytestmark = pytest.mark.usefixtures("fixed_clock")


@pytest.fixture
def granting(world):
    from payments.actions_grants import do_import_relocation_list, do_submit_batch

    relocated(world)
    batch = do_import_relocation_list(
        world.county.pk, actor=world["finance"], file_name="l.xlsx", data=xlsx(good_rows())
    )
    do_submit_batch(batch.pk, actor=world["finance"])
    return do_approve_batch(batch.pk, actor=world["approver"])


@pytest.fixture
def stopped(granting):
    GrantBatch.objects.filter(pk=granting.pk).update(job_error="worker lost")
    return GrantBatch.objects.get(pk=granting.pk)


def url(batch, name):
    return reverse(f"payments:grant-{name}", args=[batch.pk])


def progress(client, batch):
    response = client.get(url(batch, "progress"))
    assert response.status_code == 200
    return json.loads(response.content)


def test_it_shows_the_progress_to_whoever_sees_the_batch(client, world, granting):
    for who in ("approver", "finance", "auditor"):
        client.force_login(world[who])
        data = progress(client, granting)
        assert (data["status"], data["granting"], data["done"], data["total"]) == (
            BatchStatus.GRANTING,
            True,
            0,
            3,
        )
        assert data["status_label"] == "已批准，正在发放…"
    run_grant_batch(granting.pk, granting.job_token, chunk=2)
    data = progress(client, granting)
    assert (data["status"], data["granting"], data["done"]) == (BatchStatus.APPROVED, False, 3)


def test_it_answers_the_progress_in_few_queries_without_the_rows(client, world, granting):
    client.force_login(world["approver"])
    progress(client, granting)
    with CaptureQueriesContext(connection) as captured:
        progress(client, granting)
    # Session, user, roles, counties, the batch's job fields; the session saved.
    assert len(captured) <= 9
    batch_query = next(q["sql"] for q in captured if "payments_grantbatch" in q["sql"])
    assert '"rows"' not in batch_query


def test_it_refuses_other_methods_and_outsiders(client, world, granting):
    client.force_login(world["approver"])
    assert client.post(url(granting, "progress")).status_code == 405
    assert client.get(url(granting, "continue")).status_code == 405
    client.force_login(world["outsider"])
    assert client.get(url(granting, "progress")).status_code == 404
    assert client.post(url(granting, "continue")).status_code == 404
    assert client.get(reverse("payments:grant-progress", args=[99999])).status_code == 404


def test_it_continues_a_stopped_job(client, world, stopped, django_capture_on_commit_callbacks):
    client.force_login(world["approver"])
    html = client.get(url(stopped, "batch")).content.decode()
    assert "worker lost" in html and url(stopped, "continue") in html
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post(url(stopped, "continue"))
    assert response.status_code == 302 and len(queued) == 1
    batch = GrantBatch.objects.get(pk=stopped.pk)
    assert batch.status == BatchStatus.APPROVED and batch.job_error == ""
    assert OneOffGrant.objects.filter(batch=batch).count() == 3


def test_it_refuses_the_auditor_the_button(client, world, stopped):
    client.force_login(world["auditor"])
    assert url(stopped, "continue") not in client.get(url(stopped, "batch")).content.decode()
    assert client.post(url(stopped, "continue")).status_code == 403
    assert GrantBatch.objects.get(pk=stopped.pk).job_token == stopped.job_token


def test_it_refuses_to_continue_a_job_still_running(client, world, granting):
    client.force_login(world["approver"])
    assert url(granting, "continue") not in client.get(url(granting, "batch")).content.decode()
    response = client.post(url(granting, "continue"))
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["该批次无需继续发放。"]
    assert GrantBatch.objects.get(pk=granting.pk).job_token == granting.job_token
