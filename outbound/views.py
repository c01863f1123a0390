"""The outbound events pages: subscriptions (list, new, change, new secret), each one's
delivery log, a delivery's attempts and "retry now". Thin: access helper, form, one do_*,
message, redirect; the secret is shown once, on the answer to the POST that made it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assistance.actions import ActionError
from outbound import access, actions, queries
from outbound.forms import LogFilter, SubscriptionForm
from outbound.models import DeliveryStatus, Subscription
from portal.http import AuthedRequest


@login_required
@require_GET
def subscription_list(request: AuthedRequest) -> HttpResponse:
    access.require_reader(request.user)
    context = {
        "subscriptions": queries.subscription_list(access.subscriptions_for_user(request.user)),
        "manages": access.manages(request.user),
    }
    return render(request, "outbound/list.html", context)


def _secret_page(request: AuthedRequest, subscription: Subscription, secret: str) -> HttpResponse:
    return render(request, "outbound/secret.html", {"subscription": subscription, "secret": secret})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def subscription_new(request: AuthedRequest) -> HttpResponse:
    access.require_manager(request.user)
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription, secret = actions.do_create_subscription(
                form.data_for_action(), actor=request.user
            )
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            return _secret_page(request, subscription, secret)
    status = 400 if form.is_bound else 200
    return render(request, "outbound/form.html", {"form": form}, status=status)


@login_required
@require_GET
def subscription_detail(request: AuthedRequest, subscription_id: int) -> HttpResponse:
    subscription = access.get_subscription_for_user(request.user, subscription_id, to_act=False)
    filters = LogFilter(request.GET or None)
    status = filters.cleaned_data["status"] if filters.is_valid() else ""
    context = {
        "subscription": subscription,
        "filters": filters,
        "page": queries.delivery_log(subscription, status, request.GET.get("page")),
        "manages": access.manages(request.user),
        "retryable": (DeliveryStatus.FAILED, DeliveryStatus.PENDING),
    }
    return render(request, "outbound/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def subscription_edit(request: AuthedRequest, subscription_id: int) -> HttpResponse:
    subscription = access.get_subscription_for_user(request.user, subscription_id, to_act=True)
    if request.method == "GET":
        form = SubscriptionForm.for_subscription(subscription)
    else:
        form = SubscriptionForm(request.POST)
        if form.is_valid():
            try:
                actions.do_update_subscription(
                    subscription.pk, form.data_for_action(), actor=request.user
                )
            except ActionError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The subscription is saved."))
                return redirect("outbound:subscription", subscription_id=subscription.pk)
    status = 400 if form.is_bound else 200
    context = {"form": form, "subscription": subscription}
    return render(request, "outbound/form.html", context, status=status)


@never_cache
@login_required
@require_POST
def subscription_secret(request: AuthedRequest, subscription_id: int) -> HttpResponse:
    subscription = access.get_subscription_for_user(request.user, subscription_id, to_act=True)
    secret = actions.do_rotate_secret(subscription.pk, actor=request.user)
    return _secret_page(request, subscription, secret)


@login_required
@require_GET
def delivery_detail(request: AuthedRequest, delivery_id: int) -> HttpResponse:
    delivery = access.get_delivery_for_user(request.user, delivery_id, to_act=False)
    context = {
        "delivery": delivery,
        "attempts": queries.attempts_of(delivery),
        "manages": access.manages(request.user),
        "retryable": delivery.status in (DeliveryStatus.FAILED, DeliveryStatus.PENDING),
    }
    return render(request, "outbound/delivery.html", context)


@login_required
@require_POST
def delivery_retry(request: AuthedRequest, delivery_id: int) -> HttpResponse:
    delivery = access.get_delivery_for_user(request.user, delivery_id, to_act=True)
    try:
        actions.do_retry_delivery(delivery.pk, actor=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The delivery is being sent again."))
    return redirect("outbound:delivery", delivery_id=delivery.pk)
