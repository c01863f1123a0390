"""Minimum living guarantee (低保): the pattern the other kinds follow."""

from __future__ import annotations

from typing import Any

from assistance.kinds import Kind, register
from assistance.models import AssistanceType, Case


def start_data(case: Case, common: dict[str, Any]) -> dict[str, Any]:
    return {}


KIND = register(
    Kind(
        code=AssistanceType.DIBAO,
        process_key="dibao",
        case_prefix="DB",
        start_data=start_data,
        intake_form="intake_dibao.json",
        single_person_cover=True,
    )
)
