"""/metrics: who may read it, and what it counts."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from engine import runtime
from engine.clock import clock
from engine.forms import FormInvalid
from engine.models import ProcessInstance, Timer
from tests.engine.samples import tiny_sources


def samples(response) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    assert response.status_code == 200, response.status_code
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def count(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(f"{name}_count", labels) or 0.0


@pytest.mark.django_db
def test_it_answers_loopback_and_refuses_other_addresses(client):
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 403


@pytest.mark.django_db
def test_it_answers_a_configured_network(client, settings):
    import ipaddress

    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("10.1.0.0/16")]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.2.0.1").status_code == 403
    assert client.get("/metrics").status_code == 403


@pytest.mark.django_db
def test_it_answers_the_bearer_of_the_token_from_anywhere(client, settings):
    settings.METRICS_TOKEN = "metrics-token-42"
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", **outside).status_code == 403
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer metrics-token-4", **outside)
    assert wrong.status_code == 403
    right = client.get("/metrics", HTTP_AUTHORIZATION="Bearer metrics-token-42", **outside)
    assert right.status_code == 200


@pytest.mark.django_db
def test_it_times_requests_by_view_name_never_by_path(client, world):
    client.force_login(world["clerk"])
    labels = {"view": "case", "method": "GET", "status": "4xx"}
    before = count("doudi_http_request_duration_seconds", **labels)
    assert client.get("/cases/987654/").status_code == 404
    assert count("doudi_http_request_duration_seconds", **labels) == before + 1
    client.get("/no/such/page/")
    text = client.get("/metrics").content.decode()
    assert "987654" not in text and "no/such" not in text
    assert 'view="unmatched"' in text


@pytest.mark.django_db
def test_it_times_the_runtimes_calls(world, tiny_case):
    runtime.deploy(tiny_sources(), "tiny.bpmn", actor=world["policy"])
    before = count("doudi_runtime_call_duration_seconds", call="start", outcome="ok")
    instance = runtime.start(
        "tiny", case_id=tiny_case.pk, region_id=world.village_a1.pk, actor=None, data={}
    )
    assert count("doudi_runtime_call_duration_seconds", call="start", outcome="ok") == before + 1
    task = instance.tasks.get()
    failed = count("doudi_runtime_call_duration_seconds", call="complete", outcome="error")
    with pytest.raises(FormInvalid):
        runtime.complete(task.pk, actor=world["clerk"], data={"answer": "x"})
    after = count("doudi_runtime_call_duration_seconds", call="complete", outcome="error")
    assert after == failed + 1


@pytest.mark.django_db
def test_it_gauges_the_work_waiting(client, world, tiny_case):
    runtime.deploy(tiny_sources(), "tiny.bpmn", actor=world["policy"])
    instance = runtime.start(
        "tiny", case_id=tiny_case.pk, region_id=world.village_a1.pk, actor=None, data={}
    )
    Timer.objects.create(
        instance=instance,
        spiff_id=uuid.uuid4(),
        spec_name="late",
        due_at=clock.now() - timedelta(hours=1),
    )
    Timer.objects.create(
        instance=instance,
        spiff_id=uuid.uuid4(),
        spec_name="later",
        due_at=clock.now() + timedelta(hours=1),
    )
    # Rows the runtime did not write: it must not trust its memory of them.
    ProcessInstance.objects.filter(pk=instance.pk).update(projected=None)
    found = samples(client.get("/metrics"))
    assert found[("doudi_work_gauges_up", ())] == 1
    assert found[("doudi_open_tasks", (("claimed", "no"),))] == 1
    assert found[("doudi_open_tasks", (("claimed", "yes"),))] == 0
    assert found[("doudi_due_timers", ())] == 1
    assert 3600 <= found[("doudi_timer_lag_seconds", ())] < 3700
    assert found[("doudi_open_incidents", ())] == 0
