"""Handling a request at the window: an application started, or an answer on the spot."""

from __future__ import annotations

import pytest
from django.urls import reverse

from onewindow.models import Disposition
from tests.onewindow.helpers import register

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def url(request_id: int) -> str:
    return reverse("onewindow:close", args=[request_id])


def test_it_answers_on_the_spot_or_starts_an_application(client, world):
    answered = register(world)
    applied = register(world, resident_id="")
    client.force_login(world["clerk"])
    response = client.post(url(answered.pk), {"disposition": "answered", "note": "已解释政策"})
    assert response.status_code == 302
    answered.refresh_from_db()
    assert (answered.disposition, answered.disposition_note) == (Disposition.ANSWERED, "已解释政策")
    response = client.post(url(applied.pk), {"disposition": "application"})
    assert response.status_code == 400 and "请选择申请的救助类别" in response.content.decode()
    response = client.post(
        url(applied.pk), {"disposition": "application", "assistance_type": "dibao"}
    )
    location = response["Location"]
    assert location.startswith(reverse("application-new") + "?assistance_type=dibao&name=")
    applied.refresh_from_db()
    assert applied.disposition == Disposition.APPLICATION
    # The portal's application form opens with the person filled in.
    form = client.get(location).content.decode()
    assert 'value="钱大勇"' in form
    assert f'<option value="{world.village_a1.pk}" selected>' in form


def test_it_refuses_a_wrong_method(client, world):
    request = register(world)
    client.force_login(world["clerk"])
    assert client.get(url(request.pk)).status_code == 405


def test_it_hides_the_request_from_outsiders(client, world):
    request = register(world)
    client.force_login(world["outsider"])
    assert client.post(url(request.pk), {"disposition": "answered"}).status_code == 404


def test_it_refuses_readers(client, world):
    request = register(world)
    client.force_login(world["auditor"])
    assert client.post(url(request.pk), {"disposition": "answered"}).status_code == 403


def test_it_wants_the_answer_written_down(client, world):
    request = register(world)
    client.force_login(world["clerk"])
    response = client.post(url(request.pk), {"disposition": "answered"})
    assert response.status_code == 400
    assert "请写明当场答复的内容" in response.content.decode()
    assert client.post(url(request.pk), {"disposition": "bogus"}).status_code == 400
