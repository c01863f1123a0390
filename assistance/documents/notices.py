"""The five notices a township issues, each from what the case and its record say.

A notice's `facts` tell whether the case has reached the point where it is issued (None
otherwise) and what it states; `page` lays those facts out in the legal wording. The wording
is Chinese whatever language the issuer's screen is in: it is the document the household
receives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from assistance import ids
from assistance.models import Case, CaseStatus, EvidenceKind, Member, Region, RegionLevel
from assistance.policy import copied_policy, policy_for, procedure_limit
from engine import runtime
from engine.clock import clock
from engine.models import AuditEvent, InstanceStatus, ProcessInstance, Task, Wait

from .pdf import Page, Table

Facts = dict[str, Any]

# Set by the temporary-aid kind on a one-off grant; every other closing is a termination.
ONE_OFF_PAID = "one_off_paid"
OBJECTION_MESSAGE = "objection"

END_REASONS = {
    "death": "死亡",
    "member_died": "家庭成员死亡",
    "income_above_standard": "家庭收入超过当地保障标准",
    "moved_away": "户籍迁出本行政区域",
    "prison": "在监狱服刑",
    "voluntary": "本人申请退出",
    "work_capacity": "恢复劳动能力",
    "supporter_found": "有了具备赡养、抚养、扶养能力的义务人",
}

REMEDIES = (
    "如对本决定不服，可以自收到本通知书之日起60日内向{county}人民政府或者上一级民政部门"
    "申请行政复议，也可以自收到本通知书之日起6个月内依法向人民法院提起行政诉讼。"
)


@dataclass(frozen=True)
class Notice:
    code: str
    kind: str  # the EvidenceKind it is stored as
    label: Any  # lazily translated, for buttons and messages
    title: str  # printed on the page
    issuers: frozenset[str]  # roles that issue it
    facts: Callable[[Case], Facts | None]
    page: Callable[[Case, Facts], Page]


# ---------------------------------------------------------------- common facts


KIND_NAMES = {
    "dibao": "最低生活保障",
    "tekun": "特困人员救助供养",
    "temporary": "临时救助",
    "disability": "残疾人两项补贴",
    "orphan": "孤儿基本生活保障",
    "elderly": "高龄津贴",
}


def _level(region: Region, level: str) -> Region | None:
    return region if region.level == level else region.ancestor_of_level(level)


def _offices(case: Case) -> tuple[str, str]:
    township = _level(case.region, RegionLevel.TOWNSHIP)
    county = _level(case.region, RegionLevel.COUNTY)
    return (township.name if township else case.region.name), (county.name if county else "")


def _applicant(case: Case) -> Member | None:
    return case.household.members.filter(is_applicant=True).first()


def _addressee(case: Case) -> str:
    applicant = _applicant(case)
    return applicant.name if applicant is not None else ""


def _day(value: Any) -> str:
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{day.year}年{day.month}月{day.day}日"


def _last_step(case: Case, **data: Any) -> AuditEvent | None:
    """The latest completed step whose submitted data holds these values."""
    lookups = {f"payload__data__{key}": value for key, value in data.items()}
    return (
        AuditEvent.objects.filter(case=case, action="task.completed", **lookups)
        .order_by("-at", "-seq")
        .first()
    )


def _header(case: Case, title: str) -> dict[str, Any]:
    township, _county = _offices(case)
    return {
        "title": title,
        "number": f"案件编号：{case.number}",
        "issuer": f"{township}人民政府",
        "issued_on": _day(clock.today()),
        "addressee": _addressee(case),
    }


def _kind_name(case: Case) -> str:
    return KIND_NAMES.get(case.assistance_type, case.assistance_type)


# ---------------------------------------------------------------- acceptance notice


def acceptance_facts(case: Case) -> Facts | None:
    step = _last_step(case, acceptance_decision="complete") or _last_step(
        case, acceptance_decision="aid_first"
    )
    if step is None:
        return None
    return {
        "applied_on": case.created_at.date().isoformat(),
        "accepted_on": step.at.date().isoformat(),
        "procedure_days": _procedure_days(case, step),
    }


def _procedure_days(case: Case, step: AuditEvent) -> Any:
    """The limit of the whole procedure as the accepting process's policy copy sets it (the
    limit the case page's procedure clock counts, a kind's own if it has one); the policy in
    force on the acceptance day for a process that kept no copy."""
    instance = (
        ProcessInstance.objects.filter(pk=step.instance_id).first()
        if step.instance_id is not None
        else None
    )
    copy = copied_policy(runtime.instance_data(instance)) if instance is not None else None
    limit = procedure_limit(copy, case.assistance_type, extended=False) if copy else None
    if limit is None:
        policy = policy_for(case.region, step.at.date())
        limit = procedure_limit(policy, case.assistance_type, extended=False)
    return limit


def acceptance_page(case: Case, facts: Facts) -> Page:
    header = _header(case, "受理通知书")
    return Page(
        **header,
        paragraphs=[
            f"您于{_day(facts['applied_on'])}提出的{_kind_name(case)}申请，经审查，申请材料齐全，"
            f"符合受理条件，本机关已于{_day(facts['accepted_on'])}予以受理。",
            "我们将依法开展家庭经济状况核对和入户调查，请您如实提供情况并配合调查。"
            f"审核审批一般在受理之日起{facts['procedure_days']}个工作日内办结，"
            "结果将书面告知您。",
            f"请妥善保管本通知书，凭案件编号{case.number}查询办理进度。",
        ],
    )


# ---------------------------------------------------------------- one-time notice


def correction_facts(case: Case) -> Facts | None:
    step = _last_step(case, acceptance_decision="incomplete")
    if step is None:
        return None
    missing = [str(item) for item in step.payload.get("data", {}).get("missing_items") or []]
    if not missing:
        return None
    return {"noticed_on": step.at.date().isoformat(), "missing": missing}


def correction_page(case: Case, facts: Facts) -> Page:
    header = _header(case, "一次性告知书")
    return Page(
        **header,
        paragraphs=[
            f"您提出的{_kind_name(case)}申请，经审查，申请材料尚不齐全。"
            "现将需要补正的全部材料一次性告知如下：",
        ],
        items=facts["missing"],
        after=[
            "请您补齐上述材料后提交至本机关。材料补齐之日起，本机关依法予以受理；"
            "除上述材料外，不再要求您提供其他材料。",
        ],
    )


# ---------------------------------------------------------------- refusal


WRITTEN_NOTICE_STEP = "refusal_notice"
EXIT_PROCESS = "exit"


def _written_notice(case: Case) -> tuple[str, dict[str, Any]] | None:
    """(process key, data) while a decision waits to be notified in writing (R5)."""
    task = (
        Task.objects.filter(case=case, spec_name=WRITTEN_NOTICE_STEP)
        .select_related("instance__definition")
        .order_by("-pk")
        .first()
    )
    if task is None:
        return None
    return task.instance.definition.key, runtime.instance_data(task.instance)


def refusal_facts(case: Case) -> Facts | None:
    # Clearly ineligible at the counter: refused on the spot, "不予受理" rather than "不予批准".
    at_acceptance = _last_step(case, acceptance_decision="ineligible") is not None
    if case.status == CaseStatus.REFUSED:
        decided = case.decided_on or clock.today()
        return {
            "decided_on": decided.isoformat(),
            "reasons": case.outcome_reasons or "—",
            "at_acceptance": at_acceptance,
        }
    pending = _written_notice(case)
    if pending is None or pending[0] == EXIT_PROCESS:
        return None
    data = pending[1]
    return {
        "decided_on": str(data.get("decided_on") or clock.today().isoformat())[:10],
        "reasons": str(data.get("refusal_reasons") or "—"),
        "at_acceptance": at_acceptance,
    }


def refusal_page(case: Case, facts: Facts) -> Page:
    _township, county = _offices(case)
    if facts["at_acceptance"]:
        title = "不予受理通知书"
        decision = "经审查，不符合受理条件，决定不予受理。"
    else:
        title = "不予批准通知书"
        decision = f"经审核，于{_day(facts['decided_on'])}决定不予批准。"
    return Page(
        **_header(case, title),
        paragraphs=[
            f"您提出的{_kind_name(case)}申请，{decision}",
            f"理由：{facts['reasons']}",
            REMEDIES.format(county=county),
        ],
    )


# ---------------------------------------------------------------- termination


def termination_facts(case: Case) -> Facts | None:
    if case.status == CaseStatus.CLOSED and case.end_reason not in ("", ONE_OFF_PAID):
        return {
            "reason": END_REASONS.get(case.end_reason, case.end_reason),
            "ended_on": case.ended_on.isoformat() if case.ended_on else None,
            "details": case.outcome_reasons,
        }
    pending = _written_notice(case)
    if pending is None or pending[0] != EXIT_PROCESS:
        return None
    data = pending[1]
    if data.get("exit_action") == "recalculate":
        return None
    reason = str(data.get("reason", ""))
    return {
        "reason": END_REASONS.get(reason, reason),
        # Known here only for a gradual exit; otherwise benefits stop the month after.
        "ended_on": str(data["ended_on"])[:10] if data.get("ended_on") else None,
        "details": str(data.get("refusal_reasons") or ""),
    }


def termination_page(case: Case, facts: Facts) -> Page:
    header = _header(case, "终止通知书")
    _township, county = _offices(case)
    stop = f"自{_day(facts['ended_on'])}起" if facts["ended_on"] else "自作出决定的次月起"
    paragraphs = [
        f"经审核，因{facts['reason']}，您家庭享受的{_kind_name(case)}待遇{stop}终止。",
    ]
    if facts["details"]:
        paragraphs.append(f"理由：{facts['details']}")
    paragraphs.append(REMEDIES.format(county=county))
    return Page(**header, paragraphs=paragraphs)


# ---------------------------------------------------------------- public notice sheet


# A neighbour reading the village sheet sees the region code and the last four digits only.
mask_resident_id = partial(ids.mask_resident_id, head=6)


def notice_facts(case: Case) -> Facts | None:
    """The village's sheet: every case of this type in this village whose public notice of
    the same kind (entry or termination) runs now, this one included."""
    instance = _in_notice(case)
    if instance is None:
        return None
    process = instance.definition.key
    rows = []
    neighbours = (
        Case.objects.filter(region=case.region, assistance_type=case.assistance_type)
        .filter(instances__status=InstanceStatus.RUNNING, instances__definition__key=process)
        .select_related("household")
        .distinct()
        .order_by("pk")
    )
    for other in neighbours:
        running = instance if other.pk == case.pk else _in_notice(other, process)
        row = _notice_row(other, running) if running is not None else None
        if row is not None:
            rows.append(row)
    if not any(row["case"] == case.number for row in rows):
        return None
    return {"exit": process == EXIT_PROCESS, "rows": rows}


def _in_notice(case: Case, process: str | None = None) -> ProcessInstance | None:
    """The case's running process while it waits for objections to its public notice."""
    running = case.instances.filter(status=InstanceStatus.RUNNING).select_related("definition")
    if process is not None:
        running = running.filter(definition__key=process)
    # The projected waits say it in the same query, without loading the workflow (the case
    # page asks this of every case in the village).
    objection = Wait.objects.filter(instance=OuterRef("pk")).filter(
        Q(messages=OBJECTION_MESSAGE)
        | Q(messages__startswith=f"{OBJECTION_MESSAGE},")
        | Q(messages__endswith=f",{OBJECTION_MESSAGE}")
        | Q(messages__contains=f",{OBJECTION_MESSAGE},")
    )
    instance = running.annotate(in_notice=Exists(objection)).order_by("-pk").first()
    if instance is None or not instance.in_notice:
        return None
    return instance


