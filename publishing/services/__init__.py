"""Every write of the publishing app, one function per use case (see CONVENTIONS.md)."""

from publishing.services.accounts import (
    api_key_create,
    api_key_revoke,
    membership_add,
    membership_change_role,
    membership_remove,
    organization_create,
    organization_update,
    user_register,
)
from publishing.services.audit import (
    AUDIT_ACTIONS,
    AuditEntry,
    audit_entry,
    audit_record,
    audit_record_many,
)
from publishing.services.items import (
    item_checkpoint,
    item_create,
    item_delete,
    item_lock,
    item_restore,
    item_snapshot_version,
    item_update,
    item_update_locked,
    render_text,
)

__all__ = [
    "AUDIT_ACTIONS",
    "AuditEntry",
    "api_key_create",
    "api_key_revoke",
    "audit_entry",
    "audit_record",
    "audit_record_many",
    "item_checkpoint",
    "item_create",
    "item_delete",
    "item_lock",
    "item_restore",
    "item_snapshot_version",
    "item_update",
    "item_update_locked",
    "membership_add",
    "membership_change_role",
    "membership_remove",
    "organization_create",
    "organization_update",
    "render_text",
    "user_register",
]
