"""The application's URLs plus the floor endpoint (bench settings only)."""

from django.urls import path

from bench.floorapp.views import FloorView
from config.urls import handler404, handler500, urlpatterns

urlpatterns = [path("bench/floor", FloorView.as_view(), name="bench-floor"), *urlpatterns]

__all__ = ["handler404", "handler500", "urlpatterns"]
