from django.urls import path

from studio import views_diff, views_drafts, views_incidents, views_library, views_scenarios

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
        "processes/<int:definition_id>/drafts/",
        views_drafts.draft_create,
        name="draft-create",
    ),
    path(
        "processes/<str:key>/v<int:version>/<str:scope>/",
        views_library.process,
        name="process",
    ),
    path("processes/<int:a>/diff/<int:b>/", views_diff.diff_versions, name="diff-versions"),
    path(
        "processes/<int:a>/diff/<int:b>/<str:side>.json",
        views_diff.diff_versions_diagram,
        name="diff-versions-diagram",
    ),
    path("processes/<int:definition_id>/compare/", views_diff.diff_pick, name="diff-pick"),
    path("drafts/<int:draft_id>/diff/", views_diff.draft_diff, name="draft-diff"),
    path(
        "drafts/<int:draft_id>/diff/<str:side>.json",
        views_diff.draft_diff_diagram,
        name="draft-diff-diagram",
    ),
    path("drafts/<int:draft_id>/", views_drafts.draft, name="draft"),
    path("drafts/<int:draft_id>/diagram.json", views_drafts.draft_diagram, name="draft-diagram"),
    path("drafts/<int:draft_id>/check.json", views_drafts.draft_check, name="draft-check"),
    path(
        "drafts/<int:draft_id>/form-preview",
        views_drafts.draft_form_preview,
        name="draft-form-preview",
    ),
    path("drafts/<int:draft_id>/files/<path:path>", views_drafts.draft_file, name="draft-file"),
    path("drafts/<int:draft_id>/forms/", views_drafts.draft_add_form, name="draft-add-form"),
    path("drafts/<int:draft_id>/submit/", views_drafts.draft_submit, name="draft-submit"),
    path("drafts/<int:draft_id>/approve/", views_drafts.draft_approve, name="draft-approve"),
    path("drafts/<int:draft_id>/return/", views_drafts.draft_return, name="draft-return"),
    path("drafts/<int:draft_id>/discard/", views_drafts.draft_discard, name="draft-discard"),
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
