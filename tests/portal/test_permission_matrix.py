"""Every role x every page and action x inside/outside jurisdiction -> the expected status.

The expectations are written out by hand, row by row, so a change in the access rules has
to change this table too. "A" is a case in township A (village A1); "B" a case in township B.
Township-A staff are outside for B; county staff are inside for both; the outsider is a
township clerk of B. The search answers 200 to everyone who reads cases: the matrix writes 204
where the case is not among the results. Policy staff (province-wide, but the diagrams' owners)
read no household's personal data: every case page, household, scan and the search are 404
to them, like pages that do not exist (PIPL: minimum necessary).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assistance import actions
from assistance.models import Evidence
from engine.clock import clock
from storage.base import get_store, reset_store_cache
from tests.workflows import review as reviews
from tests.workflows.dibao import accept, apply, complete, resident_id, task
from tests.workflows.evidence import APPLICATION as APPLICATION_SCANS
from tests.workflows.evidence import upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]

USERS = [
    "village_clerk", "clerk", "investigator", "reviewer", "approver", "county_investigator",
    "checker", "policy", "auditor", "outsider",
]  # fmt: skip

# Columns follow USERS. Statuses for the case in township A, then for the case in township B.
MATRIX: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    #                     vclk clerk inv  rev  appr cinv chk  pol  aud  out
    "case":            ((200, 200, 200, 200, 200, 200, 200, 404, 200, 404),
                        (404, 404, 404, 404, 200, 200, 200, 404, 200, 200)),
    "diagram":         ((200, 200, 200, 200, 200, 200, 200, 404, 200, 404),
                        (404, 404, 404, 404, 200, 200, 200, 404, 200, 200)),
    "task_view":       ((403, 200, 403, 200, 200, 403, 403, 404, 403, 404),
                        (404, 404, 404, 404, 200, 403, 403, 404, 403, 200)),
    "task_submit":     ((403, 302, 403, 403, 403, 403, 403, 404, 403, 404),
                        (404, 404, 404, 404, 403, 403, 403, 404, 403, 302)),
    "claim":           ((403, 302, 403, 403, 403, 403, 403, 404, 403, 404),
                        (404, 404, 404, 404, 403, 403, 403, 404, 403, 302)),
    "release":         ((403, 302, 403, 403, 403, 403, 403, 404, 403, 404),
                        (404, 404, 404, 404, 403, 403, 403, 404, 403, 302)),
    "assign":          ((403, 403, 403, 302, 302, 403, 403, 404, 403, 404),
                        (404, 404, 404, 404, 302, 403, 403, 404, 403, 403)),
    "check_result":    ((403, 403, 403, 403, 403, 403, 302, 404, 403, 404),
                        (404, 404, 404, 404, 403, 403, 302, 404, 403, 403)),
    "check_form":      ((403, 403, 403, 403, 403, 403, 200, 404, 403, 404),
                        (404, 404, 404, 404, 403, 403, 200, 404, 403, 403)),
    "household":       ((200, 200, 200, 200, 200, 200, 200, 404, 200, 404),
                        (404, 404, 404, 404, 200, 200, 200, 404, 200, 200)),
    "search":          ((200, 200, 200, 200, 200, 200, 200, 404, 200, 204),
                        (204, 204, 204, 204, 200, 200, 200, 404, 200, 200)),
    "objection":       ((302, 302, 403, 403, 403, 403, 403, 404, 403, 404),
                        (404, 404, 404, 404, 403, 403, 403, 404, 403, 302)),
    "upload":          ((302, 302, 302, 302, 302, 302, 302, 404, 403, 404),
                        (404, 404, 404, 404, 302, 302, 302, 404, 403, 302)),
    "download":        ((200, 200, 200, 200, 200, 200, 200, 404, 200, 404),
                        (404, 404, 404, 404, 200, 200, 200, 404, 200, 200)),
    "view_scan":       ((200, 200, 200, 200, 200, 200, 200, 404, 200, 404),
                        (404, 404, 404, 404, 200, 200, 200, 404, 200, 200)),
    "extend":          ((403, 403, 403, 302, 302, 403, 403, 404, 403, 404),
                        (404, 404, 404, 404, 302, 403, 403, 404, 403, 403)),
    "exit":            ((403, 302, 403, 302, 403, 403, 403, 404, 403, 404),
                        (404, 404, 404, 404, 403, 403, 403, 404, 403, 302)),
    "classify":        ((403, 403, 403, 302, 302, 403, 403, 404, 403, 404),
                        (404, 404, 404, 404, 302, 403, 403, 404, 403, 403)),
    "reclassify":      ((403, 403, 403, 302, 302, 403, 403, 404, 403, 404),
                        (404, 404, 404, 404, 302, 403, 403, 404, 403, 403)),
    "report_change":   ((302, 302, 403, 403, 403, 403, 403, 404, 403, 404),
                        (404, 404, 404, 404, 403, 403, 403, 404, 403, 302)),
    "review_check":    ((403, 403, 403, 403, 403, 403, 302, 404, 403, 404),
                        (404, 404, 404, 404, 403, 403, 302, 404, 403, 403)),
    "issue_document":  ((302, 302, 403, 403, 403, 403, 403, 404, 403, 404),
                        (404, 404, 404, 404, 403, 403, 403, 404, 403, 302)),
}  # fmt: skip

SCANS = (*APPLICATION_SCANS, "investigation_record")
# Policy staff land on a home page that says what they can do, auditors on the auditors'
# workspace (a redirect, followed here), not a 403.
PAGES = {
    "inbox": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "search": (200, 200, 200, 200, 200, 200, 200, 404, 200, 200),
}
APPLICATION = (200, 200, 403, 403, 403, 403, 403, 403, 403, 200)
# Registering an application and declaring a relative are the writes without a case: clerks
# register (200: the form again, as the data is incomplete), every acting role declares
# (302); read-only roles (policy staff, auditors) do neither.
APPLICATION_POST = (200, 200, 403, 403, 403, 403, 403, 403, 403, 200)
RELATIVES_POST = (302, 302, 302, 302, 302, 302, 302, 403, 403, 302)


def make_active_case(world: Any, where: str, stage: str):
    """An active dibao case: unclassified, of class A, or with its review waiting for the check."""
    village = world.village_a1 if where == "A" else world.village_b1
    if stage == "review":
        return reviews.start_review(world, village=village)
    return reviews.active_case(world, village=village, review_class="A" * (stage == "classified"))


def make_case(world: Any, where: str, stage: str):
    if stage in ("active", "classified", "review"):
        return make_active_case(world, where, stage)
    if where == "A":
        case = apply(world)
    else:
        application = actions.ApplicationData(
            region_id=world.village_b1.pk,
            address="西村",
            hukou="rural",
            members=[
                actions.MemberData(
                    name="乙", resident_id=resident_id(date(1970, 2, 2)), is_applicant=True
                )
            ],
        )
        case = actions.do_apply(application, actor=world["outsider"])
    # Scanned at the counter, so acceptance as complete may go through.
    upload(world, case, *SCANS, user="clerk" if where == "A" else "outsider")
    if stage in ("check", "notice"):
        # Acceptance by the township's own clerk.
        clerk = "clerk" if where == "A" else "outsider"
        actions.do_complete_task(
            task(case, "acceptance").pk,
            actor=world[clerk],
            data={"acceptance_decision": "complete"},
        )
    if stage == "notice":
        case.refresh_from_db()
        actions.do_record_check_result(case, actor=world["checker"], eligible=True, report_no="HD")
        if where == "A":
            complete(
                world,
                "investigator",
                case,
                "investigate",
                visited_on="2026-03-02",
                findings="属实属实属实",
                matches_declaration=True,
            )
            complete(world, "investigator2", case, "cosign", cosign_agrees=True)
            complete(world, "reviewer", case, "opinion", opinion="approve")
        else:
            return None
    case.refresh_from_db()
    return case


def request(client: Any, world: Any, action: str, case: Any) -> int:
    acceptance = lambda: task(case, "acceptance").pk  # noqa: E731
    calls: dict[str, Callable[[], Any]] = {
        "case": lambda: client.get(reverse("case", args=[case.pk])),
        "diagram": lambda: client.get(reverse("case-diagram", args=[case.pk])),
        "task_view": lambda: client.get(reverse("task", args=[acceptance()])),
        "task_submit": lambda: client.post(
            reverse("task", args=[acceptance()]), {"acceptance_decision": "complete"}
        ),
        "claim": lambda: client.post(reverse("task-claim", args=[acceptance()])),
        "release": lambda: client.post(reverse("task-unclaim", args=[acceptance()])),
        "assign": lambda: client.post(
            reverse("task-assign", args=[acceptance()]),
            {
                "assignee": (
                    world["clerk"] if case.region_id == world.village_a1.pk else world["outsider"]
                ).pk
            },
        ),
        "check_result": lambda: client.post(
            reverse("case-check-result", args=[case.pk]), {"eligible": "yes", "report_no": "HD-1"}
        ),
        "check_form": lambda: client.get(reverse("case-check-result", args=[case.pk])),
        "household": lambda: client.get(reverse("household", args=[case.household_id])),
        "search": lambda: found(client.get(reverse("search"), {"q": case.number}), case),
        "objection": lambda: client.post(
            reverse("case-objection", args=[case.pk]), {"objector": "村民", "reason": "有异议"}
        ),
        "upload": lambda: client.post(
            reverse("evidence-upload", args=[case.pk]),
            {"kind": "hukou", "file": SimpleUploadedFile("hukou.pdf", PDF + str(case.pk).encode())},
        ),
        "download": lambda: client.get(
            reverse("evidence-download", args=[scan_of(case, world).pk])
        ),
        "view_scan": lambda: client.get(reverse("evidence-view", args=[scan_of(case, world).pk])),
        "extend": lambda: client.post(
            reverse("case-extend-procedure", args=[case.pk]), {"reason": "需跨省核查"}
        ),
        "exit": lambda: client.post(reverse("case-exit", args=[case.pk]), {"reason": "moved_away"}),
        "classify": lambda: client.post(
            reverse("case-classify", args=[case.pk]), {"review_class": "A"}
        ),
        "reclassify": lambda: client.post(
            reverse("case-reclassify", args=[case.pk]), {"review_class": "C", "reason": "不稳定"}
        ),
        "report_change": lambda: client.post(
            reverse("case-report-change", args=[case.pk]), {"change": "income", "note": "收入增加"}
        ),
        "review_check": lambda: client.post(
            reverse("case-review-check", args=[case.pk]),
            {"eligible": "yes", "changed": "no", "report_no": "FH-1"},
        ),
        "issue_document": lambda: client.post(
            reverse("document-issue", args=[case.pk, "public_notice"])
        ),
    }
    return calls[action]().status_code


def found(response: Any, case: Any) -> Any:
    """The search's answer as a status: 204 when the case is not among the results."""
    if response.status_code != 200:
        return response
    if f'data-household="{case.household_id}"' not in response.content.decode():
        response.status_code = 204
    return response


