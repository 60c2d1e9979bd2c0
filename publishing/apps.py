from django.apps import AppConfig


class PublishingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "publishing"
    verbose_name = "Publishing: organizations, prompts and templates"

    def ready(self) -> None:
        # Registers the drf-spectacular extensions for API-key and JWT authentication.
        import publishing.schema  # noqa: F401
