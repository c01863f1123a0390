"""Reading requests: JSON bodies and query or form values, refused clearly when they hold what
the database cannot store (a NUL character) or what is not JSON at all."""

from __future__ import annotations

import json
from typing import Any, cast

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja.parser import Parser

from api.problems import ApiError

NUL = "\x00"


def _refuse_nul() -> ApiError:
    return ApiError(400, "bad_request", _("Text may not contain the NUL character."))


def _has_nul(value: Any) -> bool:
    """Any string in the JSON value, key or value, holding NUL; iterative, as the value may
    be nested as deep as the JSON parser allows."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class DoudiParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        try:
            data = json.loads(request.body)
        except (ValueError, RecursionError) as exc:
            raise ApiError(400, "bad_request", _("The body is not valid JSON.")) from exc
        if _has_nul(data):
            raise _refuse_nul()
        return cast(dict[str, Any], data)

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        for key, values in data.lists():
            if NUL in key or any(isinstance(v, str) and NUL in v for v in values):
                raise _refuse_nul()
        return super().parse_querydict(data, list_fields, request)
