"""The project's URLs plus the test-only views of ``tests/reliability/views.py``."""

from django.urls import path

from config.urls import urlpatterns as project_urlpatterns
from tests.reliability import views

urlpatterns = [
    path("api/_test/db-drop", views.DatabaseDropView.as_view()),
    path("v1/_test/db-drop", views.DatabaseDropView.as_view()),
    path("api/_test/plain-db-drop", views.plain_database_drop),
    path("v1/_test/plain-db-drop", views.plain_database_drop),
    path("api/_test/slow-query", views.SlowQueryView.as_view()),
    path("v1/_test/slow-query", views.SlowQueryView.as_view()),
    path("api/_test/boom", views.BoomView.as_view()),
    path("v1/_test/boom", views.BoomView.as_view()),
    path("api/_test/plain-boom", views.plain_boom),
    path("api/_test/publish", views.PublishLikeView.as_view()),
    path("v1/_test/throttled", views.ContentThrottledView.as_view()),
    *project_urlpatterns,
]

handler404 = "config.views.not_found"
handler500 = "config.views.server_error"
