from django.urls import path

app_name = "studio"

urlpatterns: list = []

# --- incidents
from studio import views_incidents  # noqa: E402

urlpatterns += [
    path("incidents/", views_incidents.incidents, name="incidents"),
    path(
        "incidents/<int:incident_id>/retry/",
        views_incidents.incident_retry,
        name="incident-retry",
    ),
]
