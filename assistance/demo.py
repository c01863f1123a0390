"""Demo data: one county with two townships, staff for every role, and cases in every stage.

Seeding replays real actions under a clock set back in time, so each demo case has the
same history, audit trail and due dates a real one would have.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.db import transaction
from guardian.shortcuts import assign_perm

from assistance import actions
from assistance.ids import make_resident_id
from assistance.models import Case, Region, RegionLevel, RegionPolicy, StaffProfile
from assistance.roles import ROLES
from engine import runtime
from engine.clock import clock
from engine.models import Task

DEMO_PASSWORD = "doudi-demo"  # noqa: S105 - embedded demo only, printed to the console

BASE_POLICY = {
    "dibao_standard_urban": "780.00",
    "dibao_standard_rural": "560.00",
    "employment_cost_cap": "560.00",
    "notice_days": 7,
    "notice_working_days": False,
    "confirm_level": "county",
    "acceptance_working_days": 5,
    "investigation_working_days": 15,
    "opinion_working_days": 5,
    "confirmation_working_days": 10,
    "refusal_notice_working_days": 3,
    "procedure_working_days": 30,
    "procedure_extended_working_days": 45,
    "dibao_supplement_elderly": "50.00",
    "dibao_supplement_elderly_age": 70,
    "dibao_supplement_minor": "50.00",
    "dibao_supplement_severe_disability": "100.00",
    "dibao_supplement_serious_illness": "100.00",
    "relocation_grant_per_person": "1500.00",
}


def default_policy() -> dict[str, object]:
    """The demo county's parameters: the common ones, every kind's and every process's."""
    from assistance.kinds import KINDS

    merged: dict[str, object] = dict(BASE_POLICY)
    for kind in KINDS.values():
        merged.update(kind.demo_policy)
    # Processes for any kind's active case (exit, review) bring their own DEMO_POLICY.
    for module in _process_modules():
        merged.update(getattr(module, "DEMO_POLICY", {}))
    return merged


def _process_modules() -> list[object]:
    import pkgutil
    import sys

    import assistance.processes

    names = sorted(
        f"assistance.processes.{module.name}"
        for module in pkgutil.iter_modules(assistance.processes.__path__)
    )
    return [sys.modules[name] for name in names if name in sys.modules]


# username, role, region code, display name
STAFF = [
    ("village_clerk", "village_clerk", "431102001001", "李协理（东村）"),
    ("clerk", "township_clerk", "431102001", "王受理（东镇）"),
    ("investigator", "township_investigator", "431102001", "张调查（东镇）"),
    ("investigator2", "township_investigator", "431102001", "赵调查（东镇）"),
    ("reviewer", "township_reviewer", "431102001", "刘审核（东镇）"),
    ("approver", "county_approver", "431102", "陈审批（示范县民政局）"),
    ("checker", "county_checker", "431102", "周核对（县核对中心）"),
    ("policy", "policy_staff", "430000", "孙政策（省民政厅）"),
    ("policy2", "policy_staff", "430000", "钱复核（省民政厅）"),
    ("auditor", "auditor", "431102", "吴审计（县纪检）"),
    # Two payments officers: a payment roster needs two people's approval. They also
    # prepare batch grants (payments/grants.py), which a county approver approves.
    ("finance", "county_finance", "431102", "林发放（县民政局）"),
    ("finance2", "county_finance", "431102", "何复核（县民政局）"),
    ("west_clerk", "township_clerk", "431102002", "郑受理（西镇）"),
]

REGIONS = [
    ("430000", "湖南省", RegionLevel.PROVINCE, None),
    ("431100", "永州市", RegionLevel.CITY, "430000"),
    ("431102", "零陵区", RegionLevel.COUNTY, "431100"),
    ("431102001", "东镇", RegionLevel.TOWNSHIP, "431102"),
    ("431102002", "西镇", RegionLevel.TOWNSHIP, "431102"),
    ("431102001001", "东村", RegionLevel.VILLAGE, "431102001"),
    ("431102001002", "南村", RegionLevel.VILLAGE, "431102001"),
    ("431102002001", "西村", RegionLevel.VILLAGE, "431102002"),
]

# (applicant name, wage, members, how far the case gets)
CASES = [
    ("刘春花", "600.00", 3, "acceptance"),
    ("陈建国", "400.00", 2, "check"),
    ("黄秀英", "300.00", 2, "investigate"),
    ("周德胜", "500.00", 4, "opinion"),
    ("吴桂兰", "200.00", 1, "notice"),
    ("郑国强", "700.00", 3, "confirm"),
    ("孙丽萍", "450.00", 3, "active"),
    ("马永福", "2400.00", 2, "refused"),
]


def seed() -> list[tuple[str, str]]:
    """Create the demo world if it is not there yet; return (username, role) pairs."""
    if Region.objects.filter(code="431102").exists():
        return [(username, role) for username, role, _code, _name in STAFF]
    with transaction.atomic():
        regions = _regions()
        RegionPolicy.objects.create(
            region=regions["431102"], effective_from=date(2020, 1, 1), values=default_policy()
        )
        for role in ROLES:
            Group.objects.get_or_create(name=role)
        users = {
            username: _staff(username, role, regions[code], name)
            for username, role, code, name in STAFF
        }
        admin = User.objects.create_superuser("admin", password=DEMO_PASSWORD)
        StaffProfile.objects.create(user=admin, full_name="系统管理员")
    _cases(users, regions["431102001001"])
    _kind_cases(users, regions)
    _app_content(users, regions)
    return [(username, role) for username, role, _code, _name in STAFF]


