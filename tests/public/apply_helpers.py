"""Building online applications for the tests: the form's POST data, and the domain call
other journeys chain from (a case lodged online, waiting at the township clerk's acceptance)."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from assistance.actions import ApplicationData, MemberData
from assistance.models import Case, Region
from public.actions_apply import Scan, do_submit_online_application
from tests.workflows.dibao import resident_id
from tests.workflows.evidence import APPLICATION, PDF

_serial = itertools.count()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
PHONE = "13800138000"


@pytest.fixture
def fresh_cache() -> Iterator[None]:
    """Rate-limit counters start at zero in every test."""
    cache.clear()
    yield
    cache.clear()


def pdf(label: str = "") -> bytes:
    return PDF + f"{label}:{next(_serial)}".encode()


def scan_file(kind: str, content: bytes | None = None, name: str = "") -> SimpleUploadedFile:
    body = content if content is not None else pdf(kind)
    return SimpleUploadedFile(name or f"{kind}.pdf", body, content_type="application/pdf")


def people(count: int = 2) -> list[tuple[str, str]]:
    """(name, resident ID) of a household: an adult applicant and children."""
    rows = [("王秀英", resident_id(date(1978, 4, 2), "F"))]
    rows += [(f"王小{index}", resident_id(date(2012, 6, 1 + index))) for index in range(count - 1)]
    return rows


def form_data(
    village: Region,
    members: list[tuple[str, str]],
    *,
    phone: str = PHONE,
    files: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "village": village.pk,
        "address": "东村2组15号",
        "hukou": "rural",
        "contact_phone": phone,
        "m-TOTAL_FORMS": str(len(members)),
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "1",
        "m-MAX_NUM_FORMS": "20",
        **extra,
    }
    for index, (name, number) in enumerate(members):
        data[f"m-{index}-name"] = name
        data[f"m-{index}-resident_id"] = number
        data[f"m-{index}-relation"] = "self" if index == 0 else "child"
        if index == 0:
            data[f"m-{index}-wage"] = "500"
    if files is None:
        files = {kind: scan_file(kind) for kind in APPLICATION}
    data.update({f"scan-{kind}": upload for kind, upload in files.items()})
    return data


def submit_online(
    village: Region,
    *,
    members: list[tuple[str, str]] | None = None,
    kinds: tuple[str, ...] = APPLICATION,
    assistance_type: str = "dibao",
    details: dict[str, Any] | None = None,
    phone: str = PHONE,
) -> Case:
    """A case lodged online through the domain, as the public form lodges it."""
    rows = members or people()
    application = ApplicationData(
        region_id=village.pk,
        address="东村2组15号",
        hukou="rural",
        members=[
            MemberData(
                name=name,
                resident_id=number,
                relation="self" if index == 0 else "child",
                is_applicant=index == 0,
                incomes=[("wage", Decimal("500"))] if index == 0 else [],
            )
            for index, (name, number) in enumerate(rows)
        ],
        assistance_type=assistance_type,
        details=details or {},
    )
    scans = []
    for kind in kinds:
        content = pdf(kind)
        scans.append(
            Scan(kind=kind, upload=io.BytesIO(content), name=f"{kind}.pdf", size=len(content))
        )
    return do_submit_online_application(application, scans=scans, contact_phone=phone)
