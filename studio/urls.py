from django.urls import path

from studio import views_incidents, views_library, views_parameters

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
    path("parameters/", views_parameters.region_list, name="parameters"),
    path(
        "parameters/changes/<int:change_id>/",
        views_parameters.change,
        name="parameter-change",
    ),
    path(
        "parameters/changes/<int:change_id>/approve/",
        views_parameters.approve,
        name="parameter-change-approve",
    ),
    path(
        "parameters/changes/<int:change_id>/return/",
        views_parameters.send_back,
        name="parameter-change-return",
    ),
    path(
        "parameters/changes/<int:change_id>/withdraw/",
        views_parameters.withdraw,
        name="parameter-change-withdraw",
    ),
    path("parameters/<str:code>/", views_parameters.region, name="region-parameters"),
    path(
        "parameters/<str:code>/propose/",
        views_parameters.propose,
        name="propose-parameters",
    ),
]
