"""Anonymous appeals become their own app, keeping their rows: the tables ``care_appeal``
and ``care_appealrelease`` stay as they are (with the encrypted text and answer), only
Django's record of which app owns the models moves here from ``care`` (``care`` 0005
removes them from its own state). The content types move along, so permissions that
name them keep naming them."""

import uuid

import django.db.models.deletion
from django.db import migrations, models

import qamqor.ops.fields

MODELS = ("appeal", "appealrelease")


def _move_content_types(source: str, target: str):
    def move(apps, schema_editor):
        content_type = apps.get_model("contenttypes", "ContentType")
        rows = content_type.objects.using(schema_editor.connection.alias)
        for model in MODELS:
            if not rows.filter(app_label=target, model=model).exists():
                rows.filter(app_label=source, model=model).update(app_label=target)

    return move


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("care", "0004_encrypted_files"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("directory", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AppealRelease',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('day', models.DateField(unique=True)),
                        ('released', models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        'db_table': 'care_appealrelease',
                    },
                ),
                migrations.CreateModel(
                    name='Appeal',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('category', models.CharField(choices=[('pressure', 'pressure from management'), ('non_specialist_duties', 'non-specialist duties imposed'), ('confidentiality', 'demands to break confidentiality'), ('harassment', 'harassment or threats'), ('workload', 'workload beyond the norm'), ('other', 'other')], max_length=24)),
                        ('text', qamqor.ops.fields.EncryptedTextField()),
                        ('organisation_kind', models.CharField(blank=True, max_length=24)),
                        ('week', models.DateField(help_text='the Monday of the week it was sent; no exact time')),
                        ('released', models.BooleanField(default=False)),
                        ('status', models.CharField(choices=[('received', 'received'), ('in_review', 'under review'), ('answered', 'answered')], default='received', max_length=12)),
                        ('response', qamqor.ops.fields.EncryptedTextField(blank=True)),
                        ('answered_at', models.DateTimeField(blank=True, null=True)),
                        ('followup_code_hash', models.CharField(max_length=64, unique=True)),
                        ('idempotency_hash', models.CharField(blank=True, max_length=64, null=True, unique=True)),
                        ('region', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='directory.region')),
                    ],
                    options={
                        'db_table': 'care_appeal',
                        'ordering': ['-week', 'id'],
                        'indexes': [models.Index(fields=['released', 'week'], name='care_appeal_release_6c535b_idx')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            _move_content_types("care", "appeals"), _move_content_types("appeals", "care")
        ),
    ]
