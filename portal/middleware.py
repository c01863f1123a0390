"""Chinese first: the language is the one the person chose (the language cookie set by the
switch in the header), else Simplified Chinese — never guessed from the browser, whose
Accept-Language on office machines is often English."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class ChosenLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        return response


class ContentSecurityPolicyMiddleware:
    """Sends settings.CONTENT_SECURITY_POLICY unless the view set its own (a scan shown in the
    page has a stricter, sandboxing one). Django 5.2 has no policy of its own to send."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = "; ".join(
            f"{directive} {' '.join(sources)}"
            for directive, sources in settings.CONTENT_SECURITY_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class OperationsEndpointsMiddleware:
    """Answers the probes and the metrics scrape before any other middleware: they come from
    the container runtime and Prometheus over plain HTTP, by an address rather than the public
    name, and carry no session, so the HTTPS redirect, the allowed-hosts check, sessions and
    sign-in must not see them. First in MIDDLEWARE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from portal import health, metrics

        self.get_response = get_response
        self.endpoints: dict[str, Callable[[HttpRequest], HttpResponse]] = {
            "/healthz": health.healthz,
            "/readyz": health.readyz,
            "/metrics": metrics.metrics_view,
        }

    def __call__(self, request: HttpRequest) -> HttpResponse:
        endpoint = self.endpoints.get(request.path_info.rstrip("/") or "/")
        if endpoint is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
        response = endpoint(request)
        response.headers["Cache-Control"] = "no-store"
        return response
