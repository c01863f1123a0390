"""The portal's search: households found by a member's name, resident ID (whole or its last
digits) or a case number, in the caller's view, at most RESULT_LIMIT of them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from api.auth import staff_user
from api.problems import ApiError
from api.schemas import ERRORS, STAFF
from assistance import access, lookup
from assistance.ids import mask_resident_id
from assistance.models import Household
from portal import households

router = Router(tags=["search"])


class FoundCase(Schema):
    id: int
    number: str
    assistance_type: str
    status: str


class FoundHousehold(Schema):
    id: int
    region_code: str
    region_name: str
    applicant_name: str | None
    applicant_resident_id: str | None
    cases: list[FoundCase]


class SearchResults(Schema):
    query: str
    limit: int
    resident_ids_masked: bool
    items: list[FoundHousehold]


class SearchQuery(Schema):
    q: str = Field(max_length=lookup.MAX_LENGTH)


def found(household: Household, *, full_ids: bool) -> FoundHousehold:
    number = getattr(household, "applicant_id", None)
    return FoundHousehold(
        id=household.pk,
        region_code=household.region.code,
        region_name=household.region.name,
        applicant_name=getattr(household, "applicant_name", None),
        applicant_resident_id=(number if full_ids else mask_resident_id(number))
        if number
        else None,
        cases=[
            FoundCase(
                id=case.pk,
                number=case.number,
                assistance_type=case.assistance_type,
                status=case.status,
            )
            for case in getattr(household, "visible_cases", [])
        ],
    )


@router.get(
    "/search",
    response={200: SearchResults, **ERRORS},
    summary="Find households by name, resident ID, its last digits or case number",
    description=f"At most {households.RESULT_LIMIT} households, newest first; "
    f"the query is {lookup.MAX_LENGTH} characters at most.",
    openapi_extra=STAFF,
)
def search(request: HttpRequest, params: Query[SearchQuery]) -> SearchResults:
    user = staff_user(request)
    if not access.user_roles(user):
        raise PermissionDenied(_("Your account has no role yet."))
    if not access.reads_cases(user):
        raise Http404("No such page.")  # policy staff see no household (PIPL)
    form = households.SearchForm({"q": params.q})
    if not form.is_valid():
        errors = [{"field": "q", "message": str(message)} for message in form.errors["q"]]
        raise ApiError(422, "validation_error", _("Correct the fields listed."), errors)
    query = form.cleaned_data["q"]
    full_ids = access.sees_full_ids(user)
    return SearchResults(
        query=query,
        limit=households.RESULT_LIMIT,
        resident_ids_masked=not full_ids,
        items=[found(household, full_ids=full_ids) for household in households.search(user, query)],
    )
