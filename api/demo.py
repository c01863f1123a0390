"""Demo outside systems: one account per kind, without tokens. The demo's superuser (admin)
issues their tokens on /api/systems/, so no secret is ever printed or stored in the seed."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.models import User

from api.actions import do_create_system_account
from api.models import SystemAccount, SystemKind
from assistance.models import Region
from assistance.processes.onewindow import Department

# kind, region code, name, department
SYSTEMS = [
    (SystemKind.CHECK_CENTRE, "431102", "零陵区居民家庭经济状况核对中心", ""),
    (SystemKind.CIVIL_REGISTRY, "431102", "零陵区死亡登记信息平台", ""),
    (SystemKind.BANK, "431102", "零陵农村商业银行", ""),
    (SystemKind.POVERTY_REGISTRY, "430000", "湖南省防止返贫监测信息系统", ""),
    (SystemKind.DEPARTMENT, "431102", "零陵区人力资源和社会保障局", Department.HUMAN_RESOURCES),
]


def seed_demo(users: Mapping[str, User], regions: Mapping[str, Region]) -> None:
    if SystemAccount.objects.exists():
        return
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    if admin is None:
        return
    for kind, code, name, department in SYSTEMS:
        do_create_system_account(
            actor=admin, kind=kind, region=regions[code], name=name, department=department
        )
