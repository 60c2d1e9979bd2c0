"""OpenAPI for what the marketplace's request shapes alone cannot say.

Imported by ``marketplace.api.views`` so drf-spectacular registers the extension.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension

from marketplace.models import ShareType


class ScopeInputSchema(OpenApiSerializerExtension):
    """A publish scope's settings, with the rule of ``listing_settings_errors`` that a request
    alone decides: ``allowEditableReferences: true`` needs ``shareType: reference`` and visible
    content (an omitted ``isContentVisible`` is visible on a new listing). A disabled scope is
    ignored, so any settings go there. (Whether an *existing* listing's kept settings go together
    is known only to the server: a 400 names the fields.)"""

    target_class = "marketplace.api.serializers.ScopeInputSerializer"

    def map_serializer(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        schema = auto_schema._map_serializer(self.target_class, direction, bypass_extensions=True)
        if direction == "request":
            # ``not`` rather than ``anyOf``: drf-spectacular's enum hook would name the
            # one-value enums of an ``anyOf`` as components of their own.
            editable = {"enabled": {"enum": [True]}, "allowEditableReferences": {"enum": [True]}}
            schema["not"] = {
                "anyOf": [
                    {
                        "required": ["enabled", "allowEditableReferences", "shareType"],
                        "properties": {**editable, "shareType": {"enum": [ShareType.COPY.value]}},
                    },
                    {
                        "required": ["enabled", "allowEditableReferences", "isContentVisible"],
                        "properties": {**editable, "isContentVisible": {"enum": [False]}},
                    },
                ]
            }
        return schema
