from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    # Process tests assert the English source messages; the portal tests check the Chinese.
    with translation.override("en"):
        yield
