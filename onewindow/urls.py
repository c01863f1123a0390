from django.urls import path

from onewindow import views

app_name = "onewindow"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_new, name="new"),
    path("<int:request_id>/", views.request_detail, name="request"),
    path("<int:request_id>/refer/", views.request_refer, name="refer"),
    path("<int:request_id>/complaint/", views.request_complaint, name="complaint"),
    path("<int:request_id>/close/", views.request_close, name="close"),
]
