"""The action buttons of the case page (portal/views/case_actions.py): each shown only to a
role that may take it, when the case can take it; each: happy path, 405, outsider 404,
wrong role 403, bad input (Chinese errors, nothing changed)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from assistance.models import CaseStatus, DeathRecord
from engine import runtime
from engine.models import AuditEvent, Incident, InstanceStatus, ProcessInstance, Task
from tests.engine.samples import checked_bpmn
from tests.workflows import review as reviews
from tests.workflows.dibao import accept, apply, to_notice
from tests.workflows.exit import active_case, exit_data, exit_instance

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def login(client: Any, world: Any, username: str) -> Any:
    client.force_login(world[username])
    return client


def page(client: Any, world: Any, username: str, case: Any) -> str:
    response = login(client, world, username).get(reverse("case", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def post(client: Any, world: Any, username: str, name: str, case: Any, data: dict) -> Any:
    response = login(client, world, username).post(reverse(name, args=[case.pk]), data)
    # What this request said, then forgotten so that the next request's messages stand alone.
    response.said = [str(message) for message in get_messages(response.wsgi_request)]
    client.cookies.pop("messages", None)
    return response


def said(response: Any) -> list[str]:
    return response.said


def running(case: Any, key: str) -> list[ProcessInstance]:
    return list(
        ProcessInstance.objects.filter(
            case=case, status=InstanceStatus.RUNNING, definition__key=key
        )
    )


# ---------------------------------------------------------------- exit


def test_it_starts_an_exit_with_its_reason(client, world):
    case = active_case(world, "dibao")
    assert 'id="action-exit"' in page(client, world, "clerk", case)
    response = post(
        client, world, "clerk", "case-exit", case, {"reason": "moved_away", "note": "迁往外省"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("case", args=[case.pk])
    assert said(response) == ["已启动退出程序。"]
    data = exit_data(case)
    assert (data["reason"], data["exit_details"]) == ("moved_away", {"note": "迁往外省"})
    case.refresh_from_db()
    assert case.stage == "退出情形调查核实"
    # One exit at a time: the button is gone while it runs.
    assert 'id="action-exit"' not in page(client, world, "clerk", case)


def test_it_needs_the_date_for_a_death_and_passes_it_to_the_exit(client, world):
    case = active_case(world, "elderly")
    response = post(client, world, "reviewer", "case-exit", case, {"reason": "death"})
    assert response.status_code == 302
    assert said(response) == ["请更正：死亡日期（仅死亡时填写）：请填写死亡日期。"]
    assert not running(case, "exit")
    tomorrow = {"reason": "death", "died_on": "2026-03-03"}
    assert (
        "日期不能晚于今天" in said(post(client, world, "reviewer", "case-exit", case, tomorrow))[0]
    )
    assert not running(case, "exit")
    post(client, world, "reviewer", "case-exit", case, {"reason": "death", "died_on": "2026-02-20"})
    data = exit_data(case)
    assert (data["reason"], data["died_on"], data["death_recorded"]) == (
        "death",
        "2026-02-20",
        False,
    )
    assert data["exit_details"] == {"died_on": "2026-02-20"}


def test_it_offers_only_the_reasons_of_the_kind(client, world):
    dibao = active_case(world, "dibao")
    html = page(client, world, "clerk", dibao)
    assert "moved_away" in html and "work_capacity" not in html
    assert "work_capacity" in page(client, world, "clerk", active_case(world, "tekun"))
    response = post(client, world, "clerk", "case-exit", dibao, {"reason": "work_capacity"})
    assert "选择一个有效的选项" in said(response)[0]
    assert not running(dibao, "exit")


def test_it_refuses_the_exit_to_other_roles_and_places(client, world):
    case = active_case(world, "dibao")
    form = {"reason": "moved_away"}
    for username in ("investigator", "approver", "auditor", "village_clerk"):
        assert 'id="action-exit"' not in page(client, world, username, case)
        assert post(client, world, username, "case-exit", case, form).status_code == 403
    assert post(client, world, "outsider", "case-exit", case, form).status_code == 404
    assert (
        login(client, world, "clerk").get(reverse("case-exit", args=[case.pk])).status_code == 405
    )
    assert not running(case, "exit")


def test_it_offers_no_exit_on_a_case_that_is_not_active(client, world):
    case = apply(world)
    assert 'id="action-exit"' not in page(client, world, "clerk", case)
    response = post(client, world, "clerk", "case-exit", case, {"reason": "moved_away"})
    assert said(response) == ["只有在保的案件才能终止。"]
    assert not running(case, "exit")


def test_it_offers_no_exit_while_another_process_runs_on_the_case(client, world):
    case = reviews.start_review(world)
    assert 'id="action-exit"' not in page(client, world, "clerk", case)
    response = post(client, world, "clerk", "case-exit", case, {"reason": "moved_away"})
    assert said(response) == ["该案件已有正在办理的流程。"]
    assert not running(case, "exit")
    # The review still gets its check report.
    assert 'id="action-review-check"' in page(client, world, "checker", case)


# ---------------------------------------------------------------- review class


def test_it_classifies_at_confirmation_and_changes_the_class_later(client, world):
    case = reviews.active_case(world)
    html = page(client, world, "approver", case)
    assert 'id="action-classify"' in html and 'id="action-reclassify"' not in html
    response = post(client, world, "approver", "case-classify", case, {"review_class": "A"})
    assert said(response) == ["已分为A类，下次复核日期：2027-03-02。"]
    case.refresh_from_db()
    assert (case.review_class, case.next_review_on) == ("A", date(2027, 3, 2))
    html = page(client, world, "reviewer", case)
    assert 'id="action-classify"' not in html and 'id="action-reclassify"' in html
    assert "复核分类" in html and "2027-03-02" in html
    # Class C, rural: half a year from the decision on 10 March 2025 is long past: due today.
    change = {"review_class": "C", "reason": "家庭成员失业，收入不稳定"}
    response = post(client, world, "reviewer", "case-reclassify", case, change)
    assert said(response) == ["已调整为C类，下次复核日期：2026-03-02。"]
    case.refresh_from_db()
    assert (case.review_class, case.next_review_on) == ("C", date(2026, 3, 2))
    event = AuditEvent.objects.get(case=case, action="case.reclassified")
    assert (event.actor_name, event.role) == ("reviewer", "township_reviewer")
    assert event.payload == {
        "review_class": "C",
        "previous_class": "A",
        "reason": "家庭成员失业，收入不稳定",
        "next_review_on": "2026-03-02",
    }


def test_it_counts_the_new_cycle_from_the_last_review(client, world):
    case = reviews.active_case(world, review_class="C", hukou="urban")
    case.details = {"last_review_on": "2026-02-10"}
    case.save(update_fields=["details"])
    post(
        client, world, "approver", "case-reclassify", case, {"review_class": "A", "reason": "稳定"}
    )
    case.refresh_from_db()
    assert (case.review_class, case.next_review_on) == ("A", date(2027, 2, 10))


def test_it_refuses_a_change_of_class_without_a_reason_or_to_the_same_class(client, world):
    case = reviews.active_case(world, review_class="A")
    response = post(client, world, "reviewer", "case-reclassify", case, {"review_class": "C"})
    assert said(response) == ["请更正：调整理由：此项为必填项。"]
    same = {"review_class": "A", "reason": "再次确认"}
    assert said(post(client, world, "reviewer", "case-reclassify", case, same)) == [
        "案件已属于该类别。"
    ]
    response = post(client, world, "reviewer", "case-classify", case, {"review_class": "B"})
    assert said(response) == ["此案件已分类，调整分类须说明理由。"]
    response = post(client, world, "reviewer", "case-classify", case, {"review_class": "D"})
    assert "选择一个有效的选项" in said(response)[0]
    case.refresh_from_db()
    assert case.review_class == "A"
    assert not AuditEvent.objects.filter(case=case, action__startswith="case.").exists()


def test_it_refuses_the_classification_to_other_roles_and_places(client, world):
    case = reviews.active_case(world)
    for username in ("clerk", "investigator", "checker", "auditor"):
        assert 'id="action-classify"' not in page(client, world, username, case)
        for name in ("case-classify", "case-reclassify"):
            form = {"review_class": "A", "reason": "稳定"}
            assert post(client, world, username, name, case, form).status_code == 403
    for name in ("case-classify", "case-reclassify"):
        assert post(client, world, "outsider", name, case, {"review_class": "A"}).status_code == 404
        assert (
            login(client, world, "reviewer").get(reverse(name, args=[case.pk])).status_code == 405
        )
    case.refresh_from_db()
    assert case.review_class == ""


def test_it_offers_no_classification_to_kinds_without_a_review(client, world):
    case = active_case(world, "elderly")
    assert 'id="action-classify"' not in page(client, world, "approver", case)
    response = post(client, world, "approver", "case-classify", case, {"review_class": "A"})
    assert said(response) == ["此类救助不进行定期复核。"]


# ---------------------------------------------------------------- reported change


def test_it_starts_a_review_when_a_change_of_income_is_reported(client, world):
    case = reviews.active_case(world)
    html = page(client, world, "village_clerk", case)
    assert 'id="action-report-change"' in html
    assert 'value="income"' in html and 'value="death"' not in html
    form = {"change": "income", "note": "户主新就业，月工资2000元（本人来村委会报告）"}
    response = post(client, world, "village_clerk", "case-report-change", case, form)
    assert said(response) == ["变化情况已登记，已启动复核。"]
    started = running(case, "review")
    assert len(started) == 1
    assert runtime.instance_data(started[0])["reported_change"] == {
        "change": "income",
        "note": form["note"],
        "reported_on": "2026-03-02",
    }
    event = AuditEvent.objects.get(case=case, action="case.change_reported")
    assert event.payload == {"change": "income", "note": form["note"]}
    # While the review runs, only a death can be reported.
    html = page(client, world, "clerk", case)
    assert 'value="death"' in html and 'value="members"' not in html
    again = post(client, world, "clerk", "case-report-change", case, {**form, "change": "members"})
    assert said(again) == ["该案件已有正在办理的流程。"]
    assert len(running(case, "review")) == 1


def test_it_starts_the_care_reassessment_on_extreme_poverty_support(client, world):
    case = active_case(world, "tekun", details={"care_level": "partial"})
    html = page(client, world, "investigator", case)
    assert 'value="care"' in html and 'value="income"' not in html
    form = {"change": "care", "note": "中风卧床（家属报告）"}
    response = post(client, world, "investigator", "case-report-change", case, form)
    assert said(response) == ["变化情况已登记，已启动生活自理能力重新评估。"]
    assert len(running(case, "tekun_reassessment")) == 1
    assert Task.objects.filter(case=case, spec_name="reassessment").exists()


def test_it_records_a_death_and_starts_the_exit(client, world):
    case = active_case(world, "elderly", members=2)
    subject = case.household.members.get(is_applicant=True)
    form = {
        "change": "death",
        "note": "家属报告",
        "member": subject.pk,
        "died_on": "2026-02-25",
    }
    response = post(client, world, "clerk", "case-report-change", case, form)
    assert said(response) == ["死亡信息已登记，已启动退出程序。"]
    assert DeathRecord.objects.get(resident_id=subject.resident_id).died_on == date(2026, 2, 25)
    data = exit_data(case)
    assert (data["reason"], data["died_on"], data["death_recorded"]) == (
        "death",
        "2026-02-25",
        True,
    )
    assert said(post(client, world, "clerk", "case-report-change", case, form)) == [
        "该死亡信息已有记录。"
    ]


def test_it_says_the_case_is_held_when_its_process_fails_on_the_death(client, world):
    case = active_case(world, "elderly", members=2)
    runtime.deploy(
        {"checked.bpmn": checked_bpmn(message="death_record")},
        "checked.bpmn",
        actor=world["policy"],
    )
    runtime.start(
        "checked", case_id=case.pk, region_id=case.region_id, actor=None, data={"parts": 0}
    )
    subject = case.household.members.get(is_applicant=True)
    form = {"change": "death", "note": "家属报告", "member": subject.pk, "died_on": "2026-02-25"}
    response = post(client, world, "clerk", "case-report-change", case, form)
    assert said(response) == [
        "死亡已登记，但正在进行的退出流程未能继续办理，案件已暂停。已通知政策人员，他们会重试。"
    ]
    # The death is on record; the step it failed on waits with the message kept.
    assert DeathRecord.objects.filter(resident_id=subject.resident_id).exists()
    incident = Incident.objects.get(case=case)
    assert (incident.message, incident.submitted_by) == ("death_record", world["clerk"])
    assert incident.submitted["died_on"] == "2026-02-25"


def test_it_recalculates_when_one_covered_member_of_several_dies(client, world):
    case = reviews.active_case(world, members=3)
    member = case.household.members.exclude(is_applicant=True).first()
    form = {"change": "death", "note": "村委会报告", "member": member.pk, "died_on": "2026-02-25"}
    response = post(client, world, "reviewer", "case-report-change", case, form)
    assert said(response) == ["死亡信息已登记，将按其余成员重新核算保障金额。"]
    assert exit_data(case)["reason"] == "member_died"
    assert exit_instance(case).status == InstanceStatus.RUNNING


def test_it_needs_the_member_and_date_of_a_death(client, world):
    case = active_case(world, "elderly")
    response = post(
        client, world, "clerk", "case-report-change", case, {"change": "death", "note": "家属报告"}
    )
    assert said(response) == [
        "请更正：去世成员（仅死亡时填写）：请选择去世的成员。 "
        "死亡日期（仅死亡时填写）：请填写死亡日期。"
    ]
    other = active_case(world, "elderly").household.members.get()
    form = {"change": "death", "note": "家属报告", "member": other.pk, "died_on": "2026-02-25"}
    assert (
        "选择一个有效的选项"
        in said(post(client, world, "clerk", "case-report-change", case, form))[0]
    )
    not_offered = {"change": "income", "note": "收入增加"}
    response = post(client, world, "clerk", "case-report-change", case, not_offered)
    assert "选择一个有效的选项" in said(response)[0]
    assert not DeathRecord.objects.exists()
    assert not ProcessInstance.objects.filter(case=case).exists()


def test_it_needs_a_description_of_the_change(client, world):
    case = reviews.active_case(world)
    response = post(client, world, "clerk", "case-report-change", case, {"change": "income"})
    assert said(response) == ["请更正：报告内容及报告人：此项为必填项。"]
    response = post(
        client, world, "clerk", "case-report-change", case, {"change": "income", "note": " 变 "}
    )
    assert said(response) == ["请说明变化情况及报告人。"]
    assert not ProcessInstance.objects.filter(case=case).exists()


def test_it_refuses_the_change_report_to_other_roles_and_places(client, world):
    case = reviews.active_case(world)
    form = {"change": "income", "note": "收入增加"}
    for username in ("approver", "checker", "auditor"):
        assert 'id="action-report-change"' not in page(client, world, username, case)
        assert post(client, world, username, "case-report-change", case, form).status_code == 403
    # Policy staff see no case at all.
    assert post(client, world, "policy", "case-report-change", case, form).status_code == 404
    # The investigator reports care needs, not income; a village clerk reports no deaths.
    assert post(client, world, "investigator", "case-report-change", case, form).status_code == 403
    member = case.household.members.first()
    death = {"change": "death", "note": "村民报告", "member": member.pk, "died_on": "2026-02-25"}
    assert (
        post(client, world, "village_clerk", "case-report-change", case, death).status_code == 403
    )
    assert not DeathRecord.objects.exists()
    assert post(client, world, "outsider", "case-report-change", case, form).status_code == 404
    url = reverse("case-report-change", args=[case.pk])
    assert login(client, world, "clerk").get(url).status_code == 405
    assert not ProcessInstance.objects.filter(case=case).exists()


def test_it_offers_no_change_report_on_a_case_in_progress(client, world):
    case = apply(world)
    assert 'id="action-report-change"' not in page(client, world, "clerk", case)


# ---------------------------------------------------------------- check results


def test_it_records_the_review_check_where_the_review_waits_for_it(client, world):
    case = reviews.start_review(world)
    assert case.stage == "家庭经济状况核对中"
    html = page(client, world, "checker", case)
    # The stage label mentions the check; the engine says it is the review's.
    assert 'id="action-review-check"' in html and 'id="action-check-result"' not in html
    form = {"eligible": "yes", "changed": "yes", "report_no": "FH-1", "reasons": "新增工资收入"}
    response = post(client, world, "checker", "case-review-check", case, form)
    assert said(response) == ["复核核对结果已录入。"]
    assert Task.objects.filter(case=case, spec_name="investigate").exists()
    assert 'id="action-review-check"' not in page(client, world, "checker", case)


def test_it_asks_what_changed_in_the_review_check(client, world):
    case = reviews.start_review(world)
    form = {"eligible": "yes", "changed": "yes", "report_no": "FH-1"}
    response = post(client, world, "checker", "case-review-check", case, form)
    assert said(response) == [
        "请更正：变化情况或不再符合条件的理由：请说明发生了什么变化或家庭为何不再符合条件。"
    ]
    response = post(client, world, "checker", "case-review-check", case, {"eligible": "yes"})
    assert "此项为必填项" in said(response)[0]
    assert reviews.data(case).get("check_result") is None
    assert not Task.objects.filter(case=case).exists()


def test_it_refuses_the_review_check_to_other_roles_places_and_cases(client, world):
    case = reviews.start_review(world)
    form = {"eligible": "yes", "changed": "no", "report_no": "FH-1"}
    for username in ("clerk", "reviewer", "approver", "auditor"):
        assert 'id="action-review-check"' not in page(client, world, username, case)
        assert post(client, world, username, "case-review-check", case, form).status_code == 403
    assert post(client, world, "outsider", "case-review-check", case, form).status_code == 404
    url = reverse("case-review-check", args=[case.pk])
    assert login(client, world, "checker").get(url).status_code == 405
    application = apply(world)
    accept(world, application)
    response = post(client, world, "checker", "case-review-check", application, form)
    assert said(response) == ["此案件不在复核中。"]
    assert not Task.objects.filter(case=application, spec_name="investigate").exists()


def test_it_offers_the_check_form_when_the_engine_waits_not_by_the_stage_label(client, world):
    case = apply(world)
    case.stage = "家庭经济状况核对中"
    case.save(update_fields=["stage"])
    # Still at acceptance: nothing waits for a check result whatever the label says.
    assert 'id="action-check-result"' not in page(client, world, "checker", case)
    accept(world, case)
    html = page(client, world, "checker", case)
    assert 'id="action-check-result"' in html and 'id="action-review-check"' not in html
    # The case page's form posts to the check page, which shows refusals on the form itself.
    form = {"eligible": "no", "report_no": "HD-9"}
    response = post(client, world, "checker", "case-check-result", case, form)
    assert response.status_code == 400 and "请填写不符合条件的理由。" in response.content.decode()
    response = post(client, world, "checker", "case-check-result", case, {"eligible": "yes"})
    assert response.status_code == 400 and "此项为必填项" in response.content.decode()
    response = post(
        client, world, "checker", "case-check-result", case, {**form, "eligible": "yes"}
    )
    assert response.status_code == 302 and said(response) == [f"{case.number} 的核对结果已录入。"]
    assert 'id="action-check-result"' not in page(client, world, "checker", case)


# ---------------------------------------------------------------- objection


def test_it_offers_the_objection_only_while_the_notice_waits_for_one(client, world):
    case = apply(world)
    case.stage = "公示中"
    case.save(update_fields=["stage"])
    assert 'id="action-objection"' not in page(client, world, "clerk", case)
    to_notice(world, case)
    assert 'id="action-objection"' in page(client, world, "village_clerk", case)
    assert 'id="action-objection"' not in page(client, world, "reviewer", case)


def test_it_stores_the_objection_text_for_the_reinvestigation(client, world):
    case = apply(world)
    to_notice(world, case)
    response = post(client, world, "village_clerk", "case-objection", case, {"objector": "村民"})
    assert said(response) == ["请更正：异议内容：此项为必填项。"]
    text = "申请人家中新购小汽车一辆，与申报不符"
    form = {"objector": "村民王某", "reason": text}
    response = post(client, world, "village_clerk", "case-objection", case, form)
    assert said(response) == ["异议已登记，案件退回重新调查。"]
    reinvestigation = Task.objects.get(case=case, spec_name="investigate")
    instance = ProcessInstance.objects.get(case=case, status=InstanceStatus.RUNNING)
    objections = runtime.instance_data(instance)["objections"]
    assert [(o["objector"], o["reason"]) for o in objections] == [("村民王某", text)]
    event = AuditEvent.objects.get(
        case=case, action="message.received", payload__message="objection"
    )
    assert event.payload["payload"]["reason"] == text
    assert 'id="action-objection"' not in page(client, world, "village_clerk", case)
    task_page = login(client, world, "investigator").get(reverse("task", args=[reinvestigation.pk]))
    assert task_page.status_code == 200
    assert text in task_page.content.decode()


def test_it_holds_the_case_when_the_notice_fails_on_the_objection(client, world):
    case = apply(world)
    to_notice(world, case)
    # A fault the notice's script trips on when the objection arrives.
    runtime.set_variables(case.pk, {"objections": None}, actor=world["policy"])
    form = {"objector": "村民王某", "reason": "家中新购小汽车"}
    response = post(client, world, "village_clerk", "case-objection", case, form)
    assert response.status_code == 302
    assert said(response) == [
        "流程未能继续办理，案件已暂停。已通知政策人员；您登记的内容已保留，他们重试时会继续办理，"
        "无需重新登记。"
    ]
    incident = Incident.objects.get(case=case)
    assert (incident.element, incident.message, incident.submitted_by) == (
        "objection_recorded",
        "objection",
        world["village_clerk"],
    )
    assert incident.submitted["reason"] == "家中新购小汽车"
    assert not case.tasks.filter(spec_name="investigate").exists()
    html = page(client, world, "village_clerk", case)
    assert "本案件已暂停" in html and 'id="action-objection"' not in html
    # Fixed, then retried by policy staff: the objection as recorded sends the case back.
    runtime.set_variables(case.pk, {"objections": []}, actor=world["policy"])
    retry = reverse("studio:incident-retry", args=[incident.pk])
    assert login(client, world, "policy").post(retry).status_code == 302
    incident.refresh_from_db()
    assert not incident.is_open
    assert case.tasks.filter(spec_name="investigate").exists()
    event = AuditEvent.objects.get(
        case=case, action="message.received", payload__message="objection"
    )
    assert (event.actor, event.payload["payload"]["objector"]) == (
        world["village_clerk"],
        "村民王某",
    )


def test_it_refuses_the_objection_to_other_roles_and_places(client, world):
    case = apply(world)
    to_notice(world, case)
    form = {"objector": "村民", "reason": "有异议"}
    for username in ("investigator", "reviewer", "approver", "auditor"):
        assert post(client, world, username, "case-objection", case, form).status_code == 403
    assert post(client, world, "outsider", "case-objection", case, form).status_code == 404
    url = reverse("case-objection", args=[case.pk])
    assert login(client, world, "clerk").get(url).status_code == 405
    assert case.tasks.filter(spec_name="investigate").count() == 0
    assert case.status == CaseStatus.IN_PROGRESS


# ---------------------------------------------------------------- languages


def test_it_speaks_english_on_request_and_chinese_by_default(client, world):
    import re

    case = active_case(world, "tekun")
    html = page(client, world, "clerk", case)
    assert "启动退出" in html and "报告变化情况" in html and "生活自理能力变化" in html
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = page(client, world, "clerk", case)
    start = html.index('id="case-actions"')
    actions = html[start : html.index('<div class="card', start)]
    assert "Start an exit" in actions and "Self-care ability changed" in actions
    # Only the household's own names (the member choice) stay in Chinese.
    without_names = re.sub(r"<option[^>]*>[^<]*</option>", "", actions)
    assert re.findall(r"[\u4e00-\u9fff]+", without_names) == []
