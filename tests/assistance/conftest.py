import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_messages():
    # These modules assert the English source messages; the Chinese ones are tested by views.
    with translation.override("en"):
        yield
