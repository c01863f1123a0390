"""Sign-in: lockout after repeated failures, idle timeout."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_locks_an_account_after_repeated_failures(client, world):
    statuses = [
        client.post(reverse("login"), {"username": "clerk", "password": "wrong"}).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    # Even the right password no longer opens the account.
    locked = client.post(reverse("login"), {"username": "clerk", "password": "pw-clerk"})
    assert locked.status_code == 429
    assert "账户已锁定" in locked.content.decode()


def test_it_signs_in_with_the_right_password(client, world):
    response = client.post(reverse("login"), {"username": "clerk", "password": "pw-clerk"})
    assert response.status_code == 302


def test_it_ends_idle_sessions():
    assert settings.SESSION_COOKIE_AGE == 1800
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
