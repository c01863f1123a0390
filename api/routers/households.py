"""The household file (一户一档): members and the household's cases the caller may see, with
resident IDs masked for roles whose work does not need them (as on the portal's page)."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Router, Schema

from api.auth import staff_user
from api.routers.cases import CaseOut, case_out
from api.schemas import ERRORS, STAFF
from assistance import access
from assistance.ids import mask_resident_id
from assistance.models import Member

router = Router(tags=["households"])


class MemberOut(Schema):
    id: int
    name: str
    resident_id: str
    resident_id_masked: bool
    sex: str
    birth_date: date
    relation: str
    is_applicant: bool
    covered: bool


class HouseholdOut(Schema):
    id: int
    region_code: str
    region_name: str
    address: str
    hukou: str
    members: list[MemberOut]
    cases: list[CaseOut]


def member_out(member: Member, *, full_ids: bool) -> MemberOut:
    return MemberOut(
        id=member.pk,
        name=member.name,
        resident_id=member.resident_id if full_ids else mask_resident_id(member.resident_id),
        resident_id_masked=not full_ids,
        sex=member.sex,
        birth_date=member.birth_date,
        relation=member.relation,
        is_applicant=member.is_applicant,
        covered=member.covered,
    )


@router.get(
    "/households/{household_id}",
    response={200: HouseholdOut, **ERRORS},
    summary="One household: its members and the cases I may see",
    openapi_extra=STAFF,
)
def get_household(request: HttpRequest, household_id: int) -> HouseholdOut:
    user = staff_user(request)
    household = access.get_household_for_user(user, household_id)
    full_ids = access.sees_full_ids(user)
    cases = access.cases_for_user(user).filter(household=household).select_related("region")
    return HouseholdOut(
        id=household.pk,
        region_code=household.region.code,
        region_name=household.region.name,
        address=household.address,
        hukou=household.hukou,
        members=[
            member_out(member, full_ids=full_ids)
            for member in household.members.order_by("-is_applicant", "pk")
        ],
        cases=[case_out(case) for case in cases.order_by("-created_at", "-pk")],
    )
