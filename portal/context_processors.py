"""What the shell (portal/base.html) needs on every page."""

from __future__ import annotations

from django.http import HttpRequest

from assistance import access


def shell(request: HttpRequest) -> dict[str, object]:
    # Staff who handle cases get their queue and the near-relative register in the header;
    # read-only staff (policy, audit) get their home page only.
    return {"handles_cases": bool(access.acting_roles(request.user))}
