"""Mounted at /audit/reports/ by audit/urls.py, in the "audit" namespace."""

from django.urls import URLPattern, path

from audit.reports import views

urlpatterns: list[URLPattern] = [
    path("", views.report_list, name="reports"),
    path("<slug:code>.xlsx", views.report_export, name="report-xlsx"),
    path("<slug:code>/", views.report_detail, name="report"),
]
