from django.urls import path

from studio import views_incidents, views_library, views_scenarios

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
    # Scenario tests: a draft's, and the shipped ones of a deployed version.
    path(
        "drafts/<int:draft_id>/scenarios/",
        views_scenarios.draft_scenarios,
        name="draft-scenarios",
    ),
    path(
        "drafts/<int:draft_id>/scenarios/run/",
        views_scenarios.draft_scenarios_run,
        name="draft-scenarios-run",
    ),
    path(
        "drafts/<int:draft_id>/scenarios/<int:index>/",
        views_scenarios.draft_scenario,
        name="draft-scenario",
    ),
    path(
        "drafts/<int:draft_id>/scenarios/<int:index>/diagram.json",
        views_scenarios.draft_scenario_diagram,
        name="draft-scenario-diagram",
    ),
    path(
        "processes/<int:definition_id>/scenarios/",
        views_scenarios.process_scenarios,
        name="process-scenarios",
    ),
    path(
        "processes/<int:definition_id>/scenarios/run/",
        views_scenarios.process_scenarios_run,
        name="process-scenarios-run",
    ),
    path(
        "processes/<int:definition_id>/scenarios/<int:index>/",
        views_scenarios.process_scenario,
        name="process-scenario",
    ),
    path(
        "processes/<int:definition_id>/scenarios/<int:index>/diagram.json",
        views_scenarios.process_scenario_diagram,
        name="process-scenario-diagram",
    ),
    path(
        "incidents/<int:incident_id>/retry/",
        views_incidents.incident_retry,
        name="incident-retry",
    ),
]
