from django.apps import AppConfig


class PublishingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "publishing"
    verbose_name = "Publishing: organizations, prompts and templates"

    def ready(self) -> None:
        # Importing config.schema registers the drf-spectacular extension for API-key auth.
        from config.families import register_family, success_false_envelope
        from config.schema import ErrorEnvelopeSerializer

        # The /api/ family (auth, organizations, items; marketplace shares it): errors answer
        # {"success": false, "error": {"code", "message", "details"}}.
        register_family(
            "/api/",
            wrap_error=success_false_envelope,
            error_serializer=ErrorEnvelopeSerializer,
        )
