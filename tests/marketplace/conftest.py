from __future__ import annotations

import pytest

from publishing import services
from publishing.tenancy import actor_for


@pytest.fixture
def make_item(org):
    """``make_item(user, kind="prompt", **fields)`` → a saved prompt or template of ``org``."""

    def make(user, kind: str = "prompt", **fields):
        data = {"name": "Inbound triage", "description": "Routes SMS", "body": "Hi {{org_name}}"}
        if kind == "template":
            data["type"] = "sms"
        data.update(fields)
        return services.item_create(actor=actor_for(user, org), kind=kind, data=data)

    return make


def reference_request(item_id: str, item_type: str = "prompt") -> dict:
    """The request body of the public reference page, with our item id."""
    return {
        "itemType": item_type,
        "itemId": item_id,
        "scopes": {
            "organization": {
                "enabled": True,
                "shareType": "copy",
                "isContentVisible": True,
                "allowEditableReferences": False,
            },
            "marketplace": {
                "enabled": False,
                "shareType": "reference",
                "isContentVisible": False,
                "allowEditableReferences": False,
            },
        },
        "metadata": {
            "name": "Acme Inbound Triage Prompt",
            "description": "Routes inbound SMS to the right department.",
            "usageInformation": "Set the {{org_name}} variable before applying.",
        },
    }


def both_scopes(item_id: str, item_type: str = "prompt", **marketplace) -> dict:
    body = reference_request(item_id, item_type)
    body["scopes"]["marketplace"] = {
        "enabled": True,
        "shareType": "reference",
        "isContentVisible": False,
        "allowEditableReferences": False,
        **marketplace,
    }
    return body
