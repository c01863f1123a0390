"""Signed checkpoints: the chain heads signed with a key outside the database, written once to
the evidence store (a real S3 server), with a copy in the database for listing."""

from __future__ import annotations

import base64
import io
import json
import stat
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from minio.commonconfig import COMPLIANCE
from minio.error import S3Error

from engine import audit, checkpoints
from engine.checkpoints import canonical, write_checkpoint
from engine.models import AuditCheckpoint, AuditEvent
from engine.tasks import write_audit_checkpoint
from storage.base import RecordExists, get_store, reset_store_cache
from tests.engine import tamper
from tests.workflows.dibao import accept, apply

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fixed_clock", "deployed", "signing_key_files", "english"),
    pytest.mark.parametrize("store", ["s3"], indirect=True),
]


def heads_of(document: str) -> dict[str, list[object]]:
    return {stream: [seq, head] for stream, seq, head in json.loads(document)["body"]["heads"]}


def test_it_signs_every_head_then_only_those_that_grew(world, store, capsys):
    case = apply(world)
    stream = f"case:{case.pk}"
    call_command("audit_checkpoint")
    assert "checkpoint 1 written to checkpoints/00000001-20260302T010000Z.json" in (
        capsys.readouterr().out
    )
    first = AuditCheckpoint.objects.get()
    # The store holds the original, byte for byte; the row is its copy.
    assert store.get_record(first.key).decode() == first.document
    signed = heads_of(first.document)
    assert set(signed) == {"system", stream}
    last = AuditEvent.objects.filter(stream=stream).order_by("-seq").first()
    assert signed[stream] == [last.seq, last.hash]

    call_command("audit_checkpoint")
    assert "nothing signed" in capsys.readouterr().out
    accept(world, case)
    second = write_checkpoint().checkpoint
    assert second is not None and second.number == 2 and second.changed == 1
    body = json.loads(AuditCheckpoint.objects.get(number=2).document)["body"]
    assert list(heads_of(AuditCheckpoint.objects.get(number=2).document)) == [stream]
    assert body["previous"] == {"key": first.key, "sha256": first.sha256}
    assert (body["streams"], body["events"]) == (2, AuditEvent.objects.count())
    assert audit.verify().ok


def test_it_signs_with_the_key_outside_the_database(world, store, signing_key_files):
    apply(world)
    write_checkpoint()
    document = json.loads(AuditCheckpoint.objects.get().document)
    public = checkpoints.public_key()
    assert isinstance(public, Ed25519PublicKey)
    public.verify(base64.b64decode(document["signature"]), canonical(document["body"]))
    assert document["body"]["signing_key"] == checkpoints.key_id(public)
    # Created on first use in the embedded default, readable by its owner only.
    assert stat.S_IMODE(signing_key_files.stat().st_mode) == 0o600
    assert django_settings.AUDIT_PUBLIC_KEY_FILE.exists()


def test_it_refuses_to_sign_in_production_without_a_key(world, store, settings):
    settings.EMBEDDED = False
    apply(world)
    with pytest.raises(CommandError, match="--create-key"):
        call_command("audit_checkpoint")
    assert not AuditCheckpoint.objects.exists()
    call_command("audit_checkpoint", "--create-key")
    with pytest.raises(CommandError, match="already exists"):
        call_command("audit_checkpoint", "--create-key")
    call_command("audit_checkpoint")
    assert AuditCheckpoint.objects.count() == 1


def test_it_leaves_no_copy_when_the_store_refuses(world, store, settings):
    apply(world)
    settings.MINIO_ENDPOINT = "127.0.0.1:9"
    reset_store_cache()
    with pytest.raises(CommandError, match="cannot be reached"):
        call_command("audit_checkpoint")
    assert not AuditCheckpoint.objects.exists()


def test_it_verifies_from_the_database_copies_when_the_store_is_down(world, store, settings):
    apply(world)
    write_checkpoint()
    settings.MINIO_ENDPOINT = "127.0.0.1:9"
    reset_store_cache()
    report = audit.verify()
    assert report.ok and report.checkpoint is not None and not report.store_checked
    assert any("could not be reached" in str(note) for note in report.notes)


def test_it_keeps_disputed_streams_at_their_signed_head_and_says_so(world, store, capsys):
    case = apply(world)
    write_checkpoint()
    stream = f"case:{case.pk}"
    tamper.truncate_tail(stream, 1)
    accept(world, apply(world))
    with pytest.raises(CommandError, match="1 stream"):
        call_command("audit_checkpoint")
    assert f"{stream}: contradicts its signed checkpoint (shorter)" in capsys.readouterr().err
    second = AuditCheckpoint.objects.get(number=2)
    assert stream not in heads_of(second.document)
    assert json.loads(second.document)["body"]["disputed"] == [[stream, "shorter"]]
    assert [(p.stream, p.code) for p in audit.verify().problems] == [(stream, "truncated")]


def test_it_runs_on_a_schedule(world, store):
    assert django_settings.CELERY_BEAT_SCHEDULE["write-audit-checkpoint"] == {
        "task": "engine.tasks.write_audit_checkpoint",
        "schedule": 3600.0,
    }
    apply(world)
    assert write_audit_checkpoint.delay().get() == 1
    assert write_audit_checkpoint.delay().get() is None


def test_it_keeps_checkpoints_under_retention_where_the_bucket_has_object_lock(
    world, store, s3_server, settings
):
    # A bucket of its own, made with object lock. Its locked objects outlive the test on
    # purpose (the test server's data is thrown away with it); the fixture's bucket is dropped.
    own_bucket = settings.MINIO_BUCKET
    locked = f"doudi-locked-{uuid.uuid4().hex[:12]}"
    settings.MINIO_BUCKET = locked
    settings.AUDIT_RETENTION_DAYS = 1
    reset_store_cache()
    try:
        apply(world)
        key = write_checkpoint().checkpoint.key
        client = s3_server.client()
        retention = client.get_object_retention(locked, key)
        assert retention is not None and retention.mode == COMPLIANCE
        version = client.stat_object(locked, key).version_id
        with pytest.raises(S3Error):
            client.remove_object(locked, key, version_id=version)
        # Overwriting through the store is refused; straight to S3 it only adds a version.
        with pytest.raises(RecordExists):
            get_store().put_record(key, b"{}")
        client.put_object(locked, key, io.BytesIO(b"{}"), 2)
        versions = list(client.list_objects(locked, prefix=key, include_version=True))
        assert version in {v.version_id for v in versions}
    finally:
        settings.MINIO_BUCKET = own_bucket
        reset_store_cache()