def _regions() -> dict[str, Region]:
    regions: dict[str, Region] = {}
    for code, name, level, parent in REGIONS:
        regions[code] = Region.objects.create(
            code=code, name=name, level=level, parent=regions[parent] if parent else None
        )
    return regions


def _staff(username: str, role: str, region: Region, name: str) -> User:
    user = User.objects.create_user(username=username, password=DEMO_PASSWORD)
    user.groups.add(Group.objects.get(name=role))
    assign_perm("assistance.act_in_region", user, region)
    StaffProfile.objects.create(user=user, full_name=name, office=region)
    return user


def _kind_cases(users: dict[str, User], regions: dict[str, Region]) -> None:
    """Each kind of assistance seeds its own cases in every stage of its processes."""
    from assistance.kinds import KINDS

    for kind in KINDS.values():
        if kind.seed_demo is not None:
            kind.seed_demo(users, regions)
    # Then the processes that run on active cases (exit, review), which need those cases.
    for module in _process_modules():
        seed = getattr(module, "seed_demo", None)
        if seed is not None:
            seed(users, regions)


def _app_content(users: dict[str, User], regions: dict[str, Region]) -> None:
    """Workspace apps with demo records of their own (the public site's pages, the one
    window's requests) seed them through a `seed_demo(users, regions)` method on their
    AppConfig, after the cases: imports point down, so assistance imports none of them."""
    from django.apps import apps

    for config in apps.get_app_configs():
        hook = getattr(config, "seed_demo", None)
        if callable(hook):
            hook(users, regions)


def _cases(users: dict[str, User], village: Region) -> None:
    now = clock.now()
    for index, (name, wage, members, stage) in enumerate(CASES):
        # A case still in its notice must have started recently, or its notice would be over.
        clock.set(now - timedelta(days=2 if stage == "notice" else 12, minutes=len(CASES) - index))
        try:
            _one_case(users, village, index, name, wage, members, stage)
        finally:
            clock.reset()


def _one_case(
    users: dict[str, User],
    village: Region,
    index: int,
    name: str,
    wage: str,
    members: int,
    stage: str,
) -> None:
    people = []
    for position in range(members):
        born = date(1975 + position * 9, 1 + index, 3 + position)
        people.append(
            actions.MemberData(
                name=name if position == 0 else f"{name[0]}家成员{position}",
                resident_id=make_resident_id(
                    "431102", born, index * 10 + position, "F" if position % 2 else "M"
                ),
                relation="self" if position == 0 else "family",
                is_applicant=position == 0,
                incomes=[("wage", Decimal(wage))] if position == 0 else [],
            )
        )
    application = actions.ApplicationData(
        region_id=village.pk, address=f"东村{index + 1}组", hukou="rural", members=people
    )
    case = actions.do_apply(application, actor=users["clerk"])
    steps = ["acceptance", "check", "investigate", "opinion", "notice", "confirm", "active"]
    reached = steps.index(stage) if stage in steps else len(steps)
    if stage == "refused" or reached > 0:
        complete_step(users, case, "clerk", "acceptance", acceptance_decision="complete")
    if stage == "refused" or reached > 1:
        case.refresh_from_db()
        actions.do_record_check_result(
            case, actor=users["checker"], eligible=True, report_no=f"HD-{case.pk:05d}"
        )
    if stage == "refused" or reached > 2:
        today = clock.today().isoformat()
        complete_step(
            users,
            case,
            "investigator",
            "investigate",
            visited_on=today,
            findings="入户核实，家庭困难情况属实。",
            matches_declaration=True,
        )
        complete_step(users, case, "investigator2", "cosign", cosign_agrees=True)
    if stage == "refused":
        complete_step(
            users,
            case,
            "reviewer",
            "opinion",
            opinion="refuse",
            opinion_reasons="家庭人均收入高于当地低保标准。",
        )
        return
    if reached > 3:
        complete_step(users, case, "reviewer", "opinion", opinion="approve")
    if reached > 4:
        clock.advance(timedelta(days=8))
        runtime.fire_due_timers()
    if reached > 5:
        complete_step(users, case, "approver", "county_confirm", decision="approve")


def complete_step(
    users: Mapping[str, User], case: Case, username: str, spec_name: str, **data: object
) -> None:
    """Complete the case's open task `spec_name` as the demo user `username`, after the
    township clerk has scanned what its checklist asks for (the engine refuses it otherwise)."""
    task = Task.objects.get(case=case, spec_name=spec_name)
    scan_checklist(users, case, task)
    actions.do_complete_task(task.pk, actor=users[username], data=data)


def scan_checklist(users: Mapping[str, User], case: Case, task: Task) -> None:
    on_file = set(case.evidence.filter(superseded_by__isnull=True).values_list("kind", flat=True))
    for kind in (kind for kind in task.evidence_required.split(",") if kind):
        if kind in on_file:
            continue
        content = demo_pdf(f"{case.number} {kind}")
        actions.do_upload_evidence(
            case,
            actor=users["clerk"],
            kind=kind,
            upload=io.BytesIO(content),
            name=f"{kind}.pdf",
            size=len(content),
        )


def demo_pdf(text: str) -> bytes:
    """A one-page PDF saying `text` (ASCII), standing in for a scan."""
    line = text.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 18 Tf 72 720 Td (" + line + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += str(number).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 " + str(len(objects) + 1).encode() + b"\n0000000000 65535 f \n"
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size " + str(len(objects) + 1).encode() + b" /Root 1 0 R >>\n"
    return out + b"startxref\n" + str(xref).encode() + b"\n%%EOF\n"
