from django.urls import URLPattern, URLResolver, include, path

from payments import views

app_name = "payments"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("build/", views.roster_build, name="build"),
    path("rosters/<int:roster_id>/", views.roster_detail, name="roster"),
    path("rosters/<int:roster_id>/progress.json", views.roster_progress, name="progress"),
    path("rosters/<int:roster_id>/approve/", views.roster_approve, name="approve"),
    path("rosters/<int:roster_id>/export/<str:fmt>/", views.roster_export, name="export"),
    path("rosters/<int:roster_id>/import/", views.roster_import, name="import"),
    path("cases/<int:case_id>/account/", views.case_account, name="account"),
    path("grants/", include("payments.urls_grants")),
]
