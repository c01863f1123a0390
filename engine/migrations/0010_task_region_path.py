from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("engine", "0009_instance_remembers_projected_rows"),
    ]

    operations = [
        migrations.AddField(
            model_name="task",
            name="region_path",
            field=models.CharField(default="", editable=False, max_length=255),
        ),
    ]