STAGE = {
    "check_result": "check",
    "check_form": "check",
    "objection": "notice",
    "exit": "active",
    "classify": "active",
    "reclassify": "classified",
    "report_change": "active",
    "review_check": "review",
    "issue_document": "notice",
}
PDF = b"%PDF-1.4\n%%EOF\n"


def scan_of(case: Any, world: Any) -> Evidence:
    stored = get_store().put(io.BytesIO(PDF + str(case.pk).encode()))
    return Evidence.objects.create(
        case=case,
        kind="hukou",
        original_name="hukou.pdf",
        key=stored.key,
        sha256=stored.sha256,
        size=stored.size,
        content_type=stored.content_type,
        uploaded_by=world["clerk"],
        uploaded_at=clock.now(),
    )


@pytest.fixture(autouse=True)
def local_evidence(settings, tmp_path):
    settings.EVIDENCE_BACKEND = "local"
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    reset_store_cache()
    yield
    reset_store_cache()


@pytest.mark.parametrize("action", sorted(MATRIX))
def test_it_answers_every_role_as_the_matrix_says(client, world, action):
    observed: dict[str, list[int]] = {"A": [], "B": []}
    for where, expected in zip(("A", "B"), MATRIX[action], strict=True):
        for username in USERS:
            case = make_case(world, where, STAGE.get(action, "acceptance"))
            if case is None:  # township B has no investigators in this world: use case A's shape
                case = make_case(world, "A", "notice")
                case.region = world.village_b1
                case.save(update_fields=["region"])
                case.tasks.update(region=world.village_b1, region_path=world.village_b1.path)
            client.force_login(world[username])
            observed[where].append(request(client, world, action, case))
        assert tuple(observed[where]) == expected, (
            f"{action} {where}: {dict(zip(USERS, observed[where], strict=True))}"
        )


