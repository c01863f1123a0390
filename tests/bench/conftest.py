from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def domain_evidence_lookup_back() -> Iterator[None]:
    """The engine benches count every scan as on file (bench/lifecycle.py's doudi_world),
    which must not outlive the smoke test: later tests in the same worker check scans."""
    from engine import registry

    kept = list(registry._evidence_on_file)
    yield
    registry._evidence_on_file[:] = kept
