"""Who calls the API: personal tokens of staff and the accounts of outside systems."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from assistance.models import Region
from assistance.processes.onewindow import Department


class SystemKind(models.TextChoices):
    CHECK_CENTRE = "check_centre", _("Economic check centre")
    CIVIL_REGISTRY = "civil_registry", _("Civil registry")
    BANK = "bank", _("Bank")
    POVERTY_REGISTRY = "poverty_registry", _("Poverty registration database")
    DEPARTMENT = "department", _("Other department")


# What each kind of system may do at most; a token carries a subset of its kind's scopes.
KIND_SCOPES: dict[str, tuple[str, ...]] = {
    SystemKind.CHECK_CENTRE: ("checks",),
    SystemKind.CIVIL_REGISTRY: ("deaths",),
    SystemKind.BANK: ("payments",),
    SystemKind.POVERTY_REGISTRY: ("registry",),
    SystemKind.DEPARTMENT: ("events", "referrals"),
}

# A staff member's personal token acts with exactly their portal rights.
STAFF_SCOPE = "staff"


class SystemAccount(models.Model):
    """An outside system (a county's check centre, a bank…). Its user has no password and no
    portal role, so it cannot sign in to the portal; it calls the API with its tokens only,
    and sees nothing outside `region`'s subtree."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="system_account"
    )
    kind = models.CharField(max_length=32, choices=SystemKind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    # Kind "department": which one (the one window's list). Referrals it sends come from it,
    # and only the referrals sent to it are among the events it reads.
    department = models.CharField(max_length=20, choices=Department.choices, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def allowed_scopes(self) -> tuple[str, ...]:
        return KIND_SCOPES[self.kind]


class ApiToken(models.Model):
    """A bearer token `ddt_<prefix>_<secret>`; only its sha256 is kept, the secret is shown
    once when it is made."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8, unique=True)
    key_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} (ddt_{self.prefix}_…)"
