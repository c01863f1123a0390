"""Applying online and following progress, with no sign-in (网上办、掌上办).

The applicant who submits, or who looks their case up with its number and their resident
ID, holds that case in their session for the status page and its uploads; nothing else
gives access to a case here. Submissions, look-ups and uploads are rate limited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assistance.actions import ActionError, ApplicationData, MemberData, PaymentAccount
from assistance.kinds import KINDS, Kind, intake_schema, kind_for
from assistance.models import AssistanceType, Case
from portal.forms import IntakeForm
from public import actions_apply, progress_apply
from public.forms_apply import LookupForm, OnlineHouseholdForm, OnlineMemberFormSet, ScansForm
from public.ratelimit import Limit, allow

SUBMIT_LIMIT = Limit("apply_submit", count=5, seconds=3600)
LOOKUP_LIMIT = Limit("apply_lookup", count=10, seconds=600)
UPLOAD_LIMIT = Limit("apply_upload", count=10, seconds=3600)
SESSION_KEY = "public_apply_case"
INCOME_FIELDS = ("wage", "employment_cost", "business", "property", "transfer")
DEDUCTION_FIELDS = ("medical", "education", "disability")
MAX_ROWS = 20


def too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "public/apply/too_many.html", status=429)


@require_http_methods(["GET"])
def apply_start(request: HttpRequest) -> HttpResponse:
    kinds = [(code, str(label)) for code, label in AssistanceType.choices if code in KINDS]
    return render(request, "public/apply/start.html", {"kinds": kinds})


@require_http_methods(["GET", "POST"])
def apply_form(request: HttpRequest, kind_code: str) -> HttpResponse:
    kind = kind_for(kind_code)
    if kind is None:
        raise Http404("No such kind of assistance.")
    posted = request.method == "POST"
    if posted and not allow(request, SUBMIT_LIMIT, request.POST.get("m-0-resident_id", "")):
        return too_many(request)
    data = request.POST if posted else None
    household = OnlineHouseholdForm(data)
    members = OnlineMemberFormSet(data, prefix="m")
    if not posted:
        members.extra = _rows(request.GET.get("rows")) - 1
    intake = IntakeForm(intake_schema(kind), data, prefix="d")
    scans = ScansForm(data, request.FILES if posted else None)
    refusal = ""
    if posted:
        if getattr(request, "upload_too_large", False):
            refusal = _("A file is larger than the limit.")
        elif all(form.is_valid() for form in (household, members, intake, scans)):
            try:
                case = actions_apply.do_submit_online_application(
                    _application(kind, household.cleaned_data, members, intake.details()),
                    scans=[
                        actions_apply.Scan(kind=k, upload=f, name=f.name or "", size=f.size)
                        for k, f in scans.files_by_kind()
                    ],
                    contact_phone=household.cleaned_data["contact_phone"],
                )
            except ActionError as exc:
                refusal = str(exc)
            else:
                _hold(request, case)
                messages.success(
                    request,
                    _(
                        "Your application was submitted. Its reference number is %(number)s: "
                        "keep it to follow the progress."
                    )
                    % {"number": case.number},
                )
                return redirect("public:apply-status")
        else:
            refusal = _("Some answers need correcting: see the marked fields.")
    context = {
        "kind": kind,
        "kind_label": AssistanceType(kind.code).label,
        "household": household,
        "members": members,
        "intake": intake,
        "schema": intake.schema,
        "scans": scans,
        "refusal": refusal,
        "files_chosen": posted,
        "next_rows": min(members.total_form_count() + 1, MAX_ROWS),
        "max_files": actions_apply.MAX_FILES_PER_SUBMISSION,
    }
    return render(request, "public/apply/form.html", context, status=400 if refusal else 200)


def _rows(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or 1), MAX_ROWS))
    except ValueError:
        return 1


def _application(
    kind: Kind, data: dict[str, Any], members: Any, details: dict[str, Any]
) -> ApplicationData:
    people = [
        MemberData(
            name=row["name"],
            resident_id=row["resident_id"],
            relation=row["relation"],
            is_applicant=index == 0,
            disability_grade=row.get("disability_grade"),
            seriously_ill=bool(row.get("seriously_ill")),
            incomes=[(name, row[name]) for name in INCOME_FIELDS if row.get(name)],
        )
        for index, row in enumerate(
            form.cleaned_data for form in members.forms if form.cleaned_data
        )
    ]
    payment = None
    if data.get("bank_card"):
        payment = PaymentAccount(
            payee_name=data["payee_name"],
            bank_name=data["bank_name"],
            card_number=data["bank_card"],
        )
    return ApplicationData(
        region_id=data["village"],
        address=data["address"],
        hukou=data["hukou"],
        members=people,
        deductions=[(name, data[name], None) for name in DEDUCTION_FIELDS if data.get(name)],
        assistance_type=kind.code,
        details=details,
        payment=payment,
    )


def _hold(request: HttpRequest, case: Case) -> None:
    """The browser that submitted or looked up the case may see it until it closes."""
    request.session[SESSION_KEY] = case.pk
    if not request.user.is_authenticated:
        request.session.set_expiry(0)


def _held_case(request: HttpRequest) -> Case | None:
    pk = request.session.get(SESSION_KEY)
    if not isinstance(pk, int):
        return None
    return Case.objects.select_related("region").filter(pk=pk).first()


@require_http_methods(["GET", "POST"])
def apply_status(request: HttpRequest) -> HttpResponse:
    lookup = LookupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not allow(request, LOOKUP_LIMIT, "ref:" + request.POST.get("number", "").strip()):
            return too_many(request)
        if lookup.is_valid():
            case = progress_apply.find_case(
                lookup.cleaned_data["number"], lookup.cleaned_data["resident_id"]
            )
            if case is not None:
                _hold(request, case)
                return redirect("public:apply-status")
        lookup = LookupForm(request.POST)
        lookup.is_valid()
        lookup.add_error(
            None,
            _(
                "No application matches this reference number and resident ID. Check both "
                "and try again."
            ),
        )
        return render(request, "public/apply/status.html", {"lookup": lookup}, status=404)
    case = _held_case(request)
    context: dict[str, Any] = {
        "lookup": lookup,
        "max_files": actions_apply.MAX_FILES_PER_SUBMISSION,
    }
    if case is not None:
        found = progress_apply.progress(case)
        context.update(progress=found, scans=ScansForm() if found.may_upload else None)
    return render(request, "public/apply/status.html", context)


@require_POST
def apply_upload(request: HttpRequest) -> HttpResponse:
    case = _held_case(request)
    if case is None:
        messages.error(request, _("Look your application up first."))
        return redirect("public:apply-status")
    if not allow(request, UPLOAD_LIMIT, f"case:{case.pk}"):
        return too_many(request)
    scans = ScansForm(request.POST, request.FILES)
    if getattr(request, "upload_too_large", False):
        messages.error(request, _("A file is larger than the limit; nothing was saved."))
    elif not scans.is_valid():
        problems = [str(error) for errors in scans.errors.values() for error in errors]
        messages.error(request, " ".join(problems))
    else:
        try:
            saved = actions_apply.do_upload_online_scans(
                case,
                scans=[
                    actions_apply.Scan(kind=k, upload=f, name=f.name or "", size=f.size)
                    for k, f in scans.files_by_kind()
                ],
            )
        except ActionError as exc:
            messages.error(request, _("Nothing was saved: %(reason)s") % {"reason": exc})
        else:
            messages.success(
                request,
                _("%(count)s files sent to the township office.") % {"count": len(saved)},
            )
    return redirect("public:apply-status")


@require_POST
def apply_forget(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    return redirect("public:apply-status")
