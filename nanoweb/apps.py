from django.apps import AppConfig


class NanowebConfig(AppConfig):
    name = "nanoweb"
    default_auto_field = "django.db.models.BigAutoField"
