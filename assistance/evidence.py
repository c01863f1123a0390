"""What the engine asks of the evidence on file when a diagram ties a step to evidence."""

from __future__ import annotations

from assistance.models import Evidence


def evidence_on_file(case_id: int) -> set[str]:
    """Kinds with a current scan on the case (a superseded scan counts through its replacement)."""
    current = Evidence.objects.filter(case_id=case_id, superseded_by__isnull=True)
    return set(current.values_list("kind", flat=True))
