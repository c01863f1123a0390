"""The API's pages: a staff member's personal tokens, and the outside systems' accounts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST

from api import access, actions
from api.forms import SystemAccountForm, SystemTokenForm, TokenForm, scope_label
from api.models import ApiToken, SystemAccount
from api.tokens import NewToken
from assistance.actions import ActionError
from engine.clock import clock
from portal.http import AuthedRequest


def token_state(token: ApiToken) -> str:
    if token.revoked_at is not None:
        return str(_("Revoked"))
    if token.expires_at is not None and token.expires_at <= clock.now():
        return str(_("Expired"))
    return str(pgettext("api token", "Active"))


def _rows(found: Iterable[ApiToken]) -> list[dict[str, Any]]:
    return [{"token": token, "state": token_state(token)} for token in found]


def _with_secret(response: HttpResponse) -> HttpResponse:
    # The page showing a new token's secret is never kept by the browser or a proxy.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: AuthedRequest) -> HttpResponse:
    access.require_token_holder(request.user)
    form = TokenForm(request.POST or None)
    new: NewToken | None = None
    if request.method == "POST" and form.is_valid():
        try:
            new = actions.do_create_personal_token(
                actor=request.user,
                name=form.cleaned_data["name"],
                last_day=form.cleaned_data["last_day"],
            )
        except ActionError as exc:
            form.add_error("last_day", str(exc))
        else:
            form = TokenForm()
    context = {
        "form": form,
        "new": new,
        "tokens": _rows(request.user.api_tokens.order_by("-created_at")),
        "tasks_url": request.build_absolute_uri("/api/v1/tasks"),
    }
    return _with_secret(render(request, "api/tokens.html", context))


@login_required
@require_POST
def token_revoke(request: AuthedRequest, token_id: int) -> HttpResponse:
    access.require_token_holder(request.user)
    token = access.get_personal_token_for_user(request.user, token_id)
    try:
        actions.do_revoke_token(token, actor=request.user)
    except ActionError as exc:
        messages.warning(request, str(exc))
    else:
        messages.success(request, _("Token revoked: it no longer works."))
    return redirect("api-tokens")


def _systems_page(
    request: AuthedRequest, form: SystemAccountForm, new: NewToken | None = None
) -> HttpResponse:
    accounts = SystemAccount.objects.select_related("region", "user").prefetch_related(
        "user__api_tokens"
    )
    rows: list[dict[str, Any]] = [
        {
            "account": account,
            "scopes": [scope_label(scope) for scope in account.allowed_scopes],
            "tokens": _rows(
                sorted(account.user.api_tokens.all(), key=lambda t: t.created_at, reverse=True)
            ),
            "form": SystemTokenForm(kind=account.kind, prefix=f"a{account.pk}"),
        }
        for account in accounts.order_by("kind", "region__path", "pk")
    ]
    return _with_secret(
        render(request, "api/systems.html", {"form": form, "rows": rows, "new": new})
    )


@login_required
@require_http_methods(["GET", "POST"])
def systems(request: AuthedRequest) -> HttpResponse:
    access.require_system_admin(request.user)
    form = SystemAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = actions.do_create_system_account(actor=request.user, **form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Account created: %(name)s. Issue it a token below.") % {"name": account}
            )
            return redirect("api-systems")
    return _systems_page(request, form)


@login_required
@require_POST
def system_token_issue(request: AuthedRequest, account_id: int) -> HttpResponse:
    account = access.get_system_for_admin(request.user, account_id)
    form = SystemTokenForm(request.POST, kind=account.kind, prefix=f"a{account.pk}")
    if not form.is_valid():
        messages.error(request, _("Give the token a name and choose at least one scope."))
        return redirect("api-systems")
    try:
        new = actions.do_issue_system_token(
            account,
            actor=request.user,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            last_day=form.cleaned_data["last_day"],
        )
    except ActionError as exc:
        messages.error(request, str(exc))
        return redirect("api-systems")
    return _systems_page(request, SystemAccountForm(), new)


@login_required
@require_POST
def system_token_revoke(request: AuthedRequest, token_id: int) -> HttpResponse:
    token = access.get_system_token_for_admin(request.user, token_id)
    try:
        actions.do_revoke_token(token, actor=request.user)
    except ActionError as exc:
        messages.warning(request, str(exc))
    else:
        messages.success(request, _("Token revoked: it no longer works."))
    return redirect("api-systems")
