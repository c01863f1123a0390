"""Copy each open task's region path onto its row, a batch of ids per transaction: a large
engine_task is never locked whole, and the projections written meanwhile fill it themselves."""

from django.db import migrations
from django.db.models import OuterRef, Subquery

BATCH = 10_000


def backfill(apps, schema_editor):
    Task = apps.get_model("engine", "Task")
    Region = apps.get_model("assistance", "Region")
    path = Subquery(Region.objects.filter(pk=OuterRef("region_id")).values("path")[:1])
    last = 0
    while True:
        ids = list(
            Task.objects.filter(pk__gt=last, region_path="")
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            return
        Task.objects.filter(pk__gte=ids[0], pk__lte=ids[-1], region_path="").update(
            region_path=path
        )
        last = ids[-1]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("assistance", "0015_case_channel_db_default"),
        ("engine", "0013_task_region_path"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