def test_it_answers_every_role_on_the_pages_without_a_case(client, world):
    inbox, application, search, apply_post, declare = [], [], [], [], []
    for number, username in enumerate(USERS):
        client.force_login(world[username])
        inbox.append(client.get(reverse("inbox"), follow=True).status_code)
        application.append(client.get(reverse("application-new")).status_code)
        search.append(client.get(reverse("search")).status_code)
        apply_post.append(
            client.post(reverse("application-new"), {"assistance_type": "dibao"}).status_code
        )
        relative = {
            "name": "亲属",
            "resident_id": resident_id(date(1960, 1, 1 + number)),
            "relation": "sibling",
        }
        declare.append(client.post(reverse("relatives"), relative).status_code)
    assert tuple(inbox) == PAGES["inbox"]
    assert tuple(application) == APPLICATION
    assert tuple(search) == PAGES["search"]
    assert tuple(apply_post) == APPLICATION_POST
    assert tuple(declare) == RELATIVES_POST


def test_it_refuses_wrong_methods_everywhere(client, world):
    case = apply(world)
    accept(world, case)
    client.force_login(world["clerk"])
    assert client.post(reverse("inbox")).status_code == 405
    assert client.post(reverse("case", args=[case.pk])).status_code == 405
    assert client.post(reverse("case-diagram", args=[case.pk])).status_code == 405
    for name in (
        "case-objection",
        "evidence-upload",
        "case-extend-procedure",
        "case-exit",
        "case-classify",
        "case-reclassify",
        "case-report-change",
        "case-review-check",
    ):
        assert client.get(reverse(name, args=[case.pk])).status_code == 405
    assert client.put(reverse("case-check-result", args=[case.pk])).status_code == 405
    issue = reverse("document-issue", args=[case.pk, "acceptance"])
    assert client.get(issue).status_code == 405
    other = apply(world)
    for name in ("task-claim", "task-unclaim", "task-assign"):
        assert client.get(reverse(name, args=[task(other, "acceptance").pk])).status_code == 405


