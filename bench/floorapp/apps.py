from django.apps import AppConfig


class FloorAppConfig(AppConfig):
    name = "bench.floorapp"
    label = "bench_floor"
    default_auto_field = "django.db.models.BigAutoField"
