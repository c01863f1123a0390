import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_messages():
    # The domain's tests assert the English source messages; the pages' tests read the
    # Chinese their requests render (the language middleware activates it per request).
    with translation.override("en"):
        yield
