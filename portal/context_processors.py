"""What the shell (portal/base.html) needs on every page."""

from __future__ import annotations

from django.http import HttpRequest

from assistance import access


def shell(request: HttpRequest) -> dict[str, object]:
    # Staff who handle cases get their queue and the near-relative register in the header;
    # read-only staff (policy, audit) get their home page only. The header's search finds
    # households for those who read them (not policy staff), in the auditors' own search for
    # auditors.
    roles = access.user_roles(request.user)
    return {
        "handles_cases": bool(access.acting_roles(request.user)),
        "reads_cases": access.reads_cases(request.user),
        "audits": "auditor" in roles and not access.acting_roles(request.user),
        # Personal API tokens act with the holder's roles: offered to those who have one.
        "api_tokens": bool(roles),
        "api_systems": bool(getattr(request.user, "is_superuser", False)),
    }
