"""The demo seeds one outside system per kind, with no token (the admin issues them)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import User

from api.demo import SYSTEMS
from api.models import ApiToken, SystemAccount, SystemKind
from assistance.models import RegionLevel
from tests.fixtures import make_region

pytestmark = pytest.mark.django_db


def test_it_seeds_one_account_per_kind_and_no_secret() -> None:
    province = make_region("430000", "湖南省", RegionLevel.PROVINCE, None)
    city = make_region("431100", "永州市", RegionLevel.CITY, province)
    county = make_region("431102", "零陵区", RegionLevel.COUNTY, city)
    User.objects.create_superuser("admin", password="pw-admin-12345")
    hook = apps.get_app_config("api").seed_demo  # type: ignore[attr-defined]
    regions = {"430000": province, "431102": county}
    hook({}, regions)
    assert sorted(SystemAccount.objects.values_list("kind", flat=True)) == sorted(SystemKind.values)
    assert len(SYSTEMS) == len(SystemKind.values)
    assert not ApiToken.objects.exists()
    assert SystemAccount.objects.get(kind="department").department == "hrss"
    for account in SystemAccount.objects.select_related("user"):
        assert not account.user.has_usable_password()
    hook({}, regions)  # a second run adds nothing
    assert SystemAccount.objects.count() == len(SystemKind.values)
