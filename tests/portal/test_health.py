"""The probes: /healthz touches nothing, /readyz names the part that is not ready."""

from __future__ import annotations

import uuid

import pytest

from storage.base import reset_store_cache
from tests.celery_worker import REDIS_URL


def test_it_answers_liveness_without_the_database(client):
    # No `db` fixture: any query here would fail the test.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db(transaction=True)
def test_it_is_ready_when_database_broker_and_store_answer(client, settings, tmp_path):
    settings.CELERY_BROKER_URL = REDIS_URL
    settings.EVIDENCE_BACKEND = "local"
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "evidence_store": "ok"},
    }
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db(transaction=True)
def test_it_counts_the_in_process_broker_as_ready(client, settings, tmp_path):
    settings.CELERY_BROKER_URL = "memory://"
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    assert client.get("/readyz").json()["checks"]["broker"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_it_names_an_unreachable_broker_and_answers_503(client, settings, tmp_path):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "broker": "failed", "evidence_store": "ok"},
    }
    assert b"127.0.0.1" not in response.content


@pytest.mark.django_db(transaction=True)
def test_it_names_an_evidence_folder_it_cannot_write(client, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    settings.CELERY_BROKER_URL = "memory://"
    settings.EVIDENCE_BACKEND = "local"
    settings.EVIDENCE_DIR = blocker / "evidence"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["evidence_store"] == "failed"


@pytest.mark.django_db(transaction=True)
def test_it_checks_that_the_object_stores_bucket_exists(client, settings, s3_server):
    settings.CELERY_BROKER_URL = "memory://"
    settings.EVIDENCE_BACKEND = "minio"
    settings.MINIO_ENDPOINT = s3_server.endpoint
    settings.MINIO_ACCESS_KEY = s3_server.access_key
    settings.MINIO_SECRET_KEY = s3_server.secret_key
    settings.MINIO_SECURE = s3_server.secure
    settings.MINIO_BUCKET = f"doudi-test-{uuid.uuid4().hex[:12]}"
    reset_store_cache()
    assert client.get("/readyz").json()["checks"]["evidence_store"] == "failed"
    s3_server.client().make_bucket(settings.MINIO_BUCKET)
    try:
        response = client.get("/readyz")
        assert response.status_code == 200, response.content
    finally:
        s3_server.client().remove_bucket(settings.MINIO_BUCKET)


def test_it_answers_probes_over_plain_http_to_any_host_name(client, settings):
    # Production redirects plain HTTP and refuses unknown hosts; a probe comes by address.
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["doudi.example.gov.cn"]
    response = client.get("/healthz", HTTP_HOST="172.18.0.5:8000")
    assert response.status_code == 200
    assert client.get("/", HTTP_HOST="doudi.example.gov.cn").status_code == 301


def test_it_refuses_writes_to_the_probes(client):
    assert client.post("/healthz").status_code == 405
