from pathlib import Path

import pytest
from django.utils import translation


@pytest.fixture
def signing_key_files(settings, tmp_path: Path) -> Path:
    """A key pair of the test's own, created on first use (the embedded default's behaviour)."""
    settings.AUDIT_SIGNING_KEY_FILE = tmp_path / "audit" / "signing-key.pem"
    settings.AUDIT_PUBLIC_KEY_FILE = tmp_path / "audit" / "signing-key.pem.pub"
    return settings.AUDIT_SIGNING_KEY_FILE


@pytest.fixture
def english():
    """The audit tests read the English source messages; the Chinese are in the catalog."""
    with translation.override("en"):
        yield
