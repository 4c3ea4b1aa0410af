"""SearchJob moves from the scraper app to this one. Only Django's picture of the models changes: the table
keeps its name (scraper_searchjob), its rows, its constraint and the photos' foreign key to it."""

import uuid

import django.db.models.deletion
from django.db import migrations, models

import classifiers.models


class Migration(migrations.Migration):
    dependencies = [
        ("classifiers", "0003_example_review_fields"),
        ("scraper", "0003_searchjob_hold_for_review"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SearchJob",
                    fields=[
                        ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ("query", models.CharField(max_length=300)),
                        ("requested", models.PositiveIntegerField()),
                        ("providers", models.JSONField(default=list)),
                        ("status", models.CharField(choices=[("queued", "Queued"), ("running", "Running"),
                                                             ("succeeded", "Succeeded"), ("failed", "Failed"),
                                                             ("cancelled", "Cancelled")],
                                                    db_index=True, default="queued", max_length=20)),
                        ("counts", models.JSONField(default=classifiers.models.empty_counts)),
                        ("error", models.TextField(blank=True)),
                        ("cancel_requested", models.BooleanField(default=False)),
                        ("hold_for_review", models.BooleanField(default=False)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("heartbeat_at", models.DateTimeField(blank=True, null=True)),
                        ("label", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                    related_name="search_jobs", to="classifiers.label")),
                    ],
                    options={
                        "db_table": "scraper_searchjob",
                        "ordering": ["-created_at"],
                        "constraints": [
                            models.UniqueConstraint(condition=models.Q(("status__in", ["queued", "running"])),
                                                    fields=("label",), name="one_active_search_per_label"),
                        ],
                    },
                ),
                migrations.AlterField(
                    model_name="example",
                    name="search_job",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                            related_name="examples", to="classifiers.searchjob"),
                ),
            ],
            database_operations=[],
        ),
    ]
