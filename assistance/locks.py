"""Per-person locks held until the end of the transaction.

An application and a near-relative declaration about the same person each write a row the
other must read (R7). Under READ COMMITTED two such transactions can both miss the other's
uncommitted row; holding a lock keyed by the resident ID from before the write until commit
makes the second one wait and then see the first.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.db import connection

# pg_advisory_xact_lock(int4, int4): the first key names what is locked, so other advisory
# locks in the database cannot collide with these.
RESIDENT_NAMESPACE = 0x646F7564  # "doud"


def _key(resident_id: str) -> int:
    digest = hashlib.sha256(resident_id.encode()).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


def lock_residents(resident_ids: Iterable[str]) -> None:
    """Wait for, then hold until commit, the lock of each person (sorted: no deadlocks)."""
    if not connection.in_atomic_block:
        raise RuntimeError("resident locks are held by a transaction")
    if connection.vendor != "postgresql":
        # SQLite (the embedded demo) begins every transaction IMMEDIATE, holding the write
        # lock throughout: transactions cannot interleave there.
        return
    keys = sorted({_key(number) for number in resident_ids})
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [RESIDENT_NAMESPACE, key])
