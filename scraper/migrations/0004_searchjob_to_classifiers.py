"""SearchJob now lives in classifiers (classifiers 0004 took over its table); the scraper app keeps no
models, only these migrations, which build the table on a new database."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("scraper", "0003_searchjob_hold_for_review"),
        ("classifiers", "0004_searchjob_from_scraper"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SearchJob")],
            database_operations=[],
        ),
    ]
