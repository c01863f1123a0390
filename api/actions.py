"""Writes of the API's pages: personal tokens, outside systems' accounts and their tokens.

Each is atomic, audited, and takes the acting user; the secret of a new token is returned to
be shown once and is never stored or written to the trail (only its prefix is)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.access import require_system_admin, require_token_holder
from api.models import KIND_SCOPES, STAFF_SCOPE, ApiToken, SystemAccount, SystemKind
from api.tokens import NewToken, make_token
from assistance.actions import ActionError
from assistance.models import Region, RegionLevel
from assistance.processes.onewindow import Department
from engine import audit
from engine.clock import clock

# Kinds whose work is one county's (the check centre's reports, the bank's payments).
COUNTY_KINDS = frozenset({SystemKind.CHECK_CENTRE, SystemKind.BANK})


def expiry(last_day: date | None) -> datetime | None:
    """A token chosen to last until a day is refused from the start of the next."""
    if last_day is None:
        return None
    if last_day < clock.today():
        raise ActionError(_("The last day of a token cannot be in the past."))
    return timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time.min))


def _token_payload(token: ApiToken) -> dict[str, Any]:
    return {
        "token": token.prefix,
        "name": token.name,
        "scopes": token.scopes,
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        "holder": token.user.get_username(),
    }


@transaction.atomic
def do_create_personal_token(*, actor: User, name: str, last_day: date | None) -> NewToken:
    require_token_holder(actor)
    new = make_token(actor, name=name.strip(), scopes=[STAFF_SCOPE], expires_at=expiry(last_day))
    audit.record("api.token_created", actor=actor, payload=_token_payload(new.token))
    return new


@transaction.atomic
def do_revoke_token(token: ApiToken, *, actor: User) -> ApiToken:
    """The holder revokes their own token; a superuser any token of an outside system."""
    locked = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    system = SystemAccount.objects.filter(user=locked.user).first()
    if system is not None:
        require_system_admin(actor)
    elif locked.user_id != actor.pk:
        raise PermissionDenied(_("Only the holder may revoke this token."))
    if locked.revoked_at is not None:
        raise ActionError(_("This token was already revoked."))
    locked.revoked_at = clock.now()
    locked.save(update_fields=["revoked_at"])
    audit.record(
        "api.token_revoked",
        actor=actor,
        region_id=system.region_id if system else None,
        payload=_token_payload(locked),
    )
    return locked


def _username_for(kind: str, region: Region) -> str:
    base = f"system-{kind}-{region.code}"
    taken = set(User.objects.filter(username__startswith=base).values_list("username", flat=True))
    number = 1
    while (username := base if number == 1 else f"{base}-{number}") in taken:
        number += 1
    return username


@transaction.atomic
def do_create_system_account(
    *, actor: User, kind: str, region: Region, name: str, department: str = ""
) -> SystemAccount:
    """An outside system's account: a user with no password and no role, which can never sign
    in to the portal and calls the API with the tokens a superuser issues it."""
    require_system_admin(actor)
    if kind not in SystemKind.values:
        raise ActionError(_("Choose the kind of system."))
    if kind in COUNTY_KINDS and region.level != RegionLevel.COUNTY:
        raise ActionError(_("A check centre or a bank works for one county: choose a county."))
    if kind == SystemKind.DEPARTMENT and department not in Department.values:
        raise ActionError(_("Choose which department this system belongs to."))
    if kind != SystemKind.DEPARTMENT:
        department = ""
    user = User.objects.create_user(_username_for(kind, region))
    user.set_unusable_password()
    user.first_name = name.strip()[:150]
    user.save()
    account = SystemAccount.objects.create(
        user=user,
        kind=kind,
        region=region,
        name=name.strip(),
        department=department,
        created_at=clock.now(),
    )
    audit.record(
        "api.system_created",
        actor=actor,
        region_id=region.pk,
        payload={
            "account": account.pk,
            "kind": kind,
            "region": region.code,
            "name": account.name,
            "username": user.get_username(),
            "department": department,
        },
    )
    return account


@transaction.atomic
def do_issue_system_token(
    account: SystemAccount, *, actor: User, name: str, scopes: list[str], last_day: date | None
) -> NewToken:
    require_system_admin(actor)
    chosen = sorted(set(scopes))
    if not chosen:
        raise ActionError(_("Choose at least one scope."))
    if not set(chosen) <= set(KIND_SCOPES[account.kind]):
        raise ActionError(_("A token may only carry scopes of its system's kind."))
    new = make_token(account.user, name=name.strip(), scopes=chosen, expires_at=expiry(last_day))
    audit.record(
        "api.token_created",
        actor=actor,
        region_id=account.region_id,
        payload=_token_payload(new.token),
    )
    return new
