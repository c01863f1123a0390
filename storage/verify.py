"""Integrity checks of stored evidence, for the `verify_evidence` command."""

from __future__ import annotations

from storage.base import EvidenceStore, hash_stream


def verify_object(store: EvidenceStore, key: str, sha256: str) -> str | None:
    """None if the object is there and its bytes still hash to `sha256`, else a short reason.

    StoreUnavailable propagates: an unreachable store says nothing about the evidence.
    """
    try:
        chunks = store.open(key)
    except KeyError:
        return "missing"
    actual, _size = hash_stream(chunks)
    if actual != sha256.lower():
        return "sha256 mismatch"
    return None
