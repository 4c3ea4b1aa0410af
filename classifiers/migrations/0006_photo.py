"""Example becomes Photo, the word the pages use, and ExampleFeature PhotoFeature. Only Django's picture of the
models changes: the tables keep their names and their rows, the feature's column stays example_id."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("classifiers", "0005_job_lifecycle"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameModel("Example", "Photo"),
                migrations.AlterModelTable("photo", "classifiers_example"),
                migrations.RenameModel("ExampleFeature", "PhotoFeature"),
                migrations.AlterModelTable("photofeature", "classifiers_examplefeature"),
                migrations.RemoveConstraint("photofeature", "one_feature_per_backbone"),
                migrations.RenameField("photofeature", "example", "photo"),
                migrations.AlterField(
                    "photofeature", "photo",
                    models.ForeignKey(db_column="example_id", on_delete=django.db.models.deletion.CASCADE,
                                      related_name="features", to="classifiers.photo"),
                ),
                migrations.AddConstraint(
                    "photofeature",
                    models.UniqueConstraint(fields=("photo", "backbone"), name="one_feature_per_backbone"),
                ),
                migrations.AlterField(
                    "photo", "label",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="photos",
                                      to="classifiers.label"),
                ),
                migrations.AlterField(
                    "photo", "search_job",
                    models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                      related_name="photos", to="classifiers.searchjob"),
                ),
            ],
            database_operations=[],
        ),
    ]
