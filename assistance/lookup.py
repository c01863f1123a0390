"""How a typed search finds people and cases: a name (one Chinese character is a surname
worth searching for), a whole resident ID, its last digits, or a case number.

Shared by the approvers' search (portal) and the auditors' (audit): the same words find
the same people everywhere.
"""

from __future__ import annotations

import re

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

FULL_ID = re.compile(r"[0-9]{17}[0-9X]")
ID_TAIL = re.compile(r"[0-9]{3,17}X?|[0-9]{0,16}X")
# Case numbers carry letters or dashes ("DB-2026-…", "T-1") where names and IDs do not.
CASE_NUMBER = re.compile(r"[A-Za-z0-9-]*[A-Za-z-][A-Za-z0-9-]*")
MAX_LENGTH = 40


def clean_query(query: str) -> str:
    """The query as searched (an ID's x upper-cased), or a ValidationError for a query that
    would match too much or hold LIKE wildcards."""
    if "%" in query or "_" in query:
        raise forms.ValidationError(_("Search with letters, digits and Chinese characters only."))
    # One Chinese character is a surname worth searching for; one digit matches too much.
    if len(query) < 2 and not ("\u3400" <= query <= "\u9fff"):
        raise forms.ValidationError(_("Type at least two digits or letters, or a name."))
    return query.upper() if looks_like_id(query) else query


def looks_like_id(text: str) -> bool:
    return bool(ID_TAIL.fullmatch(text.upper()))


def member_condition(query: str, prefix: str = "") -> Q:
    """Members (at `prefix`, e.g. "members__") whose name contains the query, or whose
    resident ID is the query (whole) or ends with it (its last digits)."""
    if FULL_ID.fullmatch(query):
        return Q(**{f"{prefix}resident_id": query})
    condition = Q(**{f"{prefix}name__contains": query})
    if ID_TAIL.fullmatch(query):
        condition |= Q(**{f"{prefix}resident_id__endswith": query})
    return condition


def may_be_case_number(query: str) -> bool:
    return bool(CASE_NUMBER.fullmatch(query)) or any(char.isdigit() for char in query)
