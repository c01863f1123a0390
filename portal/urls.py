from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal import views

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("login/", auth_views.LoginView.as_view(template_name="portal/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tasks/<int:task_id>/", views.task_detail, name="task"),
    path("tasks/<int:task_id>/claim/", views.task_claim, name="task-claim"),
    path("tasks/<int:task_id>/unclaim/", views.task_unclaim, name="task-unclaim"),
    path("tasks/<int:task_id>/assign/", views.task_assign, name="task-assign"),
    path("applications/new/", views.application_new, name="application-new"),
    path("relatives/", views.relatives, name="relatives"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/diagram.json", views.case_diagram, name="case-diagram"),
    path("cases/<int:case_id>/evidence/", views.evidence_upload, name="evidence-upload"),
    path("evidence/<int:evidence_id>/", views.evidence_download, name="evidence-download"),
    path("evidence/<int:evidence_id>/view/", views.evidence_view, name="evidence-view"),
    path("cases/<int:case_id>/check-result/", views.case_check_result, name="case-check-result"),
    path("cases/<int:case_id>/objection/", views.case_objection, name="case-objection"),
    path(
        "cases/<int:case_id>/extend-procedure/",
        views.case_extend_procedure,
        name="case-extend-procedure",
    ),
    path("households/<int:household_id>/", views.household_detail, name="household"),
    path("search/", views.search, name="search"),
    path("cases/<int:case_id>/exit/", views.case_exit, name="case-exit"),
    path("cases/<int:case_id>/classify/", views.case_classify, name="case-classify"),
    path("cases/<int:case_id>/reclassify/", views.case_reclassify, name="case-reclassify"),
    path("cases/<int:case_id>/change/", views.case_report_change, name="case-report-change"),
    path("cases/<int:case_id>/review-check/", views.case_review_check, name="case-review-check"),
    path(
        "cases/<int:case_id>/documents/<slug:code>/",
        views.document_issue,
        name="document-issue",
    ),
    path("studio/", include("studio.urls")),
    path("audit/", include("audit.urls")),
    path("public/", include("public.urls")),
    path("payments/", include("payments.urls")),
    path("window/", include("onewindow.urls")),
    path("exchanges/", include("exchanges.urls")),
    path("outbound/", include("outbound.urls")),
    path("api/", include("api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler403 = "portal.views.errors.forbidden"
handler404 = "portal.views.errors.not_found"
handler500 = "portal.views.errors.server_error"
