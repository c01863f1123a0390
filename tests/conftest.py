import os
from collections.abc import Generator

import pytest

os.environ.setdefault("DOUDI_VAR_DIR", "/tmp/doudi-test-var")

pytest_plugins = ["tests.fixtures", "tests.evidence_stores", "tests.celery_worker"]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Keep each phase's report on the item (rep_setup, rep_call, rep_teardown) so that the
    # page fixture can tell whether the test failed.
    report = yield
    setattr(item, "rep_" + report.when, report)
    return report
