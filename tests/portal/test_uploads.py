"""The upload handler: each file of a multipart request is hashed as Django receives it."""

from __future__ import annotations

import hashlib
import os

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from portal.uploads import LimitedUploadHandler
from storage.intake import Receipt, receipt_of


def parsed(files: dict[str, bytes]):
    request = RequestFactory().post(
        "/upload", {name: SimpleUploadedFile(f"{name}.pdf", data) for name, data in files.items()}
    )
    request.upload_handlers = [LimitedUploadHandler(request)]
    return request


def test_it_hashes_each_file_of_a_request_on_the_way_in(settings):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    # Several of Django's 64 KiB chunks each, and one shorter than the sniffed head.
    files = {"a": b"%PDF-1.7\n" + os.urandom(300 * 1024), "b": b"\x89PNG" + os.urandom(200 * 1024)}
    files["c"] = b"%PD"
    request = parsed(files)

    for name, data in files.items():
        received = request.FILES[name]
        assert receipt_of(received) == Receipt(
            hashlib.sha256(data).hexdigest(), len(data), data[:8]
        )
        assert received.read() == data


def test_it_cuts_off_a_file_over_the_limit_and_says_so(settings):
    settings.EVIDENCE_MAX_BYTES = 100 * 1024
    request = parsed({"a": b"%PDF-1.7\n" + os.urandom(200 * 1024)})

    assert "a" not in request.FILES
    assert request.upload_too_large is True
