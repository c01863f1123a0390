from django.urls import URLPattern, URLResolver, path

from audit import views_case

app_name = "audit"

urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<int:case_id>/", views_case.case_page, name="case"),
    path("cases/<int:case_id>/replay.json", views_case.case_replay, name="case-replay"),
    path("cases/<int:case_id>/case-file.pdf", views_case.case_pdf_file, name="case-pdf"),
]
