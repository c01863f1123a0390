"""Forms of the actions on a case page: exit, review class, reported change, review check.

Parse and render only: the rules are the `do_*` actions'. Choices that depend on the case
(the exit reasons of its kind, the changes the user may report, its household's members)
are passed in by the view.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assistance.models import Member
from engine.clock import clock

EXIT_REASON_LABELS = {
    "death": _("Death"),
    "income_above_standard": _("Income above the standard"),
    "moved_away": _("Household registration moved away"),
    "prison": _("Serving a prison sentence"),
    "voluntary": _("Asked to leave"),
    "work_capacity": _("Regained capacity to work"),
    "supporter_found": _("A supporter able to provide was found"),
}

REVIEW_CLASS_CHOICES = [
    ("A", _("Class A: stable, reviewed yearly")),
    ("B", _("Class B: basically stable, reviewed yearly")),
    ("C", _("Class C: unstable, reviewed quarterly (urban) or half-yearly (rural)")),
]

CHANGE_LABELS = {
    "income": _("Income or property changed"),
    "members": _("Household members changed"),
    "care": _("Self-care ability changed"),
    "death": _("A member died"),
}

DEATH_DATE_REQUIRED = _("Give the date of death.")


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _not_in_future(form: forms.Form, field: str) -> None:
    day = form.cleaned_data.get(field)
    if day is not None and day > clock.today():
        form.add_error(field, _("The date is in the future."))


class ExitForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason for the exit"), widget=forms.RadioSelect)
    died_on = forms.DateField(
        label=_("Date of death (for a death only)"), required=False, widget=_date_widget()
    )
    note = forms.CharField(
        label=_("Circumstances"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, reasons: Iterable[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [  # type: ignore[attr-defined]
            (code, EXIT_REASON_LABELS.get(code, code))
            for code in EXIT_REASON_LABELS
            if code in set(reasons)
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("reason") == "death" and cleaned.get("died_on") is None:
            self.add_error("died_on", DEATH_DATE_REQUIRED)
        _not_in_future(self, "died_on")
        return cleaned

    def details(self) -> dict[str, Any]:
        details: dict[str, Any] = {}
        if self.cleaned_data["note"].strip():
            details["note"] = self.cleaned_data["note"].strip()
        if self.cleaned_data["reason"] == "death":
            details["died_on"] = self.cleaned_data["died_on"].isoformat()
        return details


class ClassifyForm(forms.Form):
    review_class = forms.ChoiceField(
        label=_("Review class"), choices=REVIEW_CLASS_CHOICES, widget=forms.RadioSelect
    )


class ReclassifyForm(ClassifyForm):
    reason = forms.CharField(
        label=_("Reason for the change"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReportChangeForm(forms.Form):
    change = forms.ChoiceField(label=_("What changed"), widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("What was reported, and by whom"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    member: forms.ModelChoiceField[Member] = forms.ModelChoiceField(
        label=_("Member who died (for a death only)"),
        queryset=Member.objects.none(),
        required=False,
    )
    died_on = forms.DateField(
        label=_("Date of death (for a death only)"), required=False, widget=_date_widget()
    )

    def __init__(self, *args: Any, changes: Iterable[str], members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["change"].choices = [  # type: ignore[attr-defined]
            (code, CHANGE_LABELS[code]) for code in changes
        ]
        self.fields["member"].queryset = members  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("change") == "death":
            if cleaned.get("member") is None:
                self.add_error("member", _("Choose the member who died."))
            if cleaned.get("died_on") is None:
                self.add_error("died_on", DEATH_DATE_REQUIRED)
        _not_in_future(self, "died_on")
        return cleaned


def _yes_no(label: Any, yes: Any, no: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[("yes", yes), ("no", no)],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )


class ReviewCheckForm(forms.Form):
    eligible = _yes_no(
        _("Check result"), _("Still meets the conditions"), _("No longer meets the conditions")
    )
    changed = _yes_no(_("Income, property or members changed"), _("Changed"), _("No change found"))
    report_no = forms.CharField(label=_("Report number"), max_length=50)
    reasons = forms.CharField(
        label=_("What changed, or why the household no longer qualifies"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        needs_reasons = cleaned.get("eligible") is False or cleaned.get("changed") is True
        if needs_reasons and len(cleaned.get("reasons", "").strip()) < 2:
            self.add_error(
                "reasons", _("Describe what changed or why the household no longer qualifies.")
            )
        return cleaned
