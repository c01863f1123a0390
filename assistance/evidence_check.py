"""Checking every evidence record against the audit event of its upload, and its stored object.

Each upload is recorded in its case's audit stream (`evidence.uploaded`; `document.issued` for a
notice the township issued) with the record's id and sha256, and the trail cannot be rewritten
unnoticed (`verify_audit`). So a record is held to what was recorded when it was made:

- `repointed`: the record was moved to another case than the one it was uploaded to;
- `substituted`: the record points at other content than was uploaded (its key and sha256
  changed, e.g. to a forged scan stored under its own, correct key);
- `forged`: the object under the record's key no longer hashes to the recorded sha256 (its
  bytes were replaced in the store);
- `missing`: the object is gone; `unrecorded`: no upload event names the record at all (made
  outside the application).

Records whose upload event carries no sha256 cannot be proved either way; they are counted as
such, not as problems (every upload since the first release records it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from assistance.models import Case, Evidence
from engine.models import AuditEvent
from storage.base import EvidenceStore, get_store, is_key, key_for
from storage.verify import verify_object

UPLOAD_ACTIONS = ("evidence.uploaded", "document.issued")


@dataclass(frozen=True)
class Upload:
    case_id: int | None
    sha256: str | None
    stream: str
    seq: int


@dataclass(frozen=True)
class EvidenceProblem:
    evidence_id: int
    case_id: int
    case_number: str
    code: str
    message: str | Promise


@dataclass
class EvidenceReport:
    problems: list[EvidenceProblem] = field(default_factory=list)
    checked: int = 0
    # Records whose upload event has no sha256 to compare with.
    unprovable: list[int] = field(default_factory=list)
    # Whether the stored objects were read and hashed (slow), or only the records compared.
    objects_checked: bool = True

    @property
    def ok(self) -> bool:
        return not self.problems

    def for_evidence(self, evidence_id: int) -> list[EvidenceProblem]:
        return [p for p in self.problems if p.evidence_id == evidence_id]


def uploads(evidence_ids: list[int] | None = None) -> dict[int, Upload]:
    """The upload event of every evidence record (or of those named), by record id; the first
    one, should two name the same record."""
    events = AuditEvent.objects.filter(action__in=UPLOAD_ACTIONS).order_by("pk")
    if evidence_ids is not None:
        # Looked up by the record's id, not its case: a moved record must still be found.
        events = events.filter(payload__evidence_id__in=evidence_ids)
    found: dict[int, Upload] = {}
    for case_id, stream, seq, payload in events.values_list(
        "case_id", "stream", "seq", "payload"
    ).iterator(chunk_size=2000):
        evidence_id = payload.get("evidence_id") if isinstance(payload, dict) else None
        if not isinstance(evidence_id, int) or evidence_id in found:
            continue
        sha256 = payload.get("sha256")
        found[evidence_id] = Upload(
            case_id, sha256 if isinstance(sha256, str) else None, stream, seq
        )
    return found


def verify_evidence(
    *,
    case: Case | None = None,
    objects: bool = True,
    store: EvidenceStore | None = None,
) -> EvidenceReport:
    """Check the records (of one case, or all) against their upload events, and their stored
    objects too unless `objects=False` (which reads no bytes: for a page)."""
    report = EvidenceReport(objects_checked=objects)
    if objects and store is None:
        store = get_store()
    records = Evidence.objects.select_related("case").order_by("pk")
    if case is not None:
        records = records.filter(case=case)
    recorded = uploads(None if case is None else list(records.values_list("pk", flat=True)))
    found: list[tuple[Evidence, str, int | None]] = []
    for evidence in records.iterator(chunk_size=500):
        report.checked += 1
        upload = recorded.get(evidence.pk)
        if upload is not None and upload.sha256 is None:
            report.unprovable.append(evidence.pk)
        codes = _compare(evidence, upload)
        if store is not None and not {"substituted", "unrecorded"} & set(codes):
            reason = verify_object(store, evidence.key, evidence.sha256)
            if reason is not None:
                codes.append("missing" if reason == "missing" else "forged")
        uploaded_to = upload.case_id if upload is not None else None
        found += [(evidence, code, uploaded_to) for code in codes]
    wanted = {case_id for _e, code, case_id in found if code == "repointed" and case_id}
    numbers = dict(Case.objects.filter(pk__in=wanted).values_list("pk", "number"))
    report.problems = [
        EvidenceProblem(
            evidence.pk,
            evidence.case_id,
            evidence.case.number,
            code,
            _message(code, evidence, numbers.get(uploaded_to or 0, str(uploaded_to))),
        )
        for evidence, code, uploaded_to in found
    ]
    return report


def _compare(evidence: Evidence, upload: Upload | None) -> list[str]:
    if upload is None:
        return ["unrecorded"]
    codes = []
    if upload.case_id != evidence.case_id:
        codes.append("repointed")
    if upload.sha256 is not None and (
        evidence.sha256 != upload.sha256
        or not is_key(evidence.key)
        or evidence.key != key_for(upload.sha256)
    ):
        codes.append("substituted")
    return codes


def _message(code: str, evidence: Evidence, uploaded_to: str) -> str | Promise:
    if code == "repointed":
        return format_lazy(
            _(
                "This scan was uploaded to case {uploaded}, but its record now puts it on case "
                "{current}: the record was moved."
            ),
            uploaded=uploaded_to,
            current=evidence.case.number,
        )
    if code == "substituted":
        return _(
            "The record now points at other content than was uploaded (its sha256 differs "
            "from the one recorded at upload): another file was put in its place."
        )
    if code == "forged":
        return _(
            "The stored file no longer matches the sha256 recorded at upload: its content "
            "was replaced in the evidence store."
        )
    if code == "missing":
        return _("The stored file is missing from the evidence store.")
    return _("No upload of this scan is on record: the record was made outside the application.")
