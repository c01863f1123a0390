"""Reading an uploaded list of relocated households (XLSX or CSV) into rows of text.

The reading itself, with its bounds, is `assistance.tables`; this names the list's columns
and its bounds. Nothing here knows the register: `payments.grants` checks each row against it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from assistance.tables import FileRefused, RawRow, TableSpec, read_table

__all__ = ["FileRefused", "RawRow", "read_upload"]

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
# An XLSX of 5,000 rows unpacks to well under 5 MB; more is not a list of households.
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
MAX_ROWS = 5000
MAX_CELL_CHARS = 100
FIELDS = ("resident_id", "name", "village", "people", "card", "bank")
REQUIRED = ("resident_id", "name", "village", "people", "card")
HEADERS = {
    "resident_id": {"户主身份证号", "户主身份证号码", "身份证号", "身份证号码", "resident_id"},
    "name": {"户主姓名", "姓名", "户主", "name"},
    "village": {"村", "村代码", "村名", "村名称", "所在村", "村(社区)", "村社区", "village"},
    "people": {"搬迁人数", "安置人数", "人数", "people"},
    "card": {"银行卡号", "卡号", "银行账号", "社保卡号", "bank_card", "card"},
    "bank": {"开户银行", "开户行", "银行", "bank"},
}


def read_upload(name: str, data: bytes) -> list[RawRow]:
    """The data rows of an XLSX or CSV file, or raise FileRefused."""
    # Built per call: tests lower the bounds on this module.
    spec = TableSpec(
        fields=FIELDS,
        required=REQUIRED,
        headers=HEADERS,
        missing_columns=_(
            "The first row must name the columns: resident ID of the head (户主身份证号), "
            "name (姓名), village (村), people relocated (搬迁人数), bank card (银行卡号)."
        ),
        no_rows=_("The list names no household."),
        max_bytes=MAX_UPLOAD_BYTES,
        max_unpacked_bytes=MAX_UNPACKED_BYTES,
        max_rows=MAX_ROWS,
        max_cell_chars=MAX_CELL_CHARS,
    )
    return read_table(spec, name, data)
