"""Anonymous appeals moved to their own app (``appeals`` 0001): ``care`` forgets the models
without touching the tables, which ``appeals`` now owns under the same names."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0004_encrypted_files"),
        ("appeals", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="appeal", name="region"),
                migrations.DeleteModel(name="AppealRelease"),
                migrations.DeleteModel(name="Appeal"),
            ],
            database_operations=[],
        ),
    ]
