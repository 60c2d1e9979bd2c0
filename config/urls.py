"""Root URLs: the admin, the ``/api/`` family, the ``/v1/`` content API and the API docs."""

import re

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from config import views
from config.families import families
from config.metrics import metrics_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("metrics", metrics_view, name="metrics"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path(
        "api/redoc/",
        # Our template drops the Google Fonts of the stock one (ReDoc uses the system fonts).
        SpectacularRedocView.as_view(url_name="schema", template_name="api_docs/redoc.html"),
        name="redoc",
    ),
    path("api/", include("publishing.urls")),
    path("api/", include("marketplace.urls")),
    path("api/", include("webhooks.urls")),
    path("api/", include("bulkjobs.urls")),
    path("v1/", include("contenttypes_app.urls")),
    # After every API route: the rest of each registered family's prefix answers a JSON 404.
    *(
        re_path(rf"^{re.escape(family.prefix.lstrip('/'))}", views.api_not_found)
        for family in families()
    ),
    path("", views.index, name="index"),
]

handler404 = "config.views.not_found"
handler500 = "config.views.server_error"
