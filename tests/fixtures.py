"""The shared world of every test: a county with townships and villages, one user per role
in township A (two investigators, since investigations are done in pairs), and an outsider
who holds the same roles in township B."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from guardian.shortcuts import assign_perm

from assistance import workdays
from assistance.demo import default_policy
from assistance.models import Case, Household, Region, RegionLevel, RegionPolicy
from assistance.roles import ROLES
from engine import runtime
from engine.clock import clock
from engine.files import bundle_sources, main_files

SHANGHAI = ZoneInfo("Asia/Shanghai")

# The demo policy with round numbers for the dibao standards, so amounts are easy to check.
TEST_OVERRIDES = {
    "dibao_standard_urban": "800.00",
    "dibao_standard_rural": "600.00",
    "employment_cost_cap": "600.00",
    # No 增发 unless a test sets it, so amounts stay (standard - income) x members.
    "dibao_supplement_elderly": "0.00",
    "dibao_supplement_minor": "0.00",
    "dibao_supplement_severe_disability": "0.00",
    "dibao_supplement_serious_illness": "0.00",
}


def county_policy() -> dict[str, object]:
    return {**default_policy(), **TEST_OVERRIDES}


@dataclass
class World:
    province: Region
    county: Region
    township_a: Region
    township_b: Region
    village_a1: Region
    village_a2: Region
    village_b1: Region
    users: dict[str, User]

    def __getitem__(self, name: str) -> User:
        return self.users[name]


def make_region(code: str, name: str, level: str, parent: Region | None) -> Region:
    return Region.objects.create(code=code, name=name, level=level, parent=parent)


def make_user(username: str, role: str | None, region: Region | None) -> User:
    return make_users({username: (role, region)})[username]


def make_users(specs: Mapping[str, tuple[str | None, Region | None]]) -> dict[str, User]:
    """Users named with their role (a group) and the region they act in, each with the
    password "pw-<name>", in a handful of queries whatever their number: `world` makes fifteen
    for each of some 1,600 tests."""
    users = {
        name: User(username=User.normalize_username(name), password=make_password("pw-" + name))
        for name in specs
    }
    User.objects.bulk_create(users.values())
    groups = role_groups({role for role, _ in specs.values() if role})
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=users[name].pk, group_id=groups[role].pk)
        for name, (role, _) in specs.items()
        if role
    )
    by_region: dict[Region, list[User]] = {}
    for name, (_, region) in specs.items():
        if region is not None:
            by_region.setdefault(region, []).append(users[name])
    for region, holders in by_region.items():
        assign_perm("assistance.act_in_region", holders, region)
    return users


def role_groups(roles: Iterable[str]) -> dict[str, Group]:
    """The groups of these roles, made where missing."""
    wanted = set(roles)
    groups = {group.name: group for group in Group.objects.filter(name__in=wanted)}
    missing = [Group(name=name) for name in sorted(wanted - groups.keys())]
    groups.update((group.name, group) for group in Group.objects.bulk_create(missing))
    return groups


@pytest.fixture
def world(db: None) -> World:
    province = make_region("430000", "湖南省", RegionLevel.PROVINCE, None)
    county = make_region("431100", "示范县", RegionLevel.COUNTY, province)
    township_a = make_region("431101001", "东镇", RegionLevel.TOWNSHIP, county)
    township_b = make_region("431101002", "西镇", RegionLevel.TOWNSHIP, county)
    village_a1 = make_region("431101001001", "东村", RegionLevel.VILLAGE, township_a)
    village_a2 = make_region("431101001002", "南村", RegionLevel.VILLAGE, township_a)
    village_b1 = make_region("431101002001", "西村", RegionLevel.VILLAGE, township_b)
    RegionPolicy.objects.create(
        region=county, effective_from=datetime(2020, 1, 1).date(), values=county_policy()
    )
    role_groups(ROLES)
    users = make_users(
        {
            "village_clerk": ("village_clerk", village_a1),
            "clerk": ("township_clerk", township_a),
            "investigator": ("township_investigator", township_a),
            "investigator2": ("township_investigator", township_a),
            "reviewer": ("township_reviewer", township_a),
            "reviewer2": ("township_reviewer", township_a),
            "approver": ("county_approver", county),
            "county_investigator": ("county_investigator", county),
            "checker": ("county_checker", county),
            # Two payments officers: a roster needs two people's approval.
            "finance": ("county_finance", county),
            "finance2": ("county_finance", county),
            "policy": ("policy_staff", province),
            # A second policy officer: drafts and parameter changes need another's approval.
            "policy2": ("policy_staff", province),
            "auditor": ("auditor", county),
            "outsider": ("township_clerk", township_b),
        }
    )
    return World(
        province, county, township_a, township_b, village_a1, village_a2, village_b1, users
    )


@pytest.fixture
def fixed_clock() -> Iterator[None]:
    # Monday 2 March 2026, 09:00 in China: no holiday within the following weeks.
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI))
    yield
    clock.reset()


def deploy_only(*mains: str, actor: User | None = None) -> None:
    """Deploy the named processes (and the stages they call) through runtime.deploy."""
    directory = Path(settings.WORKFLOWS_DIR)
    read = read_workflows(directory)
    for main in mains:
        runtime.deploy(read.sources(main), main, actor=actor)


@dataclass
class ReadWorkflows:
    """A workflows directory as main_files and bundle_sources read it, read again only when
    a file in it changes: reading and parsing every file of it for each test that deploys
    took longer than the deploys themselves (the engine parses each bundle once per process)."""

    stamp: tuple[tuple[str, int, int], ...]
    mains: list[str]
    bundles: dict[str, dict[str, str]]
    directory: Path

    def sources(self, main: str) -> dict[str, str]:
        if main not in self.bundles:
            self.bundles[main] = bundle_sources(self.directory, self.directory / main)
        # A copy: a test may change what it deploys without changing what the next one does.
        return dict(self.bundles[main])


_READ: dict[Path, ReadWorkflows] = {}


def read_workflows(directory: Path) -> ReadWorkflows:
    files = sorted(path for path in directory.rglob("*") if path.is_file())
    stamp = tuple((str(path), *_size_and_time(path)) for path in files)
    read = _READ.get(directory)
    if read is None or read.stamp != stamp:
        mains = [main.name for main in main_files(directory)]
        read = _READ[directory] = ReadWorkflows(stamp, mains, {}, directory)
    return read


def _size_and_time(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_size, status.st_mtime_ns


@pytest.fixture
def deployed(world: World) -> None:
    deploy_only(*read_workflows(Path(settings.WORKFLOWS_DIR)).mains, actor=world["policy"])


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing() -> Iterator[None]:
    # The production hasher is slow on purpose; tests create a dozen users each.
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def calendar_kept_for_the_session() -> Iterator[None]:
    # Tests run in one process, where the signals keep the working-day calendar's copy right;
    # a reload when its minute is up would add a query at a random point of a test counting them.
    saved = workdays.CACHE_SECONDS
    workdays.CACHE_SECONDS = float("inf")
    yield
    workdays.CACHE_SECONDS = saved


@pytest.fixture(autouse=True)
def calendar_forgotten_after_a_flush(request: pytest.FixtureRequest) -> Iterator[None]:
    # A transactional test ends with the tables truncated, which sends no signal.
    yield
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if names & {"transactional_db", "live_server"} or (marker and marker.kwargs.get("transaction")):
        workdays.forget_calendar()


@pytest.fixture
def tiny_case(world: World) -> Case:
    """A case with no process yet, for engine tests that start their own."""
    household = Household.objects.create(region=world.village_a1, address="东村", hukou="rural")
    return Case.objects.create(
        number="T-1", assistance_type="dibao", household=household, region=world.village_a1
    )


@pytest.fixture(autouse=True)
def reached_end_events(request: pytest.FixtureRequest) -> Iterator[set[tuple[str, str]]]:
    """Checks each `@pytest.mark.reaches(process, end_event)` claim of a test against the run.

    test_catalog.py relies on these markers to prove every end event of every process is
    reached by some test; this fixture makes sure no marker claims more than its test does.
    """
    from engine.runtime import instance_changed

    reached: set[tuple[str, str]] = set()

    def record(
        sender: object, reached_ends: Callable[[], list[tuple[str, str]]], **kwargs: object
    ) -> None:
        reached.update(reached_ends())

    instance_changed.connect(record, weak=False, dispatch_uid=f"reached-{id(request)}")
    try:
        yield reached
    finally:
        instance_changed.disconnect(dispatch_uid=f"reached-{id(request)}")
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.passed:
        for marker in request.node.iter_markers("reaches"):
            claim = (marker.args[0], marker.args[1])
            assert claim in reached, (
                f"marked as reaching {claim}, but the test reached {sorted(reached)}"
            )


@pytest.fixture(autouse=True)
def projections_in_step(request: pytest.FixtureRequest) -> Iterator[None]:
    """After every test that passed, each instance's `projected` names exactly its rows.

    The runtime rewrites Task, Timer and Wait rows from the ids it remembers on the instance
    instead of reading them back; whatever else adds or removes a row (a migration, an
    incident's retry, a test) must keep that memory true, or set it to None.
    """
    uses_db = request.node.get_closest_marker("django_db") is not None or any(
        name in request.fixturenames for name in ("db", "transactional_db", "live_server")
    )
    if uses_db:
        # Set up the test database first, so that it is still there when this checks.
        request.getfixturevalue("_django_db_helper")
    yield
    report = getattr(request.node, "rep_call", None)
    if uses_db and report is not None and report.passed:
        assert projection_drift() == {}


def projection_drift() -> dict[int, dict[str, tuple[list[str], list[str]]]]:
    """Instance pk -> kind -> (ids it remembers, ids of its rows), where the two differ."""
    from engine.models import ProcessInstance, Task, Timer, Wait

    rows: dict[tuple[int, str], list[str]] = {}
    for kind, model in (("tasks", Task), ("timers", Timer), ("waits", Wait)):
        for instance_id, spiff_id in model._default_manager.values_list("instance_id", "spiff_id"):
            rows.setdefault((instance_id, kind), []).append(str(spiff_id))
    drift: dict[int, dict[str, tuple[list[str], list[str]]]] = {}
    remembered = ProcessInstance.objects.filter(projected__isnull=False)
    for pk, projected in remembered.values_list("pk", "projected"):
        for kind in ("tasks", "timers", "waits"):
            pair = (sorted(projected.get(kind, [])), sorted(rows.get((pk, kind), [])))
            if pair[0] != pair[1]:
                drift.setdefault(pk, {})[kind] = pair
    return drift
