"""The base of every refusal whose message is meant for the person who caused it."""

from __future__ import annotations

from django.utils.functional import Promise


class UserFacingError(ValueError):
    def __init__(self, message: str | Promise, code: str = "invalid") -> None:
        # Both go to args so the exception survives pickling (e.g. via Celery).
        super().__init__(message, code)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        # Kept lazy until displayed, so it follows the language active at that moment.
        return str(self.message)
