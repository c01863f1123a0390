"""The public site: notices, objections, disclosure lists and pages; no sign-in.

Views are thin: parse, one query or one `do_*`, render. Every POST and every lookup is
rate-limited per client address (and per phone number where the form names one).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from assistance import access as assistance_access
from assistance.models import Region
from engine.clock import clock
from portal.http import AuthedRequest
from public import access, actions, queries
from public.forms import (
    PAGE_REGION_LEVELS,
    DisclosureForm,
    LookupForm,
    ObjectionForm,
    PageForm,
    normalise_phone,
)
from public.models import PageKind
from public.ratelimit import Limit, allow, hit

OBJECTION_LIMIT = Limit("objection", 5, 3600)
OBJECTION_PHONE_LIMIT = Limit("objection-phone", 3, 86400)
LOOKUP_LIMIT = Limit("objection-lookup", 20, 600)
RECEIPT_SESSION_KEY = "public_receipt"
PAGE_KINDS = {"guide": PageKind.GUIDE, "policies": PageKind.POLICY, "hotline": PageKind.HOTLINE}


def too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "public/429.html", status=429)


def _region_context(request: HttpRequest) -> dict[str, object]:
    region = queries.public_region(request.GET.get("region"))
    return {
        "region": region,
        "lineage": queries.lineage(region) if region else [],
        "children": queries.children(region),
    }


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    context = _region_context(request)
    region = context["region"]
    assert region is None or isinstance(region, Region)
    context["hotline"] = queries.hotline(region)
    return render(request, "public/home.html", context)


@require_GET
def notices(request: HttpRequest) -> HttpResponse:
    context = _region_context(request)
    region = context["region"]
    if isinstance(region, Region):
        context["rows"] = queries.running_notices(region)
    return render(request, "public/notices.html", context)


@require_http_methods(["GET", "POST"])
def notice(request: HttpRequest, notice_id: int) -> HttpResponse:
    row = queries.notice_row(notice_id)
    if row is None:
        if queries.ended_notice(notice_id) is None:
            raise Http404("No such notice.")
        status = 400 if request.method == "POST" else 200
        context = {"ended": actions.notice_ended_message()}
        return render(request, "public/notice_ended.html", context, status=status)
    form = ObjectionForm(request.POST or None)
    if request.method == "POST":
        phone = normalise_phone(request.POST.get("phone", ""))
        if not allow(request, OBJECTION_LIMIT) or (
            phone and not hit(OBJECTION_PHONE_LIMIT, f"phone:{phone}")
        ):
            return too_many(request)
        if form.is_valid():
            try:
                objection = actions.do_submit_objection(notice_id, actor=None, **form.cleaned_data)
            except actions.ActionError as exc:
                form.add_error(None, str(exc))
            else:
                request.session[RECEIPT_SESSION_KEY] = objection.receipt
                return redirect("public:objection-receipt")
    status = 400 if form.errors else 200
    return render(request, "public/notice.html", {"row": row, "form": form}, status=status)


@require_GET
def objection_receipt(request: HttpRequest) -> HttpResponse:
    receipt = request.session.get(RECEIPT_SESSION_KEY)
    if not receipt:
        return redirect("public:lookup")
    return render(request, "public/receipt.html", {"receipt": receipt})


@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    form = LookupForm(request.POST or None)
    context: dict[str, object] = {"form": form}
    if request.method == "POST":
        if not allow(request, LOOKUP_LIMIT):
            return too_many(request)
        if form.is_valid():
            objection = actions.find_objection(
                form.cleaned_data["receipt"], form.cleaned_data["phone"]
            )
            if objection is None:
                form.add_error(None, _("No objection matches this receipt number and phone."))
            else:
                # A fresh form: the phone number is not echoed back into the page.
                context.update(found=objection, form=LookupForm())
        if form.errors:
            return render(request, "public/lookup.html", context, status=400)
    return render(request, "public/lookup.html", context)


@require_GET
def disclosure(request: HttpRequest) -> HttpResponse:
    context = _region_context(request)
    form = DisclosureForm(request.GET or None)
    which, month = queries.DisclosureList.FIRST_OPINION, clock.today().replace(day=1)
    if form.is_valid():
        which = form.cleaned_data.get("list") or which
        month = form.cleaned_data.get("month") or month
    region = context["region"]
    context.update(form=form, which=which, month=month, lists=DisclosureForm.LISTS)
    if isinstance(region, Region) and not form.errors:
        context["rows"] = queries.disclosure(region, which, month)
    return render(request, "public/disclosure.html", context, status=400 if form.errors else 200)


@require_GET
def pages(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in PAGE_KINDS:
        raise Http404("No such page.")
    context = _region_context(request)
    region = context["region"]
    assert region is None or isinstance(region, Region)
    context.update(
        kind=kind,
        kind_label=PageKind(PAGE_KINDS[kind]).label,
        pages=queries.pages_for(PAGE_KINDS[kind], region),
    )
    return render(request, "public/pages.html", context)


# ---------------------------------------------------------------- the editor (policy staff)


def _editable_regions(request: AuthedRequest) -> list[Region]:
    regions = assistance_access.regions_for_user(request.user)
    return list(regions.filter(level__in=PAGE_REGION_LEVELS))


@require_GET
def manage(request: AuthedRequest) -> HttpResponse:
    access.require_manager(request.user)
    pages_ = queries.pages_in_scopes(
        assistance_access.jurisdiction_paths(request.user),
        province=access.covers_province(request.user),
    ).order_by("kind", "region__path", "position", "pk")
    return render(request, "public/manage.html", {"pages": pages_})


@require_http_methods(["GET", "POST"])
def manage_page(request: AuthedRequest, page_id: int | None = None) -> HttpResponse:
    access.require_manager(request.user)  # anyone else: the editor does not exist
    page = access.get_page_for_user(request.user, page_id) if page_id is not None else None
    initial = (
        {
            "kind": page.kind,
            "region": page.region_id,
            "title": page.title,
            "body": page.body,
            "position": page.position,
            "published": page.published,
        }
        if page
        else {"kind": request.GET.get("kind", PageKind.GUIDE)}
    )
    form = PageForm(request.POST or None, initial=initial, regions=_editable_regions(request))
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.do_save_page(actor=request.user, page=page, **form.cleaned_data)
        except actions.ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The page was saved."))
            return redirect("public:manage-page", page_id=saved.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "page": page}
    return render(request, "public/manage_page.html", context, status=status)
