from django.urls import URLPattern, URLResolver, include, path

from audit import views_analytics, views_case, views_search

app_name = "audit"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views_search.home, name="home"),
    path("search/", views_search.search, name="search"),
    path("search/export.<str:fmt>", views_search.search_export, name="search-export"),
    path("analytics/", views_analytics.analytics_page, name="analytics"),
    path("analytics/data.json", views_analytics.analytics_data, name="analytics-data"),
    path("analytics/diagram.json", views_analytics.analytics_diagram, name="analytics-diagram"),
    path("analytics/export.xlsx", views_analytics.analytics_export, name="analytics-export"),
    path("cases/<int:case_id>/", views_case.case_page, name="case"),
    path("cases/<int:case_id>/replay.json", views_case.case_replay, name="case-replay"),
    path("cases/<int:case_id>/case-file.pdf", views_case.case_pdf_file, name="case-pdf"),
    path("reports/", include("audit.reports.urls")),
]
