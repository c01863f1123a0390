"""The case file as a PDF (一户一档): everything the page shows, read back from the file, and the
export itself on the record with the sha256 of what left."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader
from pypdf.generic import ContentStream, DictionaryObject

from assistance.models import Evidence
from audit import case_pdf
from engine import audit
from engine.models import AuditEvent
from tests.audit.case_world import approved, local_evidence, name_staff

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fixed_clock", "deployed", "local_evidence"),
]
__all__ = ["local_evidence"]


BFCHAR = re.compile(r"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]+)>")


def to_unicode(font: DictionaryObject) -> dict[bytes, str]:
    """A font's ToUnicode map: the two-byte code of each glyph -> its text."""
    cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
    return {
        bytes.fromhex(code): bytes.fromhex(text).decode("utf-16-be")
        for code, text in BFCHAR.findall(cmap.split("endcodespacerange", 1)[1])
    }


def text_of(content: bytes) -> str:
    """The text of every page, read with pypdf from the content streams and each font's
    ToUnicode map. (pypdf's own extract_text reads the first 256 glyphs of a CID-keyed font's
    subset right and the rest as two characters each: fpdf2 encodes such a font with an
    embedded CMap, which pypdf takes for a one-byte encoding. The notices use few enough
    glyphs; a case file uses more.)"""
    reader = PdfReader(io.BytesIO(content))
    found = []
    for page in reader.pages:
        fonts = {
            name: to_unicode(font.get_object())
            for name, font in page["/Resources"]["/Font"].items()
        }
        current: dict[bytes, str] = {}
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                current = fonts[operands[0]]
                continue
            if operator == b"TJ":
                strings = [item for item in operands[0] if isinstance(item, bytes | str)]
            elif operator == b"Tj":
                strings = [operands[0]]
            else:
                continue
            for item in strings:
                raw = item if isinstance(item, bytes) else item.get_original_bytes()
                found += [current.get(raw[i : i + 2], "") for i in range(0, len(raw), 2)]
    return re.sub(r"\s+", "", "".join(found))


def download(client, case):
    response = client.get(reverse("audit:case-pdf", args=[case.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert case.number in response["Content-Disposition"]
    return response.content


def test_it_puts_the_whole_case_in_the_file(client, world):
    name_staff(world)
    case = approved(world)
    client.force_login(world["auditor"])
    content = download(client, case)
    assert content.startswith(b"%PDF-")
    text = text_of(content)
    # Household and members in full.
    for member in case.household.members.all():
        assert member.name in text and member.resident_id in text
    assert "东村1组" in text and "本户案件" in text and case.number in text
    # The process version, who deployed it, today's version.
    assert "dibaov1" in text and "孙政策" in text and "这仍是今天的版本" in text
    # The policy in force, with labels and where each value came from.
    assert "农村低保标准（元/月）600.00示范县2020-01-01" in text
    # Decisions and amounts.
    assert "决定与金额" in text and "900.00" in text and "2026-04" in text
    # Every scan with its sha256, who uploaded and who viewed it.
    for scan in Evidence.objects.filter(case=case):
        assert scan.sha256 in text
    assert "陈审批2026-03-10" in text
    # The timeline with what each step recorded, who, role and office.
    assert "家中困难，与申报一致" in text and "张调查（乡镇调查员，东镇）" in text
    assert "县级审核确认" in text


def test_it_records_the_export_with_the_files_sha256(client, world):
    case = approved(world)
    client.force_login(world["auditor"])
    content = download(client, case)
    exported = AuditEvent.objects.get(case=case, action="audit.case_file_exported")
    assert exported.actor == world["auditor"] and exported.role == "auditor"
    assert exported.payload == {
        "sha256": hashlib.sha256(content).hexdigest(),
        "size": len(content),
    }


def test_it_bounds_the_file_for_a_long_history(client, world, monkeypatch):
    case = approved(world)
    monkeypatch.setattr(case_pdf, "MAX_EVENTS", 30)
    from django.db import transaction

    with transaction.atomic():
        for number in range(60):
            audit.record(
                "case.change_reported",
                actor=world["clerk"],
                role="township_clerk",
                case_id=case.pk,
                payload={"title": f"变更{number}" + "长" * 3000},
            )
    client.force_login(world["auditor"])
    content = download(client, case)
    text = text_of(content)
    total = AuditEvent.objects.filter(case=case).count() - 1  # the export is written after
    assert f"之后还有{total - 30}条记录未收入本档案" in text
    assert len(content) < 2_000_000