def _notice_row(case: Case, instance: ProcessInstance) -> dict[str, Any] | None:
    data = runtime.instance_data(instance)
    today = clock.today()
    covered = [m for m in case.household.members.order_by("pk") if _is_subject(case, m)]
    adults = [m for m in covered if m.age_on(today) >= 18]
    # R4: no minors on a public sheet; a case naming only minors has no notice at all.
    named = next((m for m in adults if m.is_applicant), adults[0] if adults else None)
    if named is None:
        return None
    proposed = (data.get("amount") or {}).get("monthly_amount")
    amount = case.monthly_amount if instance.definition.key == EXIT_PROCESS else proposed
    return {
        "case": case.number,
        "name": named.name,
        "masked_id": mask_resident_id(named.resident_id),
        "size": len(covered),
        "amount": str(amount if amount is not None else "—"),
        "from": str(data.get("notice_from", today))[:10],
        "until": str(data.get("notice_until", today))[:10],
    }


def _is_subject(case: Case, member: Member) -> bool:
    if case.single_person_id:
        return member.pk == case.single_person_id
    return member.covered


def _short_day(value: str) -> str:
    day = date.fromisoformat(value)
    return f"{day.month}月{day.day}日"


def notice_page(case: Case, facts: Facts) -> Page:
    exiting = facts["exit"]
    header = _header(case, "终止保障公示表" if exiting else "公示表")
    township, _county = _offices(case)
    who = "拟终止保障对象" if exiting else "拟保障对象"
    return Page(
        **{**header, "number": f"{case.region.name} · {_kind_name(case)}", "addressee": ""},
        paragraphs=[
            f"根据有关规定，现将{case.region.name}{_kind_name(case)}{who}予以公示，"
            "公示期满无异议的，按程序办理。",
        ],
        table=Table(
            headings=[
                "姓名",
                "公民身份号码",
                "保障人数",
                "现保障金额（元/月）" if exiting else "拟保障金额（元/月）",
                "公示期",
            ],
            rows=[
                [
                    row["name"],
                    row["masked_id"],
                    str(row["size"]),
                    row["amount"],
                    f"{_short_day(row['from'])}至{_short_day(row['until'])}",
                ]
                for row in facts["rows"]
            ],
            widths=(2, 4, 2, 4, 4),
        ),
        after=[
            "公示期间，如有异议，请向村（居）民委员会或"
            f"{township}人民政府反映。反映人应提供真实姓名和联系方式，我们将依法保密。",
            "住址等个人信息依法不予公开。",
        ],
    )


