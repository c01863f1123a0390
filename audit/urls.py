from django.urls import URLPattern, URLResolver, include, path

app_name = "audit"

urlpatterns: list[URLPattern | URLResolver] = [
    path("reports/", include("audit.reports.urls")),
]
