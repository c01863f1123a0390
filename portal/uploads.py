"""Upload handling: scans stream to a temporary file, never into memory, and an oversized
upload is cut off as soon as it passes the limit instead of being received whole.

Each file is also hashed as it arrives (`storage.intake.Digester`): the evidence store names a
scan by its hash and then sends the received file once, straight to that name, without reading
it a second time to learn it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler

from storage.intake import Digester, attach_receipt


class LimitedUploadHandler(TemporaryFileUploadHandler):
    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.digester = Digester()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > settings.EVIDENCE_MAX_BYTES:
            if self.request is not None:
                self.request.upload_too_large = True  # type: ignore[attr-defined]
            self.file.close()
            raise StopUpload(connection_reset=True)
        self.digester.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size: int) -> UploadedFile | None:
        received = super().file_complete(file_size)
        if received is not None:
            attach_receipt(received, self.digester.receipt())
        return received

    def upload_interrupted(self) -> None:
        # The client went away mid-upload: drop the partial temporary file.
        if hasattr(self, "file"):
            self.file.close()

    def handle_raw_input(self, *args: Any, **kwargs: Any) -> None:
        return None
