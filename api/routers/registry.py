"""The poverty-registration database (scope "registry"): one quarter's whole extract for a
county, as a file (XLSX or CSV) or as JSON rows, compared with the cases; the differences go on
the county's worklist. The same extract again changes nothing (`created` false)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile

from api.problems import ApiError
from api.routers.exchange_callers import exchange_system
from api.schemas import ERRORS, scope
from assistance.models import Region, RegionLevel
from assistance.tables import FileRefused
from exchanges import registry

router = Router(tags=["registry"])
SCOPE = scope("registry")
# JSON rows travel in the request body (Django's limit, 2.5 MB); a bigger extract goes as a file.
MAX_JSON_ROWS = 20_000


class RegistryRowIn(Schema):
    resident_id: str = Field(..., max_length=18)
    name: str = Field(..., max_length=50)
    status: str = Field(
        ..., max_length=20, description="贫困, 脱贫享受政策 or 已脱贫 (poor, policy, lifted)"
    )


class RegistryRowsIn(Schema):
    county: str = Field(..., min_length=1, max_length=12, description="The county's code.")
    quarter: str = Field(..., pattern=r"^[0-9]{4}Q[1-4]$")
    rows: list[RegistryRowIn] = Field(..., min_length=1, max_length=MAX_JSON_ROWS)


class RegistryFileIn(Schema):
    county: str = Field(..., min_length=1, max_length=12)
    quarter: str = Field(..., pattern=r"^[0-9]{4}Q[1-4]$")


class LeftOut(Schema):
    line: int
    message: str


class RegistryImportOut(Schema):
    id: int
    created: bool
    county_code: str
    quarter: str
    rows: int
    registered: int
    not_covered: int
    not_eligible: int
    new_differences: int
    cleared: int
    left_out: list[LeftOut]


def _county_id(code: str) -> int:
    county = Region.objects.filter(code=code, level=RegionLevel.COUNTY).first()
    if county is None:
        raise ApiError(404, "not_found", _("No such county, or not in your region."))
    return county.pk


def _out(result: registry.ImportResult) -> RegistryImportOut:
    imported = result.registry_import
    return RegistryImportOut(
        id=imported.pk,
        created=result.created,
        county_code=imported.county.code,
        quarter=imported.quarter,
        rows=imported.rows,
        registered=imported.registered,
        not_covered=imported.not_covered,
        not_eligible=imported.not_eligible,
        new_differences=imported.new_differences,
        cleared=imported.cleared,
        left_out=[LeftOut(**problem) for problem in imported.problems],
    )


@router.post(
    "/registry/imports",
    response={200: RegistryImportOut, **ERRORS},
    summary="A quarter's registry extract for a county, as JSON rows",
    openapi_extra=SCOPE,
)
def import_rows(request: HttpRequest, body: RegistryRowsIn) -> RegistryImportOut:
    user, system = exchange_system(request, "registry")
    result = registry.do_import_registry(
        _county_id(body.county),
        body.quarter,
        file_name="api",
        records=[row.model_dump() for row in body.rows],
        actor=user,
        system=system,
    )
    return _out(result)


@router.post(
    "/registry/imports/file",
    response={200: RegistryImportOut, **ERRORS},
    summary="A quarter's registry extract for a county, as an XLSX or CSV file",
    openapi_extra=SCOPE,
)
def import_file(
    request: HttpRequest, form: Form[RegistryFileIn], file: File[UploadedFile]
) -> RegistryImportOut:
    user, system = exchange_system(request, "registry")
    if file.size is not None and file.size > registry.MAX_BYTES:
        raise ApiError(
            413,
            "payload_too_large",
            _("The file is larger than %(mb)s MB: split the list.")
            % {"mb": registry.MAX_BYTES >> 20},
        )
    try:
        result = registry.do_import_registry(
            _county_id(form.county),
            form.quarter,
            file_name=file.name or "registry",
            data=file.read(),
            actor=user,
            system=system,
        )
    except FileRefused as exc:
        raise ApiError(400, "bad_request", str(exc)) from exc
    return _out(result)
