from django.contrib.auth.models import User
from django.http import HttpRequest, StreamingHttpResponse
from django.utils.http import content_disposition_header

from assistance.models import Evidence
from storage.base import get_store


class AuthedRequest(HttpRequest):
    """The request of a view behind login_required: the user is a real account."""

    user: User


# No scripts, no forms, no requests anywhere but the scan itself; only our pages may frame it.
SANDBOX_CSP = (
    "sandbox; default-src 'none'; img-src 'self'; object-src 'self'; "
    "style-src 'unsafe-inline'; frame-ancestors 'self'"
)


def evidence_response(evidence: Evidence, *, inline: bool) -> StreamingHttpResponse:
    """A scan streamed from the store, sandboxed: an uploaded HTML or SVG never runs as ours.
    Shared by the portal's scan pages and the API's download."""
    response = StreamingHttpResponse(
        get_store().open(evidence.key),
        content_type=evidence.content_type,
    )
    response["Content-Length"] = str(evidence.size)
    response["Content-Disposition"] = (
        content_disposition_header(not inline, evidence.original_name) or ""
    )
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
