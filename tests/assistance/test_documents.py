"""Notices: issued when the case reaches their point, stored as evidence, on the record."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from pypdf import PdfReader

from assistance.actions import ActionError, MemberData, do_apply
from assistance.actions import ApplicationData as ActionsApplication
from assistance.documents import issuable
from assistance.documents.actions import do_issue_document
from assistance.documents.notices import mask_resident_id
from assistance.models import Case, CaseStatus, Evidence, EvidenceKind
from engine import runtime
from engine.clock import clock
from engine.models import AuditEvent
from storage.base import get_store, reset_store_cache
from tests.workflows.dibao import accept, apply, complete, open_tasks, resident_id, to_notice
from tests.workflows.exit import active_case, approve_exit, investigate_exit, start_exit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


@pytest.fixture(autouse=True)
def local_store(settings, tmp_path):
    settings.EVIDENCE_BACKEND = "local"
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    reset_store_cache()
    yield get_store()
    reset_store_cache()


def text_of(evidence: Evidence) -> str:
    content = b"".join(get_store().open(evidence.key))
    assert content.startswith(b"%PDF-")
    pages = PdfReader(io.BytesIO(content)).pages
    # pypdf puts spaces or NULs between CJK glyphs; the words are what matters.
    return re.sub(r"[\s\x00]+", "", "".join(page.extract_text() for page in pages))


def test_it_issues_the_acceptance_notice_as_evidence_with_its_sha256(world):
    case = apply(world)
    accept(world, case)
    evidence = do_issue_document(case, actor=world["clerk"], code="acceptance")
    content = b"".join(get_store().open(evidence.key))
    assert evidence.kind == EvidenceKind.ACCEPTANCE_NOTICE
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert evidence.content_type == "application/pdf" and evidence.size == len(content)
    text = text_of(evidence)
    assert "受理通知书" in text and case.number in text and "成员0" in text
    assert "2026年3月2日" in text and "东镇人民政府" in text
    event = AuditEvent.objects.get(case=case, action="document.issued")
    assert event.payload["evidence_id"] == evidence.pk
    assert event.payload["sha256"] == evidence.sha256
    assert event.payload["title"] == "受理通知书"


def test_it_refuses_a_notice_the_case_has_not_reached(world):
    case = apply(world)
    with pytest.raises(ActionError, match="not reached"):
        do_issue_document(case, actor=world["clerk"], code="acceptance")
    with pytest.raises(ActionError, match="Unknown"):
        do_issue_document(case, actor=world["clerk"], code="nonsense")
    assert not Evidence.objects.exists()


def test_it_lists_every_missing_item_in_the_one_time_notice(world):
    case = apply(world)
    complete(
        world,
        "clerk",
        case,
        "acceptance",
        acceptance_decision="incomplete",
        missing_items=["户口簿复印件", "收入证明"],
    )
    evidence = do_issue_document(case, actor=world["clerk"], code="correction")
    text = text_of(evidence)
    assert "一次性告知书" in text
    assert "1.户口簿复印件" in text and "2.收入证明" in text


def test_it_gives_reasons_and_both_remedies_when_refusing(world):
    case = apply(world)
    complete(
        world,
        "clerk",
        case,
        "acceptance",
        acceptance_decision="ineligible",
        acceptance_reasons="非本乡镇户籍",
    )
    # Printed while the written notice waits to be delivered, before the case is closed.
    assert open_tasks(case) == ["refusal_notice"]
    evidence = do_issue_document(case, actor=world["reviewer"], code="refusal")
    text = text_of(evidence)
    # Refused at the counter: not accepted, rather than not approved.
    assert "不予受理通知书" in text and "决定不予受理" in text and "非本乡镇户籍" in text
    assert evidence.original_name == f"不予受理通知书-{case.number}.pdf"
    assert "60日内" in text and "行政复议" in text
    assert "6个月内" in text and "行政诉讼" in text
    assert "示范县人民政府" in text


def test_it_prints_the_termination_notice_of_a_closed_case(world):
    case = apply(world)
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.CLOSED, end_reason="moved_away", ended_on="2026-04-01"
    )
    case.refresh_from_db()
    text = text_of(do_issue_document(case, actor=world["clerk"], code="termination"))
    assert "终止通知书" in text and "户籍迁出" in text and "2026年4月1日" in text
    assert "行政复议" in text and "行政诉讼" in text


def apply_in(world, village, name):
    application = ActionsApplication(
        region_id=village.pk,
        address="南村9组",
        hukou="rural",
        members=[
            MemberData(
                name=name,
                resident_id=resident_id(date(1975, 1, 1)),
                is_applicant=True,
                incomes=[("wage", Decimal("100.00"))],
            )
        ],
    )
    return do_apply(application, actor=world["clerk"])


def test_it_masks_the_public_notice_sheet_and_names_no_minor(world):
    case = apply(world, members=3)
    to_notice(world, case)
    neighbour = apply_in(world, world.village_a1, "邻居甲")
    to_notice(world, neighbour)
    elsewhere = apply_in(world, world.village_a2, "南村乙")
    to_notice(world, elsewhere)
    not_yet = apply_in(world, world.village_a1, "未公示丙")
    applicant = case.household.members.get(is_applicant=True)
    minors = list(case.household.members.filter(is_applicant=False))
    evidence = do_issue_document(case, actor=world["village_clerk"], code="public_notice")
    text = text_of(evidence)
    assert "公示表" in text and "东村最低生活保障拟保障对象予以公示" in text
    # The village's sheet: every household of this village in notice now, and no other.
    assert applicant.name in text and "邻居甲" in text
    assert "南村乙" not in text and "未公示丙" not in text and not_yet.number not in text
    assert mask_resident_id(applicant.resident_id) in text
    assert applicant.resident_id not in text
    assert case.household.address not in text
    assert all(minor.name not in text for minor in minors)
    # (600 - 300) x 3 proposed for the three covered members; notice 2 to 10 March.
    assert "900.00" in text and "3月2日至3月10日" in text


def test_it_has_no_sheet_for_a_case_not_in_notice(world):
    case = apply(world)
    accept(world, case)
    with pytest.raises(ActionError, match="not reached"):
        do_issue_document(case, actor=world["village_clerk"], code="public_notice")


def test_it_masks_all_but_region_and_last_digits():
    assert mask_resident_id("431101198005010012") == "431101********0012"


def test_it_supersedes_the_previous_copy_when_issued_again(world):
    case = apply(world)
    accept(world, case)
    first = do_issue_document(case, actor=world["clerk"], code="acceptance")
    second = do_issue_document(case, actor=world["clerk"], code="acceptance")
    assert second.supersedes == first
    assert AuditEvent.objects.filter(case=case, action="document.issued").count() == 2


def test_it_lets_only_the_issuing_roles_issue(world):
    case = apply(world)
    accept(world, case)
    for user in ("approver", "investigator", "auditor"):
        with pytest.raises(PermissionDenied):
            do_issue_document(case, actor=world[user], code="acceptance")


def test_it_offers_the_notices_the_case_has_reached(world):
    case = apply(world)
    assert issuable(case, world["clerk"]) == []
    accept(world, case)
    offers = issuable(case, world["clerk"])
    assert [(o.notice.code, o.may_issue, o.issued) for o in offers] == [("acceptance", True, None)]
    assert [o.may_issue for o in issuable(case, world["auditor"])] == [False]


def test_it_follows_an_exit_from_the_termination_sheet_to_the_termination_notice(world):
    case = active_case(world, "dibao", amount="500.00")
    start_exit(world, case, "moved_away")
    investigate_exit(world, case)
    sheet = text_of(do_issue_document(case, actor=world["clerk"], code="public_notice"))
    assert "终止保障公示表" in sheet and "拟终止保障对象" in sheet
    assert "对象0" in sheet and "500.00" in sheet
    clock.advance(timedelta(days=8))
    runtime.fire_due_timers()
    approve_exit(world, case)
    # Printed for delivery while the written notice step is open; the case still runs.
    assert open_tasks(case) == ["refusal_notice"]
    notice = text_of(do_issue_document(case, actor=world["clerk"], code="termination"))
    assert "终止通知书" in notice and "户籍迁出本地" in notice
    assert "行政复议" in notice and "行政诉讼" in notice
    # No refusal notice for an exit.
    with pytest.raises(ActionError, match="not reached"):
        do_issue_document(case, actor=world["clerk"], code="refusal")


def test_it_never_starts_a_line_with_closing_punctuation():
    import pylopdf_fonts_zh_cn
    from fpdf import FPDF

    from assistance.documents.pdf import FONT, wrap

    pdf = FPDF()
    pdf.add_font(FONT, fname=str(pylopdf_fonts_zh_cn.serif_path()))
    pdf.set_font(FONT, size=12)
    text = (
        "根据有关规定，现将东村最低生活保障拟保障对象予以公示，公示期满无异议的，按程序办理。" * 3
    )
    width = pdf.get_string_width("根据有关规定，现将东村最低生活保障拟保障对象予以公示")
    lines = wrap(pdf, text, width)
    assert "".join(lines) == text and len(lines) > 3
    assert not any(line[0] in "，。" for line in lines)


def test_it_notifies_a_refusal_at_confirmation_as_not_approved(world):
    case = apply(world)
    to_notice(world, case)
    clock.advance(timedelta(days=8))
    runtime.fire_due_timers()
    complete(
        world,
        "approver",
        case,
        "county_confirm",
        decision="refuse",
        decision_reasons="存在隐瞒收入",
    )
    text = text_of(do_issue_document(case, actor=world["clerk"], code="refusal"))
    assert "不予批准通知书" in text and "2026年3月10日决定不予批准" in text
    assert "存在隐瞒收入" in text and "行政复议" in text and "行政诉讼" in text


def test_it_states_the_procedure_limit_the_accepting_process_copied(world):
    """The acceptance notice promises what the case page's clock counts: the limit in the
    process's own policy copy (a kind's own first), not a record approved since."""
    from assistance.documents.notices import acceptance_facts
    from assistance.models import RegionPolicy
    from tests.workflows import temporary

    case = apply(world)
    RegionPolicy.objects.create(
        region=world.county, effective_from=clock.today(), values={"procedure_working_days": 20}
    )
    accept(world, case)
    assert acceptance_facts(case)["procedure_days"] == 30
    text = text_of(do_issue_document(case, actor=world["clerk"], code="acceptance"))
    assert "受理之日起30个工作日内办结" in text
    # Temporary aid: its own 15 working days (R6 as the region sets it for temporary aid).
    aid = temporary.apply(world)
    temporary.accept(world, aid)
    assert acceptance_facts(aid)["procedure_days"] == 15