# ---------------------------------------------------------------- the catalogue


CLERKS = frozenset({"township_clerk"})
DECIDERS = frozenset({"township_clerk", "township_reviewer"})

NOTICES: Mapping[str, Notice] = {
    notice.code: notice
    for notice in (
        Notice(
            "acceptance",
            EvidenceKind.ACCEPTANCE_NOTICE,
            _("Acceptance notice"),
            "受理通知书",
            CLERKS,
            acceptance_facts,
            acceptance_page,
        ),
        Notice(
            "correction",
            EvidenceKind.CORRECTION_NOTICE,
            _("One-time notice of missing documents"),
            "一次性告知书",
            CLERKS,
            correction_facts,
            correction_page,
        ),
        Notice(
            "refusal",
            EvidenceKind.REFUSAL_NOTICE,
            _("Refusal notice with remedies"),
            "不予批准通知书",
            DECIDERS,
            refusal_facts,
            refusal_page,
        ),
        Notice(
            "termination",
            EvidenceKind.TERMINATION_NOTICE,
            _("Termination notice"),
            "终止通知书",
            DECIDERS,
            termination_facts,
            termination_page,
        ),
        Notice(
            "public_notice",
            EvidenceKind.PUBLIC_NOTICE_SHEET,
            _("Public notice sheet for the village"),
            "公示表",
            frozenset({"township_clerk", "village_clerk"}),
            notice_facts,
            notice_page,
        ),
    )
}
