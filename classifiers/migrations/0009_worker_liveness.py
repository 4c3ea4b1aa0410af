"""Workers report themselves (Worker), and a job row says when its task was sent and who claimed it, so
that a job whose message the queue lost is sent again and a dead worker's job is resumed at once."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('classifiers', '0008_precision'),
    ]

    operations = [
        migrations.CreateModel(
            name='Worker',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('node', models.CharField(max_length=255, unique=True)),
                ('instance', models.CharField(db_index=True, max_length=64)),
                ('host', models.CharField(max_length=255)),
                ('pid', models.PositiveIntegerField()),
                ('concurrency', models.PositiveSmallIntegerField()),
                ('started_at', models.DateTimeField()),
                ('seen_at', models.DateTimeField()),
                ('active', models.PositiveSmallIntegerField(default=0)),
                ('idle_since', models.DateTimeField(blank=True, null=True)),
                ('ping_sent_at', models.DateTimeField(blank=True, null=True)),
                ('answered_at', models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.AddField(
            model_name='searchjob',
            name='resends',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='searchjob',
            name='sent_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name='searchjob',
            name='worker',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='searchjob',
            name='worker_pid',
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='trainingrun',
            name='resends',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='trainingrun',
            name='sent_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name='trainingrun',
            name='worker',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='trainingrun',
            name='worker_pid',
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
    ]
