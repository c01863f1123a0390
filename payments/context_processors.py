"""The header's links to the payments workspace (the shell imports no workspace: settings
list this processor beside the portal's)."""

from __future__ import annotations

from django.http import HttpRequest

from assistance import access
from payments.grants import may_see_grants


def nav(request: HttpRequest) -> dict[str, object]:
    roles = access.user_roles(request.user)
    return {
        "batch_grants": may_see_grants(request.user),
        # The payment rosters: payments officers act there, auditors read them.
        "pays": "county_finance" in roles or "auditor" in roles,
    }
