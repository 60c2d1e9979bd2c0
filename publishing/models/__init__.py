"""The publishing app's models, one module per sub-domain; every name is re-exported here.

- ``accounts``: tenancy and identity (users, organizations, memberships, roles, API keys);
- ``items``: prompts and templates with their immutable versions;
- ``audit``: the append-only audit log;
- ``categories``: the template categories staff manage.

``from publishing.models import X`` stays the way to import any of them; migrations refer to
``publishing.models.UserManager``, which this re-export keeps importable.
"""

from publishing.models.accounts import (
    APIKey,
    Membership,
    Organization,
    Role,
    User,
    UserManager,
)
from publishing.models.audit import AuditEvent
from publishing.models.categories import TemplateCategory
from publishing.models.items import (
    CONTENT_FIELDS,
    ITEM_MODELS,
    TEMPLATE_CONTENT_FIELDS,
    VERSION_MODELS,
    ImmutableRowError,
    ItemSource,
    ItemVersion,
    Prompt,
    PromptVersion,
    PublishableItem,
    Template,
    TemplateType,
    TemplateVersion,
    VersionQuerySet,
)

__all__ = [
    "CONTENT_FIELDS",
    "ITEM_MODELS",
    "TEMPLATE_CONTENT_FIELDS",
    "VERSION_MODELS",
    "APIKey",
    "AuditEvent",
    "ImmutableRowError",
    "ItemSource",
    "ItemVersion",
    "Membership",
    "Organization",
    "Prompt",
    "PromptVersion",
    "PublishableItem",
    "Role",
    "Template",
    "TemplateCategory",
    "TemplateType",
    "TemplateVersion",
    "User",
    "UserManager",
    "VersionQuerySet",
]
