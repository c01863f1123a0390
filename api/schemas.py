"""Shapes shared by several routers."""

from __future__ import annotations

from ninja import Field, Schema


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
# Endpoints taking a file or a bounded body also answer 413 when it is over the limit.
BOUNDED_ERRORS: dict[int, type[Problem]] = {**ERRORS, 413: Problem}


SCOPE_KEY = "x-doudi-scope"


def scope(name: str) -> dict[str, str]:
    """What an operation needs, in its description (`x-doudi-scope`): "staff" for the staff
    endpoints, a system scope ("checks", "deaths"…) for the exchanges, "any" for both. The
    token permission matrix (tests/api) reads it from the served schema."""
    return {SCOPE_KEY: name}


STAFF = scope("staff")
ANYONE = scope("any")


# Past any real list, and within what PostgreSQL's OFFSET takes (a bigint).
MAX_OFFSET = 10_000_000


def page_bounds(limit: int, offset: int) -> tuple[int, int]:
    return max(1, min(limit, 200)), min(max(0, offset), MAX_OFFSET)


class PageInfo(Schema):
    """Where a page of a list stands; each list's page adds its `items`."""

    count: int
    limit: int
    offset: int


class Paging(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
