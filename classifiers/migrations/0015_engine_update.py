"""A training run may read photos with another engine than its classifier's (a retraining with the new
engine) and name the version it is compared with."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('classifiers', '0014_looks_like_class'),
    ]

    operations = [
        migrations.AddField(
            model_name='trainingrun',
            name='backbone',
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name='trainingrun',
            name='precision',
            field=models.CharField(blank=True, max_length=8),
        ),
        migrations.AddField(
            model_name='trainingrun',
            name='compared_with',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name='+', to='classifiers.modelversion'),
        ),
    ]
