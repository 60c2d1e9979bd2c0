"""OpenAPI security schemes for publishing's authentication classes.

drf-spectacular finds an extension only once its module is imported; ``PublishingConfig.ready``
imports this one, so the schemes live beside the app that owns the authentication.
"""

from __future__ import annotations

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class APIKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "publishing.authentication.APIKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Organization API key (`pk_…`) as `Authorization: Bearer <key>`.",
        }


class BearerJWTScheme(SimpleJWTScheme):
    target_class = "publishing.authentication.BearerJWTAuthentication"
