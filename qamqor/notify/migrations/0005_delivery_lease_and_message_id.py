"""Leases, hand-over marks, retry horizons and one Message-ID per notification.

The Message-ID is unique: existing rows get one each (a data step) before the column
becomes unique, as Django's "migrations that add unique fields" recipe does.
"""

import uuid

from django.db import migrations, models

import qamqor.notify.models


def give_each_a_message_id(apps, schema_editor):
    notification = apps.get_model("notify", "Notification")
    for pk in notification.objects.filter(message_id__isnull=True).values_list("pk", flat=True):
        notification.objects.filter(pk=pk).update(
            message_id=f"<{uuid.uuid4().hex}@qamqor.invalid>"
        )


class Migration(migrations.Migration):

    dependencies = [
        ("notify", "0004_sms_channel_and_receipts"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="message_id",
            field=models.CharField(max_length=255, null=True),
        ),
        migrations.RunPython(give_each_a_message_id, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="notification",
            name="message_id",
            field=models.CharField(
                default=qamqor.notify.models.new_message_id,
                help_text="the Message-ID header, the same on every try, for de-duplication",
                max_length=255,
                unique=True,
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="lease_expires_at",
            field=models.DateTimeField(
                blank=True, help_text="a sending claim older than this is taken back", null=True
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="handed_over_at",
            field=models.DateTimeField(
                blank=True,
                help_text="when the transport began to hand the message over in the current try",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="retry_until",
            field=models.DateTimeField(
                blank=True,
                help_text="no retry after this; empty: created + the horizon",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "pending"),
                    ("sending", "sending"),
                    ("sent", "sent"),
                    ("failed", "failed"),
                    ("cancelled", "cancelled: the case's protocol forbids it"),
                    ("unconfirmed", "delivery unconfirmed"),
                ],
                db_index=True,
                default="pending",
                max_length=12,
            ),
        ),
    ]
