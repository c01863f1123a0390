"""What became of one inbound record, the same words for the API and the file imports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from assistance.actions import ActionError

RECORDED = "recorded"
DUPLICATE = "duplicate"
REJECTED = "rejected"


class Conflict(ActionError):
    """The record contradicts one already received (409 in the API): nothing was changed."""


@dataclass
class Outcome:
    status: str  # recorded, duplicate, rejected
    message: str = ""
    # What the record is about, for the caller's report: a request number, a line id…
    ref: str = ""
    # Anything the caller tallies (exits started, a check request's id…).
    extra: Any = None

    def __str__(self) -> str:
        return f"{self.status}: {self.message}" if self.message else self.status


def rejected(message: object, ref: str = "") -> Outcome:
    return Outcome(REJECTED, str(message), ref)


NOT_IN_SCOPE = _("No one with this resident ID is registered in your jurisdiction.")
