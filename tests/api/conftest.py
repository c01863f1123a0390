from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storage.base import reset_store_cache


@pytest.fixture
def local_evidence(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """Scans in a folder of the test's own."""
    settings.EVIDENCE_BACKEND = "local"
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    reset_store_cache()
    yield settings.EVIDENCE_DIR
    reset_store_cache()
