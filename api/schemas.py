"""Shapes shared by several routers."""

from __future__ import annotations

from ninja import Schema


class Problem(Schema):
    """An error (RFC 9457), in the caller's language."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[dict[str, str]] | None = None


# Every authenticated endpoint may answer with these; routers add them to `response=`.
ERRORS: dict[int, type[Problem]] = {
    400: Problem,
    401: Problem,
    403: Problem,
    404: Problem,
    409: Problem,
    422: Problem,
    429: Problem,
}


def scope(name: str) -> dict[str, str]:
    """What an operation needs, in its description (`x-doudi-scope`): "staff" for the staff
    endpoints, a system scope ("checks", "deaths"…) for the exchanges, "any" for both. The
    token permission matrix (tests/api) reads it from the served schema."""
    return {"x-doudi-scope": name}


STAFF = scope("staff")
ANYONE = scope("any")


def page_bounds(limit: int, offset: int) -> tuple[int, int]:
    return max(1, min(limit, 200)), max(0, offset)
