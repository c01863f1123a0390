"""`make demo ADDR=…`: the demo answers to the address it listens on."""

from __future__ import annotations

from portal.management.commands.demo import hosts_for

LOCAL = ["127.0.0.1", "localhost"]


def test_it_keeps_the_local_names_for_the_default_address():
    assert hosts_for("127.0.0.1:8000", LOCAL) == LOCAL
    assert hosts_for("8000", LOCAL) == LOCAL


def test_it_answers_to_a_named_address():
    assert hosts_for("192.168.1.20:8000", LOCAL) == [*LOCAL, "192.168.1.20"]
    assert hosts_for("[::1]:8000", LOCAL) == [*LOCAL, "::1"]


def test_it_answers_to_any_name_on_every_interface():
    assert hosts_for("0.0.0.0:8000", LOCAL) == ["*"]
    assert hosts_for("[::]:8000", LOCAL) == ["*"]