def url_patterns(resolver: Any = None, prefix: str = "", namespace: str = "") -> Any:
    """(name with its namespace, converters) of every URL the project serves."""
    from django.urls import URLResolver, get_resolver

    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern, prefix + str(pattern.pattern), inner)
        else:
            yield namespace + (pattern.name or ""), pattern.pattern.converters


# The Django pages outside the workspaces: signing in and out, the language, the admin site
# (staff accounts only).
OUTSIDE_THE_MATRIX = {"login", "logout", "set_language"}


def _grant_batch(world):
    """A batch awaiting approval in the auditor's county (payments/grants.py)."""
    from engine.clock import clock
    from payments.models import GrantBatch

    return GrantBatch.objects.create(
        kind="relocation",
        county=world.county,
        title="搬迁",
        status="submitted",
        created_by=world["finance"],
        created_at=clock.now(),
    )


def test_it_lets_auditors_change_nothing_anywhere(client, world):
    """Every URL of portal, studio and audit, posted to by an auditor with real objects in
    their jurisdiction, refuses: 403 where the auditor may read (portal), 404 where the
    workspace does not exist for them (the studio), 405 where only reading is served. No row
    is added or removed, no event written. A new write endpoint is covered without a new row."""
    from django.apps import apps

    from engine.models import AuditEvent
    from studio.actions import do_create_draft
    from tests.workflows.dibao import apply as apply_case

    case = apply_case(world)
    accept(world, case)
    other = apply_case(world)
    draft = do_create_draft(case.instances.get().definition_id, actor=world["policy"])
    evidence = case.evidence.first()
    ids = {
        "case_id": case.pk,
        "task_id": task(other, "acceptance").pk,
        "evidence_id": evidence.pk,
        "household_id": case.household_id,
        "definition_id": draft.base_id,
        "a": draft.base_id,
        "b": draft.base_id,
        "instance_id": case.instances.get().pk,
        "draft_id": draft.pk,
        "version": 1,
        "index": 0,
        "batch_id": _grant_batch(world).pk,
    }
    # A roster of the auditor's county, so the payments writes meet a real object.
    from payments.models import Roster

    ids["roster_id"] = Roster.objects.create(
        county=world.county, month=date(2026, 3, 1), built_by=world["finance"],
        created_at=clock.now(), status="built",
    ).pk  # fmt: skip
    # A subscription of the auditor's county with a failed delivery, for the outbound writes.
    from outbound.models import Delivery, Event, Subscription

    subscription = Subscription.objects.create(
        department="医保局", url="https://example.org/x", secret="s" * 64,
        event_types=["case.confirmed"], region=world.county, created_by=world["approver"],
    )  # fmt: skip
    event = Event.objects.create(type="case.confirmed", case=case, region=case.region)
    ids["subscription_id"] = subscription.pk
    ids["delivery_id"] = Delivery.objects.create(
        event=event, subscription=subscription, status="failed", attempts=3
    ).pk
    strings = {"code": world.county.code, "key": "dibao", "scope": "province", "side": "a",
               "path": "dibao.bpmn", "fmt": "xlsx"}  # fmt: skip
    watched = [
        model
        for model in apps.get_models()
        if model._meta.app_label
        in {"assistance", "engine", "studio", "audit", "auth", "payments", "outbound"}
    ]
    before = {model: model.objects.count() for model in watched}
    client.force_login(world["auditor"])
    answered: dict[str, int] = {}
    for name, converters in url_patterns():
        if not name or name.startswith("admin:") or name in OUTSIDE_THE_MATRIX:
            continue
        # The public site takes no sign-in: an auditor posts there like anyone (tests/public/).
        if name.startswith("public:"):
            continue
        # The REST API answers in problem+json and logs every call (api.call), refused or
        # not; its own matrix and per-endpoint tests show auditors' writes refused with 403
        # (tests/api/). Its pages: an auditor's own API tokens are theirs to make (they read
        # what the auditor reads), the systems' accounts are 404 to all but superusers.
        if name.startswith(("api:", "api-")):
            continue
        kwargs = {key: ids.get(key, strings.get(key, 1)) for key in converters}
        url = reverse(name, kwargs=kwargs)
        answered[name] = client.post(url, {"note": "审计", "reason": "审计"}).status_code
        if name == "document-issue":  # an unknown document, and one the case is due
            for code in ("acceptance", "public_notice"):
                kwargs["code"] = code
                assert client.post(reverse(name, kwargs=kwargs)).status_code == 403
    studio = {name: status for name, status in answered.items() if name.startswith("studio:")}
    assert studio and set(studio.values()) <= {404, 405}, studio
    others = {name: status for name, status in answered.items() if name not in studio}
    assert set(others.values()) <= {403, 405}, others
    assert others["case-objection"] == 403 and others["audit:search"] == 405
    assert {model: model.objects.count() for model in watched} == before
    assert not AuditEvent.objects.filter(actor=world["auditor"]).exists()
