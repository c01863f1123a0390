"""What the domain lends the engine: vetted script helpers and the known lane roles.

The engine knows nothing of social assistance; `assistance` registers its helpers (working
days, amount calculators) and its role codes here when Django starts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
