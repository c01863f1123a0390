"""Staff roles. Each is a Django group whose name is the code; BPMN lanes name these codes."""

from django.utils.translation import gettext_lazy as _

ROLES: dict[str, object] = {
    "village_clerk": _("Village clerk"),
    "township_clerk": _("Township clerk"),
    "township_investigator": _("Township investigator"),
    "township_reviewer": _("Township reviewer"),
    "county_investigator": _("County investigator"),
    "county_approver": _("County approver"),
    "county_checker": _("County economic check centre"),
    "disability_federation_reviewer": _("Disabled persons' federation reviewer"),
    # Builds the monthly payment roster and sends it to the bank (按月打卡发放, R8).
    "county_finance": _("County payments officer"),
    "policy_staff": _("Policy staff"),
    "auditor": _("Auditor"),
}

# Roles that see cases in their jurisdiction but never act on them (policy staff own the
# diagrams, not the cases).
READ_ONLY_ROLES = frozenset({"auditor", "policy_staff"})

# Roles that never see a household's personal data (names, resident IDs, incomes, scans):
# policy staff own the diagrams and the parameters, not the cases (PIPL: minimum necessary).
# Case pages, household files, the search and scans do not exist for them (404); the studio
# shows them case numbers only.
NO_PERSONAL_DATA_ROLES = frozenset({"policy_staff"})
