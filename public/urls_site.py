from django.urls import URLPattern, URLResolver, path

from public import views_site as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("notices/", views.notices, name="notices"),
    path("notices/<int:notice_id>/", views.notice, name="notice"),
    path("objections/receipt/", views.objection_receipt, name="objection-receipt"),
    path("objections/lookup/", views.lookup, name="lookup"),
    path("disclosure/", views.disclosure, name="disclosure"),
    path("info/<slug:kind>/", views.pages, name="pages"),
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.manage_page, name="manage-new"),
    path("manage/<int:page_id>/", views.manage_page, name="manage-page"),
]
