"""The REST API: one NinjaAPI at /api/v1/, its OpenAPI description at /api/v1/openapi.json and
browsable docs at /api/v1/docs. Routers live in api/routers/, one per area."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from api import problems
from api.auth import SessionAuth, TokenAuth, declared_scope
from api.parser import DoudiParser
from api.routers import (
    bank,
    cases,
    checks,
    deaths,
    departments,
    evidence,
    households,
    me,
    registry,
    reports,
    search,
    tasks,
)
from api.throttle import CallerThrottle


class DoudiAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Errors are sent as application/problem+json; the description says so."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if str(status)[0] in "45" and "application/json" in content:
                        content[problems.CONTENT_TYPE] = content.pop("application/json")
        return schema


api = DoudiAPI(
    title="Doudi API",
    version="1",
    description=str(
        _(
            "Doudi's API for staff and for other systems. Staff call it with their portal "
            "session or a personal token; systems with a token of their account, limited to "
            "its scopes and region. Errors are problem+json in the caller's language "
            "(Accept-Language: zh or en)."
        )
    ),
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    throttle=[CallerThrottle()],
    parser=DoudiParser(),
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
)
problems.install(api)
api.add_decorator(declared_scope, mode="view")

api.add_router("/", me.router)
api.add_router("/", cases.router)
api.add_router("/", households.router)
api.add_router("/", tasks.router)
api.add_router("/", evidence.router)
api.add_router("/", search.router)
api.add_router("/", reports.router)
api.add_router("/", checks.router)
api.add_router("/", deaths.router)
api.add_router("/", bank.router)
api.add_router("/", registry.router)
api.add_router("/", departments.router)
