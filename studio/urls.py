from django.urls import path  # noqa: F401 - the views add their routes here

app_name = "studio"

urlpatterns: list = []
