"""What the domain lends the engine: vetted script helpers, the known lane roles, the
kinds of evidence and how to ask which of them a case has on file.

The engine knows nothing of social assistance; `assistance` registers its helpers (working
days, amount calculators) and its role codes here when Django starts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

_helpers: dict[str, Callable[..., Any]] = {}
_roles: set[str] = set()


def register_helper(name: str, function: Callable[..., Any]) -> None:
    if name.startswith("_") or not name.isidentifier():
        raise ValueError(f"helper name {name!r} is not a public identifier")
    _helpers[name] = function


def helpers() -> dict[str, Callable[..., Any]]:
    return dict(_helpers)


def register_roles(codes: Iterable[str]) -> None:
    _roles.update(codes)


def known_roles() -> frozenset[str]:
    return frozenset(_roles)


# ---------------------------------------------------------------- evidence

# Kind code -> label (a lazy translation): the kinds a diagram's evidenceRequired may name.
_evidence_labels: dict[str, Any] = {}
_evidence_on_file: list[Callable[[int], set[str]]] = []


def register_evidence_kinds(labels: Mapping[str, Any]) -> None:
    _evidence_labels.update(labels)


def evidence_kinds() -> dict[str, Any]:
    return dict(_evidence_labels)


def evidence_label(kind: str) -> str:
    return str(_evidence_labels.get(kind, kind))


def register_evidence_lookup(lookup: Callable[[int], set[str]]) -> None:
    """The domain tells the engine which kinds of evidence a case has on file (current scans)."""
    _evidence_on_file[:] = [lookup]


def evidence_on_file(case_id: int) -> set[str]:
    if not _evidence_on_file:
        raise LookupError("no evidence lookup is registered; the engine cannot check evidence")
    return set(_evidence_on_file[0](case_id))
