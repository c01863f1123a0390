from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    with translation.override("en"):
        yield
