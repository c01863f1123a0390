"""Forms of the outbound pages: parse and render only; the rules are in actions.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assistance.processes.onewindow import Department
from outbound.actions import SubscriptionData
from outbound.models import DeliveryStatus, EventType, Subscription


class SubscriptionForm(forms.Form):
    department = forms.CharField(label=_("Department"), max_length=100)
    department_code = forms.ChoiceField(
        label=_("Department in the one window's list"),
        choices=[("", "—"), *Department.choices],
        required=False,
        help_text=_("Needed for referrals: a referral goes only to the department it is sent to."),
    )
    url = forms.CharField(
        label=_("Endpoint address (URL)"),
        max_length=500,
        widget=forms.URLInput(attrs={"inputmode": "url", "placeholder": "https://"}),
    )
    event_types = forms.MultipleChoiceField(
        label=_("Events"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )
    region_code = forms.CharField(
        label=_("Region code"),
        max_length=12,
        help_text=_("Events of this region and every region below it (行政区划代码)."),
    )
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    @classmethod
    def for_subscription(cls, subscription: Subscription) -> SubscriptionForm:
        return cls(
            initial={
                "department": subscription.department,
                "department_code": subscription.department_code,
                "url": subscription.url,
                "event_types": subscription.event_types,
                "region_code": subscription.region.code,
                "active": subscription.active,
            }
        )

    def data_for_action(self) -> SubscriptionData:
        data: dict[str, Any] = self.cleaned_data
        return SubscriptionData(
            department=data["department"],
            department_code=data["department_code"],
            url=data["url"],
            event_types=list(data["event_types"]),
            region_code=data["region_code"],
            active=bool(data["active"]),
        )


class LogFilter(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *DeliveryStatus.choices], required=False
    )
