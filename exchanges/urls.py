from django.urls import path

from exchanges import views

app_name = "exchanges"

urlpatterns = [
    path("", views.home, name="home"),
    path("checks/", views.checks, name="checks"),
    path("checks/import/", views.checks_import, name="checks-import"),
    path("deaths/", views.deaths, name="deaths"),
    path("deaths/import/", views.deaths_import, name="deaths-import"),
    path("imports/<int:import_id>/", views.import_report, name="import"),
    path("registry/", views.registry_page, name="registry"),
    path("registry/import/", views.registry_import, name="registry-import"),
    path(
        "registry/imports/<int:import_id>/",
        views.registry_import_report,
        name="registry-import-report",
    ),
    path("registry/differences/", views.differences, name="differences"),
    path(
        "registry/differences/<int:difference_id>/resolve/",
        views.difference_resolve,
        name="difference-resolve",
    ),
]
