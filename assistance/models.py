"""Domain records: regions and their policies, households, cases, staff."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def _engine_now() -> datetime:
    from engine.clock import clock

    return clock.now()


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")
    VILLAGE = "village", _("Village")


class RegionQuerySet(models.QuerySet["Region"]):
    def within(self, region: Region) -> RegionQuerySet:
        return self.filter(path__startswith=region.path)


class Region(models.Model):
    """A node of the administrative tree.

    `path` is materialised ("/1/5/23/") so "inside this county" is one indexed prefix match,
    whatever the depth.
    """

    code = models.CharField(max_length=12, unique=True)
    name = models.CharField(max_length=100)
    level = models.CharField(max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")

    objects = RegionQuerySet.as_manager()

    class Meta:
        permissions = [("act_in_region", "Can act on cases in this region")]
        indexes = [
            models.Index(
                fields=["path"], name="region_path_like", opclasses=["varchar_pattern_ops"]
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        prefix = self.parent.path if self.parent is not None else "/"
        path = f"{prefix}{self.pk}/"
        if path != self.path:
            Region.objects.filter(pk=self.pk).update(path=path)
            self.path = path

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def ancestor_of_level(self, level: str) -> Region | None:
        for region in Region.objects.filter(pk__in=self.ancestor_ids()):
            if region.level == level:
                return region
        return None

    def contains(self, other: Region) -> bool:
        return other.path.startswith(self.path)


class RegionPolicy(models.Model):
    """Effective-dated policy parameters of a region (see assistance/policy.py for the keys).

    A region inherits every parameter from its ancestors; the nearest region with a value
    in force on the day wins.
    """

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="policies")
    effective_from = models.DateField()
    values = models.JSONField(default=dict)
    # Standards only go up (只升不降); lowering one takes this flag and a reason, on the record.
    lowers_standard = models.BooleanField(default=False)
    override_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["region", "effective_from"], name="one_policy_per_region_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region} @ {self.effective_from}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Every save is validated, whoever saves (admin, seed, a command): a policy decides
        # people's benefits. Queryset update() and bulk_create() bypass this on purpose.
        from assistance.policy import check_policy_record

        check_policy_record(self)
        super().save(*args, **kwargs)


class CalendarDay(models.Model):
    """A day whose working status the maintained calendar package gets wrong or does not yet know.

    The State Council publishes each year's holidays and adjusted working weekends in
    November; entries here extend the package until it is upgraded.
    """

    day = models.DateField(unique=True)
    is_working_day = models.BooleanField()
    note = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return f"{self.day} {'work' if self.is_working_day else 'rest'}"


class Hukou(models.TextChoices):
    URBAN = "urban", _("Urban")
    RURAL = "rural", _("Rural")


class Household(models.Model):
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="households")
    address = models.CharField(max_length=200)
    hukou = models.CharField(max_length=5, choices=Hukou.choices, default=Hukou.RURAL)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        applicant = self.members.filter(is_applicant=True).first()
        return f"{applicant.name if applicant else '?'} ({self.region})"


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Relation(models.TextChoices):
    SELF = "self", _("Applicant")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    FAMILY = "family", _("Family member")
    OTHER = "other", _("Other")


class Member(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(max_length=50)
    resident_id = models.CharField(max_length=18, unique=True)
    birth_date = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    relation = models.CharField(max_length=20, choices=Relation.choices, default=Relation.SELF)
    is_applicant = models.BooleanField(default=False)
    covered = models.BooleanField(default=True)
    disability_grade = models.PositiveSmallIntegerField(null=True, blank=True)
    seriously_ill = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.name

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


class IncomeItem(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="incomes")
    kind = models.CharField(max_length=30)
    monthly_amount = models.DecimalField(max_digits=12, decimal_places=2)
    note = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.monthly_amount}"


class Deduction(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="deductions")
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.CASCADE)
    kind = models.CharField(max_length=30)
    monthly_amount = models.DecimalField(max_digits=12, decimal_places=2)
    note = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.monthly_amount}"


class AssistanceType(models.TextChoices):
    DIBAO = "dibao", _("Minimum living guarantee")
    TEKUN = "tekun", _("Extreme-poverty support")
    TEMPORARY = "temporary", _("Temporary assistance")
    DISABILITY = "disability", _("Disability subsidies")
    ORPHAN = "orphan", _("Orphan allowance")
    ELDERLY = "elderly", _("Elderly allowance")
    MEDICAL = "medical", _("Medical assistance top-up")
    DISASTER = "disaster", _("Disaster relief")
    DEVICES = "devices", _("Assistive devices for poor disabled people")
    # Not applied for: requests registered at the one window (onewindow/) that run their own
    # process on a case of their own (R12 referral, S19 complaints and petitions).
    REFERRAL = "referral", _("Referral to another department")
    COMPLAINT = "complaint", _("Complaint or petition")


# The types nobody applies for: each is a request registered at the one window.
ONE_WINDOW_TYPES = frozenset({AssistanceType.REFERRAL, AssistanceType.COMPLAINT})


class CaseStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    ACTIVE = "active", _("Active")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (CaseStatus.IN_PROGRESS, CaseStatus.ACTIVE)


class Channel(models.TextChoices):
    """How an application reached the township (一门受理, 网上办、掌上办)."""

    COUNTER = "counter", _("At the counter")
    ONLINE = "online", _("Online application")


class Case(models.Model):
    number = models.CharField(max_length=40, unique=True)
    assistance_type = models.CharField(max_length=12, choices=AssistanceType.choices)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="cases")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="cases")
    single_person = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="single_person_cases"
    )
    status = models.CharField(
        max_length=12, choices=CaseStatus.choices, default=CaseStatus.IN_PROGRESS
    )
    stage = models.CharField(max_length=100, blank=True)
    monthly_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    start_month = models.DateField(null=True, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    outcome_reasons = models.TextField(blank=True)
    # An applicant is a declared near relative of staff (R7): recusals, county investigation.
    relative_flag = models.BooleanField(default=False)
    # Facts particular to the kind of assistance (cause, care level, grade…), JSON-safe.
    details = models.JSONField(default=dict, blank=True)
    # Periodic review (复核): class A/B/C and when the next review is due.
    review_class = models.CharField(max_length=1, blank=True)
    next_review_on = models.DateField(null=True, blank=True, db_index=True)
    # Exit: when benefits stop and why.
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=30, blank=True)
    # R6: the whole procedure may be extended once, with a reason (30 -> 45 working days).
    procedure_extended_at = models.DateTimeField(null=True, blank=True)
    procedure_extension_reason = models.TextField(blank=True)
    # Where benefits are paid (按月打卡发放, R8): kept off the process data, which names no
    # account; the card number is Luhn-checked at intake.
    payee_name = models.CharField(max_length=50, blank=True)
    bank_name = models.CharField(max_length=100, blank=True)
    bank_card = models.CharField(max_length=19, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    # Lodged at the counter (or through the village) or by the applicant online. The
    # database default too, so rows written in SQL (imports, the benches) are counter cases.
    channel = models.CharField(
        max_length=10, choices=Channel.choices, default=Channel.COUNTER, db_default=Channel.COUNTER
    )
    # The engine's clock, so rules counting from the application day hold under a set clock.
    created_at = models.DateTimeField(default=_engine_now)

    class Meta:
        indexes = [models.Index(fields=["assistance_type", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_amount__isnull=True) | Q(monthly_amount__gte=Decimal("0")),
                name="case_amount_not_negative",
            )
        ]

    def __str__(self) -> str:
        return self.number


class OnlineApplication(models.Model):
    """What an application lodged online carries beyond its case: how to reach the applicant.

    Kept off the case and its process data: the phone number is for the township clerk only.
    """

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="online")
    contact_phone = models.CharField(max_length=20)
    submitted_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.case} (online)"


class StaffProfile(models.Model):
    """A staff member; roles are Django groups, jurisdiction is guardian grants on regions."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff"
    )
    full_name = models.CharField(max_length=50)
    office = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT)
    # The staff member's own resident ID, when on record: auditors look for benefits paid to
    # the household the staff member belongs to (R10, 人情保/关系保).
    resident_id = models.CharField(max_length=18, blank=True, db_index=True)

    def __str__(self) -> str:
        return self.full_name


