"""Upload handling: scans stream to a temporary file, never into memory, and an oversized
upload is cut off as soon as it passes the limit instead of being received whole."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler


class LimitedUploadHandler(TemporaryFileUploadHandler):
    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > settings.EVIDENCE_MAX_BYTES:
            if self.request is not None:
                self.request.upload_too_large = True  # type: ignore[attr-defined]
            self.file.close()
            raise StopUpload(connection_reset=True)
        return super().receive_data_chunk(raw_data, start)

    def upload_interrupted(self) -> None:
        # The client went away mid-upload: drop the partial temporary file.
        if hasattr(self, "file"):
            self.file.close()

    def handle_raw_input(self, *args: Any, **kwargs: Any) -> None:
        return None
