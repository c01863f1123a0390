"""Join the procedure-extension, documents and intake branches; give existing base policies the
extended whole-procedure limit (R6: 45 working days nationally)."""

from django.db import migrations


def fill(apps, schema_editor):
    RegionPolicy = apps.get_model("assistance", "RegionPolicy")
    for record in RegionPolicy.objects.filter(values__has_key="dibao_standard_rural"):
        if "procedure_extended_working_days" not in record.values:
            record.values = {**record.values, "procedure_extended_working_days": 45}
            record.save(update_fields=["values"])


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0007_decide_procedure_extension"),
        ("assistance", "0009_documents_policy_defaults"),
        ("assistance", "0007_intake_case_payment_account"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
