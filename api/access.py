"""Who may manage which tokens: staff their own; superusers the outside systems' accounts.
To anyone else those pages and tokens do not exist (404)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from api.models import ApiToken, SystemAccount
from assistance import access


def require_token_holder(user: User) -> None:
    """A personal token acts with its holder's portal rights: without a role, it would do
    nothing, so an account without one is told so."""
    if not access.user_roles(user) or SystemAccount.objects.filter(user=user).exists():
        raise PermissionDenied(_("Your account has no role yet."))


def get_personal_token_for_user(user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise Http404("No such token.")
    return token


def require_system_admin(user: User) -> None:
    if not (user.is_active and user.is_superuser):
        raise Http404("No such page.")


def get_system_for_admin(user: User, account_id: int) -> SystemAccount:
    require_system_admin(user)
    account = SystemAccount.objects.select_related("user", "region").filter(pk=account_id).first()
    if account is None:
        raise Http404("No such system account.")
    return account


def get_system_token_for_admin(user: User, token_id: int) -> ApiToken:
    require_system_admin(user)
    token = ApiToken.objects.filter(pk=token_id, user__system_account__isnull=False).first()
    if token is None:
        raise Http404("No such token.")
    return token
