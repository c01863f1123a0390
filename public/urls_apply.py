from django.urls import URLPattern, URLResolver, path

from public import views_apply

urlpatterns: list[URLPattern | URLResolver] = [
    path("apply/", views_apply.apply_start, name="apply"),
    path("apply/status/", views_apply.apply_status, name="apply-status"),
    path("apply/status/scans/", views_apply.apply_upload, name="apply-upload"),
    path("apply/status/forget/", views_apply.apply_forget, name="apply-forget"),
    path("apply/<slug:kind_code>/", views_apply.apply_form, name="apply-form"),
]
