"""The header's link to the outbound events pages (the shell imports no workspace: settings
list this processor beside the portal's)."""

from __future__ import annotations

from django.http import HttpRequest

from outbound import access


def nav(request: HttpRequest) -> dict[str, object]:
    return {"outbound_events": access.may_read(request.user)}
