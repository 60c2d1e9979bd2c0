from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"
    verbose_name = "Events and webhooks"

    def ready(self) -> None:
        from config.metrics import DatabaseGauge, register_database_gauges
        from webhooks.selectors import delivery_counts_by_status

        register_database_gauges(
            DatabaseGauge(
                "publishing_webhook_deliveries",
                "Webhook deliveries kept (EVENT_RETENTION_DAYS) by outcome: pending, retrying, "
                "succeeded, failed.",
                ("status",),
                delivery_counts_by_status,
            )
        )
