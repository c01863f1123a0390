"""Records (the audit trail's checkpoints) in the evidence store: written once, never replaced."""

from __future__ import annotations

import stat

import pytest

from storage.base import RecordExists, is_record_key


def test_it_writes_a_record_once_and_reads_it_back(store):
    store.put_record("checkpoints/00000001-20260302T010000Z.json", b'{"a": 1}')
    store.put_record("checkpoints/00000002-20260302T020000Z.json", b'{"b": 2}')
    assert store.get_record("checkpoints/00000001-20260302T010000Z.json") == b'{"a": 1}'
    assert list(store.record_keys()) == [
        "checkpoints/00000001-20260302T010000Z.json",
        "checkpoints/00000002-20260302T020000Z.json",
    ]
    with pytest.raises(RecordExists):
        store.put_record("checkpoints/00000001-20260302T010000Z.json", b'{"forged": true}')
    assert store.get_record("checkpoints/00000001-20260302T010000Z.json") == b'{"a": 1}'
    # Records are not evidence: they never show up among the scans (or as orphans).
    assert list(store.keys()) == []


def test_it_treats_unknown_and_malformed_record_keys_as_missing(store):
    with pytest.raises(KeyError):
        store.get_record("checkpoints/none.json")
    for key in ("checkpoints/../x.json", "sha256/ab/x.json", "checkpoints/.json", "other.json"):
        assert not is_record_key(key)
        with pytest.raises(KeyError):
            store.get_record(key)
        with pytest.raises(KeyError):
            store.put_record(key, b"{}")


@pytest.mark.parametrize("store", ["local"], indirect=True)
def test_it_keeps_a_local_record_read_only(store):
    store.put_record("checkpoints/00000001-x.json", b"{}")
    mode = (store.root / "checkpoints" / "00000001-x.json").stat().st_mode
    assert not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert list((store.root / ".incoming").iterdir()) == []
