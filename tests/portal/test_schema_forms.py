"""The task form renderer: labels, help and options in the active language; values unchanged."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.utils import translation

from portal.schema_forms import SchemaForm

WORKFLOWS = Path(settings.WORKFLOWS_DIR)


def form_schema(name: str) -> dict:
    return json.loads((WORKFLOWS / "forms" / name).read_text(encoding="utf-8"))


def test_it_renders_labels_and_options_in_english() -> None:
    with translation.override("en"):
        form = SchemaForm(form_schema("dibao_acceptance.json"))
        html = form.as_p()
        assert form.fields["missing_items"].help_text == "One item per line"
    assert form.fields["acceptance_decision"].label == "Acceptance decision"
    assert list(form.fields["acceptance_decision"].choices) == [
        ("complete", "Documents complete: accept"),
        ("incomplete", "Documents incomplete: one-time notice of what to supply"),
        ("ineligible", "Clearly ineligible: do not accept"),
    ]
    assert "材料" not in html and "受理" not in html


def test_it_renders_chinese_by_default() -> None:
    with translation.override("zh-hans"):
        form = SchemaForm(form_schema("dibao_acceptance.json"))
        html = form.as_p()
    assert form.fields["acceptance_decision"].label == "受理决定"
    assert ("complete", "材料齐全，予以受理") in list(form.fields["acceptance_decision"].choices)
    assert "每行一项" in html


def test_it_renders_descriptions_as_help() -> None:
    with translation.override("en"):
        form = SchemaForm(form_schema("tekun_care_assessment.json"))
        field = SchemaForm(
            {"properties": {"note": {"type": "string", "title": "说明", "description": "理由"}}}
        ).fields["note"]
    assert form.description.startswith("All 6 items possible: fully self-reliant")
    assert (field.label, field.help_text) == ("Notes", "Reasons")
    with translation.override("zh-hans"):
        assert SchemaForm(form_schema("tekun_care_assessment.json")).description.startswith("6项")


def test_it_offers_array_options_as_checkboxes_and_submits_their_values() -> None:
    schema = form_schema("elderly_verify.json")
    with translation.override("en"):
        form = SchemaForm(
            schema,
            {
                "verified_on": "2026-03-02",
                "compared_with": ["hukou", "id_card"],
                "verify_result": "pass",
            },
        )
        assert ("hukou", "Household registration") in list(form.fields["compared_with"].choices)
        assert form.is_valid(), form.errors
    assert form.submission() == {
        "verified_on": "2026-03-02",
        "compared_with": ["hukou", "id_card"],
        "verify_result": "pass",
    }


def test_it_leaves_out_an_empty_checkbox_list() -> None:
    form = SchemaForm(form_schema("elderly_verify.json"), {"verify_result": "fail"})
    assert form.is_valid(), form.errors
    assert form.submission() == {"verify_result": "fail"}


def test_it_keeps_integer_options_integers() -> None:
    form = SchemaForm(
        form_schema("disability_federation_review.json"),
        {"federation_decision": "confirmed", "confirmed_grade": "2"},
    )
    assert form.is_valid(), form.errors
    assert form.submission()["confirmed_grade"] == 2


def test_it_shows_a_description_as_text_not_html() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string", "description": "<img src=x>"}},
    }
    html = SchemaForm(schema).as_p()
    assert "<img" not in html and "&lt;img src=x&gt;" in html
