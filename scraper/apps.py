from django.apps import AppConfig


class ScraperConfig(AppConfig):
    name = "scraper"
    default_auto_field = "django.db.models.BigAutoField"
