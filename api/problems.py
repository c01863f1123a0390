"""Errors as RFC 9457 problem details (application/problem+json), in the caller's language."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

logger = logging.getLogger(__name__)

PROBLEM_TYPE = "https://doudi.example/problems/"
CONTENT_TYPE = "application/problem+json"


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, detail: str, errors: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors or []


def _titles() -> dict[str, str]:
    return {
        "bad_request": _("The request cannot be done"),
        "validation_error": _("The request's data is not valid"),
        "not_authenticated": _("Sign-in or a valid token is needed"),
        "permission_denied": _("Not allowed"),
        "not_found": _("Not found"),
        "conflict": _("The record's state does not allow this"),
        "payload_too_large": _("Too large"),
        "throttled": _("Too many requests"),
        "server_error": _("Internal error"),
    }


def problem(
    status: int, code: str, detail: str, errors: list[dict[str, str]] | None = None
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + code,
        "title": _titles().get(code, code),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE
    )


def _field_message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    messages = {
        "missing": _("This field is required."),
        "string_too_long": _("At most %(n)s characters.") % {"n": context.get("max_length")},
        "string_too_short": _("At least %(n)s characters.") % {"n": context.get("min_length")},
        "int_parsing": _("Expected a whole number."),
        "int_type": _("Expected a whole number."),
        "bool_parsing": _("Expected true or false."),
        "date_from_datetime_parsing": _("Expected a date written YYYY-MM-DD."),
        "date_parsing": _("Expected a date written YYYY-MM-DD."),
        "string_pattern_mismatch": _("This value is not in the expected form."),
        "literal_error": _("This value is not one of the allowed values."),
        "enum": _("This value is not one of the allowed values."),
        "json_invalid": _("The body is not valid JSON."),
        "greater_than_equal": _("The number is too small."),
        "less_than_equal": _("The number is too large."),
        "too_long": _("Too many items."),
        "model_attributes_type": _("Expected an object."),
        "dict_type": _("Expected an object."),
        "list_type": _("Expected a list."),
        "string_type": _("Expected text."),
    }
    return messages.get(kind, str(error.get("msg", "")))


def _field_name(error: dict[str, Any]) -> str:
    # ninja's locations start with where the value came from (body, query, path…); a JSON
    # body's come next with the name of the endpoint's parameter, which callers never see.
    location = list(error.get("loc", []))
    skip = 2 if location[:1] == ["body"] and len(location) > 2 else 1
    return ".".join(str(part) for part in location[skip:]) or "body"


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return problem(exc.status, exc.code, exc.detail, exc.errors)

    @api.exception_handler(ValidationError)
    def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        if getattr(request, "upload_too_large", False):
            # The upload handler cut the file off at the limit (portal.uploads): it is too
            # large, not missing.
            return too_large()
        errors = [
            {"field": _field_name(error), "message": _field_message(error)} for error in exc.errors
        ]
        return problem(422, "validation_error", _("Correct the fields listed."), errors)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = problem(
            401,
            "not_authenticated",
            _("Send a valid token (Authorization: Bearer …) or sign in to the portal."),
        )
        response["WWW-Authenticate"] = 'Bearer realm="doudi"'
        return response

    @api.exception_handler(Throttled)
    def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        return problem(429, "throttled", _("Too many requests; wait and try again."))

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, ApiError):
            # ninja wraps what the body's parser (api.parser) refused.
            return _api_error(request, exc.__cause__)
        codes = {400: "bad_request", 403: "permission_denied", 404: "not_found", 409: "conflict"}
        code = codes.get(exc.status_code, "bad_request")
        return problem(exc.status_code, code, _titles()[code])

    @api.exception_handler(Http404)
    def _missing(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(404, "not_found", _("No such record, or not in your jurisdiction."))

    @api.exception_handler(PermissionDenied)
    def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return problem(403, "permission_denied", str(exc) or _("Not allowed"))

    @api.exception_handler(Exception)
    def _domain_or_crash(request: HttpRequest, exc: Exception) -> HttpResponse:
        mapped = domain_problem(exc)
        if mapped is not None:
            return mapped
        logger.exception("API call failed: %s %s", request.method, request.path)
        return problem(500, "server_error", _("Something went wrong on our side; try again."))


def too_large() -> HttpResponse:
    return problem(
        413, "payload_too_large", _("The file is larger than the limit; nothing was saved.")
    )


def domain_problem(exc: Exception) -> HttpResponse | None:
    """The domain's refusals (assistance, engine, policy) as problems; None for a crash."""
    from assistance.actions import ActionError
    from assistance.policy import PolicyError
    from engine import runtime
    from engine.forms import NON_FIELD, FormInvalid

    if isinstance(exc, FormInvalid):
        # A task's submission against its own JSON Schema: the engine's messages per field.
        errors = [
            {"field": "body" if field == NON_FIELD else field, "message": message}
            for field, messages in exc.errors.items()
            for message in messages
        ]
        return problem(422, "validation_error", _("Correct the fields listed."), errors)
    if isinstance(exc, runtime.NotFound):
        return problem(404, "not_found", _("No such record, or not in your jurisdiction."))
    if isinstance(exc, runtime.SeparationOfDuties):
        return problem(403, "permission_denied", str(exc))
    if isinstance(exc, runtime.EvidenceMissing | runtime.StartDataMissing):
        return problem(400, "bad_request", str(exc))
    if isinstance(exc, runtime.EngineError):
        return problem(409, "conflict", str(exc))
    if isinstance(exc, ActionError | PolicyError):
        return problem(400, "bad_request", str(exc))
    return None
