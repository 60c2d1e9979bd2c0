from django.apps import AppConfig


class ContentTypesAppConfig(AppConfig):
    """Versioned content types. Explicit label: Django already owns ``contenttypes``."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "contenttypes_app"
    label = "contenttypes_app"
    verbose_name = "Content types"

    def ready(self) -> None:
        from config.families import register_family
        from config.schema import ContentErrorEnvelopeSerializer

        # The content API answers errors bare: {"error": {"code", "message", "details"}}.
        register_family(
            "/v1/",
            wrap_error=lambda error: {"error": error},
            error_serializer=ContentErrorEnvelopeSerializer,
        )
