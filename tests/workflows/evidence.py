"""Uploading scans the way the clerk does, for steps the diagrams tie to evidence."""

from __future__ import annotations

import io
import itertools

from assistance import actions
from assistance.models import Case
from tests.fixtures import World

_serial = itertools.count()
PDF = b"%PDF-1.7\n" + b"0" * 400 + b"\n%%EOF\n"

# What a dibao or tekun application needs on file to be accepted as complete.
APPLICATION = ("application_form", "hukou", "id_cards", "income_declaration", "check_authorisation")


def upload(world: World, case: Case, *kinds: str, user: str = "clerk") -> None:
    for kind in kinds:
        # Each scan differs, so each is its own stored object.
        content = PDF + f"{case.pk}:{kind}:{next(_serial)}".encode()
        actions.do_upload_evidence(
            case,
            actor=world[user],
            kind=kind,
            upload=io.BytesIO(content),
            name=f"{kind}.pdf",
            size=len(content),
        )
