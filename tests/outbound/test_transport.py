"""The URL rules and the address check against SSRF."""

from __future__ import annotations

import pytest

from outbound import transport


@pytest.mark.parametrize(
    "url",
    [
        "https://hrss.example.org/doudi",
        "http://203.0.113.10:8080/hook?x=1",
        "https://[2001:db8::1]/x",
    ],
)
def test_it_accepts_http_and_https_addresses(url):
    assert transport.check_url(f"  {url} ", allow_private=True) == url


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/x",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "https://",
        "https://user:secret@example.org/x",
        "https://example.org:0/x",
        "https://example.org:99999/x",
    ],
)
def test_it_refuses_what_is_not_a_plain_web_address(url):
    with pytest.raises(transport.Refused):
        transport.check_url(url, allow_private=True)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://10.0.0.8/x",
        "http://192.168.1.1/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/x",
        "http://0.0.0.0/x",
        "http://[::1]/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://localhost:8000/x",
        "http://db.localhost/x",
    ],
)
def test_it_refuses_internal_addresses_unless_allowed(url):
    with pytest.raises(transport.Refused):
        transport.check_url(url, allow_private=False)
    assert transport.check_url(url, allow_private=True) == url


def test_it_refuses_a_name_that_resolves_to_loopback():
    with pytest.raises(transport.Refused):
        transport.resolve("localhost", 80, allow_private=False)
    assert transport.resolve("localhost", 80, allow_private=True) in ("127.0.0.1", "::1")


def test_it_reports_a_refused_address_instead_of_sending():
    outcome = transport.post("http://127.0.0.1:9/x", b"{}", {}, timeout=1, allow_private=False)
    assert outcome.status_code is None and not outcome.ok
    assert outcome.error
