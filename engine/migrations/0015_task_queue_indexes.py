"""The queue's indexes (engine.models.Task.Meta), built without blocking the projections."""

from typing import Any

from django.contrib.postgres.operations import AddIndexConcurrently as _Concurrently
from django.db import migrations, models


class AddIndexConcurrently(_Concurrently):
    """PostgreSQL only: SQLite (the embedded default) has no split_part and no concurrent
    build; its queues filter on the path's prefix (engine.models._AncestorIs)."""

    def database_forwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, *args)

    def database_backwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, *args)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("engine", "0014_task_region_path_backfill"),
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
