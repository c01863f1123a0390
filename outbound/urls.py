from django.urls import URLPattern, path

from outbound import views

app_name = "outbound"

urlpatterns: list[URLPattern] = [
    path("", views.subscription_list, name="list"),
    path("new/", views.subscription_new, name="new"),
    path("<int:subscription_id>/", views.subscription_detail, name="subscription"),
    path("<int:subscription_id>/edit/", views.subscription_edit, name="edit"),
    path("<int:subscription_id>/secret/", views.subscription_secret, name="secret"),
    path("deliveries/<int:delivery_id>/", views.delivery_detail, name="delivery"),
    path("deliveries/<int:delivery_id>/retry/", views.delivery_retry, name="retry"),
]
