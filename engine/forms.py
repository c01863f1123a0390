"""Server-side validation of task submissions against the task's JSON Schema.

Error messages are written for the person at the form, in their language, one list per
field; jsonschema's own English messages are only a fallback for rare keywords.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

NON_FIELD = "__all__"

# The formats a form may name: jsonschema's own, and "luhn" for numbers carrying a Luhn
# check digit (bank cards), so a mistyped card is refused at the form.
FORMATS = FormatChecker()


@FORMATS.checks("luhn")
def _luhn(value: object) -> bool:
    if not isinstance(value, str) or not value.isdigit():
        return True  # the pattern keyword speaks for the shape
    total = 0
    for position, char in enumerate(reversed(value)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


class FormInvalid(ValueError):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{field}: {', '.join(msgs)}" for field, msgs in errors.items()))
        self.errors = errors


def _field(error: ValidationError) -> str:
    path = [str(part) for part in error.absolute_path]
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        path.append(missing)
    return ".".join(path) or NON_FIELD


def _message(error: ValidationError, schema: dict[str, Any]) -> str:
    value = error.validator_value
    messages = {
        "required": _("This field is required."),
        "type": _("This value has the wrong type."),
        "enum": _("Choose one of the offered options."),
        "oneOf": _("Choose one of the offered options."),
        "const": _("This value is not allowed here."),
        "minLength": _("Enter at least %(n)s characters.") % {"n": value},
        "maxLength": _("Enter at most %(n)s characters.") % {"n": value},
        "minimum": _("Enter a value of at least %(n)s.") % {"n": value},
        "maximum": _("Enter a value of at most %(n)s.") % {"n": value},
        "exclusiveMinimum": _("Enter a value greater than %(n)s.") % {"n": value},
        "format": (
            _("The bank card number is wrong: its check digit does not match.")
            if value == "luhn"
            else _("Enter a valid %(format)s.") % {"format": value}
        ),
        "pattern": _("This value does not have the expected format."),
        "minItems": _("Add at least %(n)s entries.") % {"n": value},
        "maxItems": _("Add at most %(n)s entries.") % {"n": value},
        "additionalProperties": _("Unexpected fields were submitted."),
    }
    return messages.get(str(error.validator), error.message)


def validate_submission(schema: dict[str, Any], data: Any) -> None:
    validator = Draft202012Validator(schema, format_checker=FORMATS)
    errors: dict[str, list[str]] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        errors.setdefault(_field(error), []).append(_message(error, schema))
    if errors:
        raise FormInvalid(errors)
