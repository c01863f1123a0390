from django.urls import path

from studio import views_library

app_name = "studio"

urlpatterns: list = []

# --- library
urlpatterns += [
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
]
