"""`verify_evidence` holds every evidence record to the audit event of its upload (case and
sha256) and to its stored object, on both backends (the S3 one a real server)."""

from __future__ import annotations

import io
import os

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from assistance.evidence_check import verify_evidence
from assistance.models import Evidence
from engine import audit
from tests.workflows.dibao import apply
from tests.workflows.evidence import PDF, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def named(report) -> list[tuple[int, str]]:
    return [(p.evidence_id, p.code) for p in report.problems]


@pytest.fixture
def scans(world, store) -> tuple[Evidence, Evidence]:
    first, second = apply(world), apply(world)
    upload(world, first, "hukou")
    upload(world, second, "hukou")
    return Evidence.objects.get(case=first), Evidence.objects.get(case=second)


def overwrite(store, key: str, content: bytes) -> None:
    """Replace an object's bytes in place, as someone with the store's credentials can."""
    if hasattr(store, "root"):
        path = store.root / key
        os.chmod(path, 0o644)
        path.write_bytes(content)
    else:
        store._client.put_object(store.bucket, key, io.BytesIO(content), len(content))


def test_it_finds_nothing_wrong_with_untouched_scans(scans, capsys):
    report = verify_evidence()
    assert report.ok and report.checked == 2 and report.unprovable == []
    call_command("verify_evidence")
    assert "2 record(s) checked, 0 problem(s), 0 orphan(s)" in capsys.readouterr().out


def test_it_names_a_record_moved_to_another_case(scans, capsys):
    moved, other = scans
    Evidence.objects.filter(pk=moved.pk).update(case=other.case)
    report = verify_evidence()
    assert named(report) == [(moved.pk, "repointed")]
    assert str(report.problems[0].message) == (
        f"This scan was uploaded to case {moved.case.number}, but its record now puts it on "
        f"case {other.case.number}: the record was moved."
    )
    with pytest.raises(CommandError, match="1 evidence problem"):
        call_command("verify_evidence")
    assert f"evidence {moved.pk} (case {other.case.number}): repointed:" in capsys.readouterr().err


def test_it_names_a_forged_object_under_the_correct_key(scans, store):
    forged, _other = scans
    overwrite(store, forged.key, PDF + b"forged")
    assert named(verify_evidence()) == [(forged.pk, "forged")]


def test_it_names_a_record_pointed_at_a_forged_scan_stored_under_its_own_key(scans, store):
    record, _other = scans
    forgery = store.put(io.BytesIO(PDF + b"a forged decision"))
    # The forged scan hashes to its key, and the record is made to agree with it.
    Evidence.objects.filter(pk=record.pk).update(
        key=forgery.key, sha256=forgery.sha256, size=forgery.size
    )
    report = verify_evidence()
    assert named(report) == [(record.pk, "substituted")]
    assert "other content than was uploaded" in str(report.problems[0].message)


def test_it_names_a_record_made_outside_the_application_and_a_missing_object(scans, world):
    first, _second = scans
    stray = Evidence.objects.create(
        case=first.case,
        kind="hukou",
        original_name="x.pdf",
        key="sha256/" + "ab" + "/" + "ab" * 32,
        sha256="ab" * 32,
        size=1,
        content_type="application/pdf",
        uploaded_by=world["clerk"],
        uploaded_at=first.uploaded_at,
    )
    assert named(verify_evidence()) == [(stray.pk, "unrecorded")]
    with transaction.atomic():
        audit.record(
            "evidence.uploaded",
            actor=world["clerk"],
            case_id=first.case_id,
            payload={"evidence_id": stray.pk, "sha256": stray.sha256},
        )
    assert named(verify_evidence()) == [(stray.pk, "missing")]


def test_it_counts_uploads_recorded_without_a_sha256_as_not_provable(scans, world):
    first, _second = scans
    older = Evidence.objects.create(
        case=first.case,
        kind="hukou",
        original_name="x.pdf",
        key=first.key,
        sha256=first.sha256,
        size=first.size,
        content_type="application/pdf",
        uploaded_by=world["clerk"],
        uploaded_at=first.uploaded_at,
    )
    with transaction.atomic():
        audit.record(
            "evidence.uploaded",
            actor=world["clerk"],
            case_id=first.case_id,
            payload={"evidence_id": older.pk},
        )
    report = verify_evidence()
    assert report.ok and report.unprovable == [older.pk]


def test_it_checks_one_case_without_reading_the_store_for_a_page(scans, store, settings):
    first, second = scans
    Evidence.objects.filter(pk=second.pk).update(case=first.case)
    overwrite(store, first.key, PDF + b"forged")
    report = verify_evidence(case=first.case, objects=False)
    assert not report.objects_checked and report.checked == 2
    assert named(report) == [(second.pk, "repointed")]
    assert report.for_evidence(second.pk)[0].case_number == first.case.number
