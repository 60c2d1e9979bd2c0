from django.apps import AppConfig


class PublishingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "publishing"
    verbose_name = "Publishing: organizations, prompts and templates"

    def ready(self) -> None:
        # Registers the drf-spectacular extensions for API-key and JWT authentication.
        import publishing.schema  # noqa: F401
        from config.families import register_family, success_false_envelope
        from config.schema import ErrorEnvelopeSerializer

        # The /api/ family (auth, organizations, items; marketplace and webhooks share it):
        # errors answer {"success": false, "error": {"code", "message", "details"}}.
        register_family(
            "/api/",
            wrap_error=success_false_envelope,
            error_serializer=ErrorEnvelopeSerializer,
        )
