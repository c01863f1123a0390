"""Scans through the portal, on both evidence backends (local folder and a real S3 server)."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from assistance.models import Evidence
from engine.models import AuditEvent
from storage.base import reset_store_cache
from tests.workflows.dibao import apply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]

PDF = b"%PDF-1.7\n" + b"0" * 4000 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 2000


def upload(client, case, content: bytes, name: str = "scan.pdf", kind: str = "hukou", **extra):
    file = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = client.post(
        reverse("evidence-upload", args=[case.pk]), {"kind": kind, "file": file, **extra}
    )
    return response, [str(message) for message in get_messages(response.wsgi_request)]


def test_it_stores_a_scan_and_audits_each_view(client, world, store):
    case = apply(world)
    client.force_login(world["clerk"])
    response, notes = upload(client, case, PDF)
    assert response.status_code == 302 and notes == ["扫描件已保存。"]
    evidence = Evidence.objects.get()
    assert (evidence.content_type, evidence.size, evidence.key) == (
        "application/pdf",
        len(PDF),
        f"sha256/{evidence.sha256[:2]}/{evidence.sha256}",
    )
    client.force_login(world["auditor"])
    download = client.get(reverse("evidence-download", args=[evidence.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert (
        AuditEvent.objects.filter(
            case=case, action="evidence.viewed", actor=world["auditor"]
        ).count()
        == 1
    )
    assert AuditEvent.objects.filter(case=case, action="evidence.uploaded").count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [(ELF, "只接受"), (b"", "空文件"), (PNG[:5], "只接受")],
    ids=["executable renamed .pdf", "empty", "too short to be a scan"],
)
def test_it_refuses_bad_files_and_keeps_nothing(client, world, store, content, message):
    case = apply(world)
    client.force_login(world["clerk"])
    _response, notes = upload(client, case, content)
    assert any(message in note for note in notes), notes
    assert not Evidence.objects.exists()
    assert list(store.keys()) == []


def test_it_cuts_off_an_oversized_upload(client, world, store, settings):
    case = apply(world)
    client.force_login(world["clerk"])
    big = b"%PDF-1.7\n" + b"1" * (settings.EVIDENCE_MAX_BYTES + 1)
    _response, notes = upload(client, case, big)
    assert notes == ["文件超过大小限制，未保存。"]
    assert not Evidence.objects.exists() and list(store.keys()) == []


def test_it_keeps_nothing_from_an_upload_cut_off_midway(client, world, store):
    case = apply(world)
    client.force_login(world["clerk"])
    boundary = "CUTOFF"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nhukou\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    response = client.generic(
        "POST",
        reverse("evidence-upload", args=[case.pk]),
        head + PDF[:1500],  # the connection drops before the file and the closing boundary end
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 302
    assert not Evidence.objects.exists() and list(store.keys()) == []


def test_it_says_so_when_the_store_is_down_and_changes_nothing(client, world, settings):
    settings.EVIDENCE_BACKEND = "minio"
    settings.MINIO_ENDPOINT = "127.0.0.1:1"  # nothing listens there
    reset_store_cache()
    try:
        case = apply(world)
        client.force_login(world["clerk"])
        events = AuditEvent.objects.filter(case=case).count()
        _response, notes = upload(client, case, PDF)
    finally:
        reset_store_cache()
    assert notes == ["无法连接材料存储服务，未保存任何内容，请稍后再试。"]
    assert not Evidence.objects.exists()
    assert AuditEvent.objects.filter(case=case).count() == events


def test_it_supersedes_instead_of_overwriting(client, world, store):
    case = apply(world)
    client.force_login(world["clerk"])
    upload(client, case, PDF)
    old = Evidence.objects.get()
    upload(client, case, PNG, name="scan.png", supersedes=old.pk)
    new = Evidence.objects.exclude(pk=old.pk).get()
    assert new.supersedes == old and store.exists(old.key) and store.exists(new.key)
    # The replaced scan cannot be replaced again; the current one can.
    _response, notes = upload(client, case, PDF + b"2", supersedes=old.pk)
    assert notes[-1] == "只能替换本案当前有效的扫描件。"


def test_it_keeps_scans_inside_jurisdiction(client, world, store):
    case = apply(world)
    client.force_login(world["clerk"])
    upload(client, case, PDF)
    evidence = Evidence.objects.get()
    client.force_login(world["outsider"])
    assert client.get(reverse("evidence-download", args=[evidence.pk])).status_code == 404
    assert upload(client, case, PNG)[0].status_code == 404
    client.force_login(world["auditor"])
    assert upload(client, case, PNG)[0].status_code == 403
    assert client.post(reverse("evidence-download", args=[evidence.pk])).status_code == 405
    assert Evidence.objects.count() == 1


def test_it_verifies_records_against_objects(client, world, store, capsys, settings):
    case = apply(world)
    client.force_login(world["clerk"])
    upload(client, case, PDF)
    call_command("verify_evidence")
    assert "1 record(s) checked, 0 problem(s), 0 orphan(s)" in capsys.readouterr().out
    orphan = store.put(__import__("io").BytesIO(PNG))
    evidence = Evidence.objects.get()
    Evidence.objects.filter(pk=evidence.pk).update(sha256="0" * 64)
    with pytest.raises(CommandError):
        call_command("verify_evidence")
    captured = capsys.readouterr()
    assert f"evidence {evidence.pk}" in captured.err and "substituted" in captured.err
    assert f"orphan: {orphan.key}" in captured.out


def test_it_returns_to_the_page_it_came_from_but_never_off_site(client, world, store):
    case = apply(world)
    client.force_login(world["clerk"])
    back = reverse("task", args=[case.tasks.get().pk])
    response, _notes = upload(client, case, PDF, next=back)
    assert response["Location"] == back
    response, _notes = upload(client, case, PNG, next="https://evil.example/")
    assert response["Location"] == reverse("case", args=[case.pk])
