from django.apps import AppConfig


class ClassifiersConfig(AppConfig):
    name = "classifiers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Webhooks are told when a training or a search ends (classifiers/services/jobs.py: job_ended).
        from classifiers.services.jobs import job_ended
        from classifiers.services.webhooks import webhooks_job_ended

        job_ended.connect(webhooks_job_ended, dispatch_uid="classifiers.webhooks")
