# ApiKey now belongs to the accounts app (accounts 0001), which keeps the table nanoweb_apikey: drop the
# model from nanoweb's migration state only, never the table.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("nanoweb", "0001_initial"),
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ApiKey"),
            ],
            database_operations=[],
        ),
    ]
