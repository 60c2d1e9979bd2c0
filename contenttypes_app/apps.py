from django.apps import AppConfig


class ContentTypesAppConfig(AppConfig):
    """Versioned content types. Explicit label: Django already owns ``contenttypes``."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "contenttypes_app"
    label = "contenttypes_app"
    verbose_name = "Content types"
