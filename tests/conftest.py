import os
from collections.abc import Generator, Iterator

import pytest
from django.db.backends.postgresql.operations import DatabaseOperations
from django.test import override_settings

os.environ.setdefault("DOUDI_VAR_DIR", "/tmp/doudi-test-var")

pytest_plugins = [
    "tests.fixtures",
    "tests.evidence_stores",
    "tests.celery_worker",
    "tests.outbound.receiver",
]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Keep each phase's report on the item (rep_setup, rep_call, rep_teardown) so that the
    # page fixture can tell whether the test failed.
    report = yield
    setattr(item, "rep_" + report.when, report)
    return report


@pytest.fixture(scope="session", autouse=True)
def files_of_this_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Under pytest-xdist (`make pytest` runs two or more workers) each worker keeps the
    evidence and signing key it writes apart from the others', as it keeps its own test
    database: a test that lists the store must see only its own worker's objects."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        yield
        return
    base = tmp_path_factory.mktemp("var")
    with override_settings(
        EVIDENCE_DIR=base / "evidence",
        AUDIT_SIGNING_KEY_FILE=base / "audit" / "signing-key.pem",
    ):
        yield


@pytest.fixture(scope="session", autouse=True)
def flush_may_empty_the_audit_trail() -> Generator[None]:
    """pytest-django empties every table after a transactional test with one TRUNCATE, which
    the audit tables refuse (engine migration 0007) unless the session says it may: only this
    flush does, in its own transaction."""
    original = DatabaseOperations.sql_flush

    def sql_flush(self: DatabaseOperations, *args: object, **kwargs: object) -> list[str]:
        statements = original(self, *args, **kwargs)  # type: ignore[arg-type]
        if not statements:
            return statements
        return ["SET LOCAL doudi.allow_audit_truncate = 'on'", *statements]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield


@pytest.fixture(autouse=True)
def forget_kept_workflows() -> Generator[None]:
    """The runtime keeps workflows it saved, once committed (engine.runtime._step_workflow);
    a test that commits and then has its rows emptied must not leave them to the next."""
    yield
    from engine import runtime

    runtime.forget_workflows()
