from django.urls import path

from studio import views_incidents, views_library

app_name = "studio"

urlpatterns = [
    path("", views_library.library, name="library"),
    path("processes/<int:definition_id>/", views_library.process_by_id, name="process-by-id"),
    path(
        "processes/<int:definition_id>/diagram.json",
        views_library.process_diagram,
        name="process-diagram",
    ),
    path(
        "processes/<str:key>/v<int:version>/<str:scope>/",
        views_library.process,
        name="process",
    ),
    path("incidents/", views_incidents.incidents, name="incidents"),
    path(
        "incidents/<int:incident_id>/retry/",
        views_incidents.incident_retry,
        name="incident-retry",
    ),
]
