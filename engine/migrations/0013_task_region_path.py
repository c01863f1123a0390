from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("engine", "0012_timer_enqueued_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="task",
            name="region_path",
            field=models.CharField(default="", editable=False, max_length=255),
        ),
    ]
