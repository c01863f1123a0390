"""The public site's writes: an objection sent by a resident, a page saved by policy staff.

A resident has no account: their objection is delivered to the case's process exactly as a
clerk's (`assistance.actions.do_record_objection`), with no actor and the role "public".
"""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from assistance.models import Region
from engine import audit, runtime
from engine.clock import clock
from engine.incidents import atomic_with_incidents
from public import access, queries
from public.models import NoticePeriod, ObjectionStatus, PageKind, PublicObjection, PublicPage

PUBLIC_ROLE = "public"
# No 0/O or 1/I/L: a receipt is read out over the phone.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECEIPT_RANDOM = 8


class ActionError(ValueError):
    """Input the site refuses; the message is for the resident who sent it."""


def notice_ended_message() -> str:
    return _(
        "This notice is no longer running: its period has ended, or an objection has stopped "
        "it for re-investigation. Objections are no longer taken online; you may still write "
        "to or call the township government."
    )


def new_receipt() -> str:
    """YY, the day, and eight random characters (31^8 ≈ 8.5·10^11): not guessable."""
    tail = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_RANDOM))
    return f"YY{clock.today():%Y%m%d}{tail}"


@atomic_with_incidents
def do_submit_objection(
    notice_id: int, *, actor: None = None, objector_name: str, phone: str, reason: str
) -> PublicObjection:
    """An objection to a running public notice (R4), sent from the public site."""
    notice = NoticePeriod.objects.select_related("case").filter(pk=notice_id).first()
    if notice is None:
        raise ActionError(_("There is no such notice."))
    if clock.now() >= notice.notice_until or queries.notice_row(notice.pk) is None:
        raise ActionError(notice_ended_message())
    name, reason = objector_name.strip(), reason.strip()
    if len(name) < 2 or len(reason) < 5:
        raise ActionError(_("Give your name and describe the objection."))
    case = notice.case
    # The trail's entry below goes before the message's step: lock as the step does.
    runtime.lock_instance(notice.instance_id)
    objection = PublicObjection.objects.create(
        receipt=new_receipt(),
        case=case,
        notice=notice,
        objector_name=name[:50],
        phone=phone[:20],
        reason=reason[:2000],
        received_at=clock.now(),
    )
    audit.record(
        "public.objection_received",
        actor=None,
        role=PUBLIC_ROLE,
        region_id=case.region_id,
        case_id=case.pk,
        payload={"receipt": objection.receipt, "notice_round": notice.round},
    )
    # The phone number stays in the public record: neither the process nor the trail holds it.
    payload = {
        "objector": objection.objector_name,
        "reason": objection.reason,
        "received_on": clock.today().isoformat(),
        "channel": "online",
        "receipt": objection.receipt,
    }
    try:
        runtime.send_message(
            case.pk,
            "objection",
            payload,
            actor=None,
            role=PUBLIC_ROLE,
            instance_id=notice.instance_id,
        )
    except runtime.NoSuchMessage as exc:
        raise ActionError(notice_ended_message()) from exc
    except runtime.EngineError as exc:  # held (MessageHeld) or failed (ProcessFailed)
        raise ActionError(
            _(
                "Your objection cannot be taken online at the moment. Please call the hotline "
                "or contact the township government."
            )
        ) from exc
    objection.status = ObjectionStatus.REINVESTIGATING
    objection.save(update_fields=["status"])
    return objection


def find_objection(receipt: str, phone: str) -> PublicObjection | None:
    """The objection with this receipt, if the phone matches; None otherwise (same answer)."""
    objection = PublicObjection.objects.filter(receipt=receipt).first()
    if objection is None or not secrets.compare_digest(objection.phone, phone):
        return None
    return objection


@transaction.atomic
def do_save_page(
    *,
    actor: User,
    page: PublicPage | None,
    kind: str,
    region: Region | None,
    title: str,
    body: str,
    position: int = 0,
    published: bool = True,
) -> PublicPage:
    """Create or change a service-guide, policy or hotline page."""
    access.require_manager(actor)
    if kind not in PageKind.values:
        raise ActionError(_("Choose the kind of page."))
    if not access.covers(actor, region):
        raise ActionError(_("Your jurisdiction does not cover this region."))
    if page is not None:
        page = PublicPage.objects.select_for_update().get(pk=page.pk)
        if not access.covers(actor, page.region):
            raise ActionError(_("Your jurisdiction does not cover this region."))
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise ActionError(_("Give the page a title and a text."))
    created = page is None
    page = page or PublicPage(updated_by=actor, updated_at=clock.now())
    page.kind = kind
    page.region = region
    page.title = title[:120]
    page.body = body
    page.position = position
    page.published = published
    page.updated_at = clock.now()
    page.updated_by = actor
    page.save()
    audit.record(
        "public.page_saved",
        actor=actor,
        role="policy_staff",
        region_id=region.pk if region else None,
        payload={
            "page": page.pk,
            "created": created,
            "kind": kind,
            "title": page.title,
            "published": published,
            "sha256": hashlib.sha256(body.encode()).hexdigest(),
        },
    )
    return page
