from __future__ import annotations

import pytest

from tests.fixtures import deploy_only


@pytest.fixture
def window_deployed(world):
    deploy_only("referral.bpmn", "complaint.bpmn", actor=world["policy"])
