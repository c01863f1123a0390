"""The queue's indexes (engine.models.Task.Meta), built without blocking the projections."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("engine", "0011_task_region_path_backfill"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="task",
            index=models.Index(
                fields=["lane_role", "region_path", "due_date", "id"],
                name="task_queue_path",
                opclasses=["", "varchar_pattern_ops", "", ""],
            ),
        ),
        AddIndexConcurrently(
            model_name="task",
            index=models.Index(
                models.F("lane_role"),
                models.Func(
                    models.F("region_path"),
                    output_field=models.CharField(),
                    template="split_part(%(expressions)s, '/', 4)",
                ),
                models.F("due_date"),
                models.F("id"),
                name="task_queue_depth3",
                include=["region_path", "claimed_by", "case", "spec_name", "title"],
            ),
        ),
        AddIndexConcurrently(
            model_name="task",
            index=models.Index(
                models.F("lane_role"),
                models.Func(
                    models.F("region_path"),
                    output_field=models.CharField(),
                    template="split_part(%(expressions)s, '/', 5)",
                ),
                models.F("due_date"),
                models.F("id"),
                name="task_queue_depth4",
                include=["region_path", "claimed_by", "case", "spec_name", "title"],
            ),
        ),
    ]
