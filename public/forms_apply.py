"""The online application's forms: the counter's household, member and intake forms, less
what only staff decide (who is covered, single-person cover), plus a phone and the scans."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assistance.models import EvidenceKind, Region, RegionLevel
from portal.forms import BaseMemberFormSet, HouseholdForm, MemberForm
from public.actions_apply import MAX_FILES_PER_SUBMISSION, ONLINE_EVIDENCE_KINDS

ACCEPT = "image/*,application/pdf"


def village_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """Every village, grouped by township: the applicant picks where the household is registered."""
    groups: dict[str, list[tuple[int, str]]] = {}
    villages = (
        Region.objects.filter(level=RegionLevel.VILLAGE)
        .select_related("parent")
        .order_by("parent__code", "code")
    )
    for village in villages:
        township = village.parent.name if village.parent else ""
        groups.setdefault(township, []).append((village.pk, village.name))
    return list(groups.items())


class OnlineHouseholdForm(HouseholdForm):
    contact_phone = forms.CharField(
        label=_("Contact mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, villages=[], **kwargs)
        self.fields["village"].choices = [("", "—"), *village_choices()]  # type: ignore[attr-defined]


class OnlineMemberForm(MemberForm):
    """Who is covered and single-person cover are the township's to decide."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["covered"]
        del self.fields["single_cover"]
        self.fields["resident_id"].widget.attrs.update({"autocomplete": "off"})


OnlineMemberFormSet = forms.formset_factory(
    OnlineMemberForm,
    formset=BaseMemberFormSet,
    extra=0,
    max_num=20,
    validate_max=True,
    min_num=1,
    validate_min=True,
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ScansField(forms.FileField):
    """Several files from one input (a phone takes one photo per page)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": ACCEPT, "capture": "environment"}),
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ScansForm(forms.Form):
    """One file input per kind of document; the names of the kinds are the field names."""

    def __init__(self, *args: Any, kinds: tuple[str, ...] = ONLINE_EVIDENCE_KINDS, **kwargs: Any):
        # Prefixed: a kind's name ("hukou") may be a household field's too.
        kwargs.setdefault("prefix", "scan")
        super().__init__(*args, **kwargs)
        for kind in kinds:
            self.fields[kind] = ScansField(label=EvidenceKind(kind).label)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if sum(len(files or []) for files in data.values()) > MAX_FILES_PER_SUBMISSION:
            raise forms.ValidationError(
                _("At most %(count)s files at a time."),
                params={"count": MAX_FILES_PER_SUBMISSION},
            )
        return data

    def files_by_kind(self) -> list[tuple[str, Any]]:
        return [(kind, upload) for kind, files in self.cleaned_data.items() for upload in files]


class LookupForm(forms.Form):
    number = forms.CharField(
        label=_("Reference number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    resident_id = forms.CharField(
        label=_("Applicant's resident ID"),
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
