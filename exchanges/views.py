"""The exchanges' pages: open check requests and the centre's results, death records, the
poverty-registry comparison and its worklist. Thin: access helper, form, one do_*, message,
redirect."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assistance.actions import ActionError
from assistance.tables import FileRefused
from engine.clock import clock
from exchanges import access, actions, queries, registry
from exchanges.forms import (
    DifferenceFilterForm,
    RegistryImportForm,
    ResolveForm,
    check_results_form,
    deaths_form,
)
from exchanges.models import DifferenceKind, ImportKind
from portal.http import AuthedRequest


@login_required
@require_GET
def home(request: AuthedRequest) -> HttpResponse:
    user = request.user
    context = {
        "checks": access.reads(user, access.CHECK_ROLE),
        "deaths": access.reads(user, access.DEATHS_ROLE),
        "registry": access.reads(user, access.REGISTRY_ROLE),
    }
    if not any(context.values()):
        raise Http404("No such page.")
    return render(request, "exchanges/home.html", context)


# ---------------------------------------------------------------- check requests


def _checks_page(request: AuthedRequest, form: Any, *, status: int = 200) -> HttpResponse:
    user = request.user
    context = {
        "page": queries.page(queries.open_check_requests(user), request.GET.get("page")),
        "imports": queries.recent_imports(user, ImportKind.CHECK_RESULTS),
        "form": form if access.acts_as(user, access.CHECK_ROLE) else None,
        "full_ids": access.acts_as(user, access.CHECK_ROLE),
    }
    return render(request, "exchanges/checks.html", context, status=status)


@login_required
@require_GET
def checks(request: AuthedRequest) -> HttpResponse:
    access.require_page(request.user, access.CHECK_ROLE)
    return _checks_page(request, check_results_form())


@login_required
@require_POST
def checks_import(request: AuthedRequest) -> HttpResponse:
    access.require_acting(request.user, access.CHECK_ROLE)
    form = check_results_form(request.POST, request.FILES)
    return _import_rows(request, form, actions.do_import_check_results, _checks_page)


def _import_rows(
    request: AuthedRequest,
    form: Any,
    do_import: Callable[..., Any],
    page: Callable[..., HttpResponse],
) -> HttpResponse:
    """A file of records, one outcome a row: the import's report, or the page again with
    why the file was refused."""
    if form.is_valid():
        upload = form.cleaned_data["source"]
        try:
            imported = do_import(upload.name, upload.read(), actor=request.user)
        except FileRefused as exc:
            form.add_error("source", str(exc))
        else:
            messages.success(request, _imported_message(imported))
            return redirect("exchanges:import", import_id=imported.pk)
    return page(request, form, status=400)


def _imported_message(imported: Any) -> str:
    text = _(
        "%(rows)s rows: %(recorded)s recorded, %(duplicate)s already on record, "
        "%(rejected)s rejected."
    )
    return text % {
        "rows": imported.rows,
        "recorded": imported.recorded,
        "duplicate": imported.duplicate,
        "rejected": imported.rejected,
    }


# ---------------------------------------------------------------- deaths


def _deaths_page(request: AuthedRequest, form: Any, *, status: int = 200) -> HttpResponse:
    user = request.user
    context = {
        "imports": queries.recent_imports(user, ImportKind.DEATHS),
        "form": form if access.acts_as(user, access.DEATHS_ROLE) else None,
    }
    return render(request, "exchanges/deaths.html", context, status=status)


@login_required
@require_GET
def deaths(request: AuthedRequest) -> HttpResponse:
    access.require_page(request.user, access.DEATHS_ROLE)
    return _deaths_page(request, deaths_form())


@login_required
@require_POST
def deaths_import(request: AuthedRequest) -> HttpResponse:
    access.require_acting(request.user, access.DEATHS_ROLE)
    form = deaths_form(request.POST, request.FILES)
    return _import_rows(request, form, actions.do_import_deaths, _deaths_page)


@login_required
@require_GET
def import_report(request: AuthedRequest, import_id: int) -> HttpResponse:
    imported = queries.get_import_for_user(request.user, import_id)
    return render(request, "exchanges/import.html", {"imported": imported})


# ---------------------------------------------------------------- poverty registry


def _registry_form(request: AuthedRequest, *args: Any) -> RegistryImportForm:
    return RegistryImportForm(
        *args, counties=access.counties_for(request.user), today=clock.today()
    )


def _registry_page(
    request: AuthedRequest, form: RegistryImportForm, *, status: int = 200
) -> HttpResponse:
    user = request.user
    context = {
        "imports": queries.registry_imports(user),
        "form": form if access.acts_as(user, access.REGISTRY_ROLE) else None,
    }
    return render(request, "exchanges/registry.html", context, status=status)


@login_required
@require_GET
def registry_page(request: AuthedRequest) -> HttpResponse:
    access.require_page(request.user, access.REGISTRY_ROLE)
    return _registry_page(request, _registry_form(request))


@login_required
@require_POST
def registry_import(request: AuthedRequest) -> HttpResponse:
    access.require_acting(request.user, access.REGISTRY_ROLE)
    form = _registry_form(request, request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = registry.do_import_registry(
                data["county"].pk,
                data["quarter"],
                file_name=data["source"].name,
                data=data["source"].read(),
                actor=request.user,
            )
        except FileRefused as exc:
            form.add_error("source", str(exc))
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            imported = result.registry_import
            if result.created:
                messages.success(
                    request,
                    _("Compared: %(new)s new differences, %(cleared)s no longer found.")
                    % {"new": imported.new_differences, "cleared": imported.cleared},
                )
            else:
                messages.info(
                    request,
                    _("This file was imported already on %(day)s; nothing changed.")
                    % {"day": imported.created_at.date().isoformat()},
                )
            return redirect("exchanges:registry-import-report", import_id=imported.pk)
    return _registry_page(request, form, status=400)


@login_required
@require_GET
def registry_import_report(request: AuthedRequest, import_id: int) -> HttpResponse:
    access.require_page(request.user, access.REGISTRY_ROLE)
    imported = queries.get_registry_import(request.user, import_id)
    return render(request, "exchanges/registry_import.html", {"imported": imported})


def _differences_page(request: AuthedRequest, *, status: int = 200) -> HttpResponse:
    user = request.user
    townships = queries.townships_for(user)
    filters = DifferenceFilterForm(request.GET or None, townships=townships)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    context = {
        "filters": filters,
        "page": queries.page(queries.differences(user, chosen), request.GET.get("page")),
        "acts": access.acts_as(user, access.REGISTRY_ROLE),
        "resolve_form": ResolveForm(),
        "kinds": DifferenceKind,
        "query": _query_without_page(request),
        "full_query": request.GET.urlencode(),
    }
    return render(request, "exchanges/differences.html", context, status=status)


@login_required
@require_GET
def differences(request: AuthedRequest) -> HttpResponse:
    access.require_page(request.user, access.REGISTRY_ROLE)
    return _differences_page(request)


@login_required
@require_POST
def difference_resolve(request: AuthedRequest, difference_id: int) -> HttpResponse:
    access.require_acting(request.user, access.REGISTRY_ROLE)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        if not registry.differences_for(request.user).filter(pk=difference_id).exists():
            raise Http404("No such difference.")
        messages.error(request, _("Say what was found or done (2 to 2,000 characters)."))
        return _differences_page(request, status=400)
    try:
        registry.do_resolve_difference(
            difference_id, actor=request.user, note=form.cleaned_data["note"]
        )
    except ActionError as exc:
        messages.error(request, str(exc))
        return _differences_page(request, status=400)
    messages.success(request, _("The difference is marked resolved."))
    return redirect(_differences_url(request.POST.get("back", "")))


_FILTER = re.compile(r"[A-Za-z0-9_]{1,20}")


def _differences_url(query: str) -> str:
    """Back to the worklist with its filters; only our own, never an outside address."""
    params = QueryDict(query[:500])
    kept = {key: params.get(key, "") for key in ("township", "kind", "status", "page")}
    cleaned = urlencode({key: value for key, value in kept.items() if _FILTER.fullmatch(value)})
    return reverse("exchanges:differences") + (f"?{cleaned}" if cleaned else "")


def _query_without_page(request: AuthedRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
