"""Render a task's JSON Schema as a Django form, and carry the schema's errors back onto it.

The JSON Schema stays the only source of validation (the engine checks it on submit); the
Django form only converts browser strings to JSON values and renders the widgets.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from engine.forms import NON_FIELD
from portal import workflow_text


def _choices(spec: dict[str, Any]) -> list[tuple[str, str]] | None:
    # Labels in the active language; the values submitted stay as the schema has them.
    if "oneOf" in spec and all("const" in option for option in spec["oneOf"]):
        return [
            (str(o["const"]), workflow_text.translate(o.get("title", o["const"])))
            for o in spec["oneOf"]
        ]
    if "enum" in spec:
        return [(str(value), workflow_text.translate(value)) for value in spec["enum"]]
    return None


def _field(name: str, spec: dict[str, Any], required: bool) -> forms.Field:
    label = workflow_text.translate(spec.get("title", name))
    # Django renders help text unescaped (it may be HTML); a schema's description is text.
    help_text = escape(workflow_text.translate(spec.get("description", "")))
    kind = spec.get("type")
    choices = _choices(spec)
    if choices is not None:
        return forms.ChoiceField(
            label=label,
            choices=choices,
            required=False,
            widget=forms.RadioSelect,
            help_text=help_text,
        )
    if kind == "boolean":
        return forms.BooleanField(label=label, required=False, help_text=help_text)
    if kind == "string" and spec.get("format") == "date":
        return forms.DateField(
            label=label,
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}),
            help_text=help_text,
        )
    if kind in ("integer", "number"):
        return forms.DecimalField(label=label, required=False, help_text=help_text)
    if kind == "array":
        item_choices = _choices(spec.get("items", {}))
        if item_choices is not None:
            return forms.MultipleChoiceField(
                label=label,
                choices=item_choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text=help_text,
            )
        return forms.CharField(
            label=label,
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=help_text or _("One item per line"),
        )
    widget = (
        forms.Textarea(attrs={"rows": 3}) if spec.get("maxLength", 0) > 200 else forms.TextInput
    )
    return forms.CharField(
        label=label, required=False, widget=widget, strip=True, help_text=help_text
    )


def _item(spec: dict[str, Any], value: str) -> Any:
    # Checkbox values arrive as strings; give integer options back their type.
    return int(value) if spec.get("type") == "integer" else value


class SchemaForm(forms.Form):
    def __init__(self, schema: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schema = schema
        # What the whole form asks, shown above its fields.
        self.description = workflow_text.translate(schema.get("description", ""))
        required = set(schema.get("required", []))
        for name, spec in schema.get("properties", {}).items():
            field = _field(name, spec, name in required)
            if name in required:
                field.label_suffix = " *"
            self.fields[name] = field

    def submission(self) -> dict[str, Any]:
        """The cleaned values as JSON, leaving out what the person left empty."""
        data: dict[str, Any] = {}
        for name, spec in self.schema.get("properties", {}).items():
            value = self.cleaned_data.get(name)
            kind = spec.get("type")
            if kind == "boolean":
                data[name] = bool(value)
            elif value in (None, "", []):
                continue
            elif kind == "array" and isinstance(value, list):
                data[name] = [_item(spec.get("items", {}), v) for v in value]
            elif kind == "array":
                data[name] = [line.strip() for line in str(value).splitlines() if line.strip()]
            elif kind == "integer":
                data[name] = int(value)
            elif kind == "number":
                data[name] = float(value)
            elif hasattr(value, "isoformat"):
                data[name] = value.isoformat()
            else:
                data[name] = value
        return data

    def add_schema_errors(self, errors: dict[str, list[str]]) -> None:
        for field, messages in errors.items():
            target = field.split(".")[0]
            for message in messages:
                self.add_error(
                    target if target in self.fields and target != NON_FIELD else None, message
                )
