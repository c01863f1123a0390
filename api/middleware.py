"""The API's language and its access log.

Language: systems say which they want (Accept-Language, or ?lang=en); Simplified Chinese
otherwise. Every call then leaves one `api.call` event in the audit trail, whoever made it
and however it ended, after the response, in a transaction of its own.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import trans_real

from api.auth import Caller
from assistance.models import Case
from engine import audit

PREFIX = "/api/v1/"
# Reading the description of the API is not a call on anyone's data.
UNLOGGED = ("/api/v1/openapi.json", "/api/v1/docs")


def api_language(request: HttpRequest) -> str:
    chosen = request.GET.get("lang", "")
    candidates = [chosen] if chosen else []
    candidates += [
        code
        for code, _q in trans_real.parse_accept_lang_header(
            request.headers.get("Accept-Language", "")
        )
    ]
    for code in candidates:
        code = code.lower()
        if code.startswith("en"):
            return "en"
        if code.startswith("zh"):
            return "zh-hans"
    return settings.LANGUAGE_CODE


class ApiMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        language = api_language(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
        response.headers["Content-Language"] = language
        if not request.path.startswith(UNLOGGED):
            _record_call(request, response)
        return response


def _record_call(request: HttpRequest, response: HttpResponse) -> None:
    who = getattr(request, "auth", None)
    match = request.resolver_match
    kwargs = match.kwargs if match is not None else {}
    payload: dict[str, object] = {
        "method": request.method,
        "route": "/" + match.route if match is not None else request.path[:200],
        "status": response.status_code,
        "via": who.via if isinstance(who, Caller) else "anonymous",
        "ip": request.META.get("REMOTE_ADDR", ""),
    }
    raw_case = str(kwargs.get("case_id", ""))
    case_id = int(raw_case) if raw_case.isdigit() and len(raw_case) < 18 else None
    if raw_case:
        payload["case"] = case_id if case_id is not None else raw_case[:40]
    with transaction.atomic():
        # A refused call names the case it asked for in the payload only: the case may not
        # exist, and its own trail holds what was done to it.
        on_case = (
            case_id
            if response.status_code < 400
            and case_id is not None
            and Case.objects.filter(pk=case_id).exists()
            else None
        )
        audit.record(
            "api.call",
            actor=who.user if isinstance(who, Caller) else None,
            role=who.role if isinstance(who, Caller) else "",
            region_id=who.system.region_id if isinstance(who, Caller) and who.system else None,
            case_id=on_case,
            payload=payload,
        )
