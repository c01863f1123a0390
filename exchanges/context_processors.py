"""The header's link to the data exchanges and the checker's queue link to the open check
requests (the shell imports no workspace: settings list this processor beside the portal's)."""

from __future__ import annotations

from django.http import HttpRequest

from exchanges import access


def nav(request: HttpRequest) -> dict[str, object]:
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        "exchanges": any(
            access.reads(user, role)
            for role in (access.CHECK_ROLE, access.DEATHS_ROLE, access.REGISTRY_ROLE)
        ),
        "check_requests": access.acts_as(user, access.CHECK_ROLE),
    }
