from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import RequestFactory, override_settings

from public.ratelimit import Limit, allow, client_address, hit

REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/15",
    }
}


@pytest.fixture
def redis_cache() -> Iterator[None]:
    with override_settings(CACHES=REDIS):
        cache.clear()
        yield
        cache.clear()


def test_it_refuses_past_the_limit_per_key(redis_cache: None) -> None:
    limit = Limit("t", count=3, seconds=60)
    assert [hit(limit, "a") for _ in range(4)] == [True, True, True, False]
    assert hit(limit, "b")


def test_it_counts_every_key_of_a_request(redis_cache: None) -> None:
    limit = Limit("t2", count=1, seconds=60)
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.1")
    assert allow(request, limit, "phone:1")
    other_address = RequestFactory().post("/", REMOTE_ADDR="10.0.0.2")
    assert not allow(other_address, limit, "phone:1")


def test_it_takes_the_address_the_proxy_appended() -> None:
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="1.1.1.1, 2.2.2.2", REMOTE_ADDR="p")
    assert client_address(request) == "2.2.2.2"