class NearRelative(models.Model):
    """A near relative a staff member or village cadre has declared (近亲属备案, R7)."""

    class Relation(models.TextChoices):
        SPOUSE = "spouse", _("Spouse")
        PARENT = "parent", _("Parent or parent-in-law")
        SIBLING = "sibling", _("Sibling")
        CHILD = "child", _("Child or child's spouse")
        GRAND = "grand", _("Grandparent or grandchild")
        UNCLE_AUNT = "uncle_aunt", _("Uncle or aunt")
        GUARDIAN = "guardian", _("Adoptive, step or guardianship relation")

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="relatives"
    )
    name = models.CharField(max_length=50)
    resident_id = models.CharField(max_length=18, db_index=True)
    relation = models.CharField(max_length=12, choices=Relation.choices)
    declared_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["staff", "resident_id"], name="one_declaration")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relation_display()})"


class CaseRecusal(models.Model):
    """A staff member who must take no part in a case: they neither see nor act on it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="recusals")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recusals"
    )
    reason = models.CharField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="one_recusal")]

    def __str__(self) -> str:
        return f"{self.user} ⟂ {self.case}"


class EvidenceKind(models.TextChoices):
    APPLICATION_FORM = "application_form", _("Application form")
    HUKOU = "hukou", _("Household register")
    ID_CARDS = "id_cards", _("ID cards")
    INCOME_DECLARATION = "income_declaration", _("Income and property declaration with pledge")
    CHECK_AUTHORISATION = "check_authorisation", _("Economic check authorisation")
    INVESTIGATION_RECORD = "investigation_record", _("Signed home investigation record")
    DISABILITY_CERTIFICATE = "disability_certificate", _("Disability certificate")
    DIAGNOSIS = "diagnosis", _("Hospital diagnosis")
    CARE_AGREEMENT = "care_agreement", _("Care entrustment agreement")
    SCHOOL_ENROLMENT = "school_enrolment", _("Proof of full-time schooling")
    # Notices the township issues (assistance.documents), kept like scans with their sha256.
    ACCEPTANCE_NOTICE = "acceptance_notice", _("Acceptance notice")
    CORRECTION_NOTICE = "correction_notice", _("One-time notice of missing documents")
    REFUSAL_NOTICE = "refusal_notice", _("Refusal notice with remedies")
    TERMINATION_NOTICE = "termination_notice", _("Termination notice")
    PUBLIC_NOTICE_SHEET = "public_notice_sheet", _("Public notice sheet for the village")
    OTHER = "other", _("Other")


class Evidence(models.Model):
    """A scan in the evidence store. Never overwritten or deleted: a replacement supersedes it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(max_length=30, choices=EvidenceKind.choices)
    original_name = models.CharField(max_length=200)
    key = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=50)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )

    class Meta:
        indexes = [models.Index(fields=["case", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


class MonitoringEntry(models.Model):
    """A household on the low-income monitoring list (低收入人口监测, R11)."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="monitoring")
    source_case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=200)
    added_on = models.DateField()

    def __str__(self) -> str:
        return f"{self.household} ({self.reason})"


class DeathRecord(models.Model):
    """A death reported by the civil registry or a hospital, as imported (CSV or message)."""

    resident_id = models.CharField(max_length=18, db_index=True)
    died_on = models.DateField()
    source = models.CharField(max_length=100)
    imported_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resident_id"], name="one_death_per_person")]

    def __str__(self) -> str:
        return f"{self.resident_id} † {self.died_on}"
