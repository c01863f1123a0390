"""Give existing base policies the parameters added with 增发 and the temporary-aid limits,
at values that change nothing: no supplement, limits by multiple, a 365-day window."""

from django.db import migrations

NEUTRAL = {
    "dibao_supplement_elderly": "0.00",
    "dibao_supplement_elderly_age": 60,
    "dibao_supplement_minor": "0.00",
    "dibao_supplement_severe_disability": "0.00",
    "dibao_supplement_serious_illness": "0.00",
    "temporary_township_limit_fixed": None,
    "temporary_max_fixed": None,
    "temporary_same_cause_window_days": 365,
}


def fill(apps, schema_editor):
    RegionPolicy = apps.get_model("assistance", "RegionPolicy")
    # A base policy is one that sets the standards; overrides below it inherit the new keys.
    for record in RegionPolicy.objects.filter(values__has_key="dibao_standard_rural"):
        missing = {key: value for key, value in NEUTRAL.items() if key not in record.values}
        if missing:
            record.values = {**record.values, **missing}
            record.save(update_fields=["values"])


class Migration(migrations.Migration):
    dependencies = [("assistance", "0008_documents_standard_override")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
