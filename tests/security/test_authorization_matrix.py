"""Who may call what: every API operation, every kind of caller, the expected status.

The operations are discovered from Django's URL resolver (``tests/security/routes.py``), not
listed by hand: ``test_every_api_operation_has_a_row`` fails when an endpoint under ``/api/`` or
``/v1/`` has no row here, so a new endpoint cannot ship without its authorization being decided.

Each row sends one valid request (so the outcome is decided by who asks, not by validation) about
the home organization's objects (``tests/security/world.py``) as each caller:

    anon        no credentials
    viewer      JWT of a viewer of the home organization
    editor      JWT of an editor (not the author of the objects: the owner created them)
    admin       JWT of an admin
    owner       JWT of the owner, who created the objects
    outsider    JWT of the owner of another organization (OWASP API1: foreign ids → 404)
    moderator   JWT of platform staff with no membership
    revoked     a revoked API key of the home organization
    viewer_key  an API key of the home organization with the viewer role

Every request runs in a savepoint that is rolled back, so each caller finds the same data; every
refused request (4xx) must leave the database exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from contenttypes_app import services as ct_services
from contenttypes_app.models import ContentMigration
from contenttypes_app.services.scheduling import schedule_set
from publishing.tenancy import actor_for
from tests.security.routes import api_operations
from tests.security.world import PASSWORD, World, db_snapshot, snapshot_diff

ACTORS = (
    "anon",
    "viewer",
    "editor",
    "admin",
    "owner",
    "outsider",
    "moderator",
    "revoked",
    "viewer_key",
)

# Shorthands for the common columns.
#            anon view edit admn ownr outs mod  rvkd vkey
PUBLIC = (200, 200, 200, 200, 200, 200, 200, 200, 200)  # no authentication at all
DOCS = (200, 200, 200, 200, 200, 200, 200, 401, 200)  # public, but bad credentials are refused
READ_ORG = (401, 200, 200, 200, 200, 404, 403, 401, 200)  # read an object of the organization
LIST_OWN = (401, 200, 200, 200, 200, 200, 403, 401, 200)  # a list of the caller's organization
EDIT_OWN = (401, 403, 403, 200, 200, 404, 403, 401, 403)  # change the owner's object
DEL_OWN = (401, 403, 403, 204, 204, 404, 403, 401, 403)
CREATE = (401, 403, 201, 201, 201, 201, 403, 401, 403)  # editor+ create in their organization
V1_READ = (401, 200, 200, 200, 200, 404, 404, 401, 200)  # /v1/organizations/{home}/…
V1_CREATE = (401, 403, 201, 201, 201, 404, 404, 401, 403)
V1_EDIT = (401, 403, 200, 200, 200, 404, 404, 401, 403)
V1_ADMIN = (401, 403, 403, 200, 200, 404, 404, 401, 403)  # admins, owners, or publishers
ORG_READ = (401, 200, 200, 200, 200, 404, 404, 401, 200)  # /api/organizations/{home}/…
ORG_ADMIN = (401, 403, 403, 200, 200, 404, 404, 401, 403)  # admins and owners, signed in


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # the URL pattern, as tests/security/routes.py spells it
    expect: tuple[int, ...]  # one status per caller, in ACTORS order
    body: Callable[[World], Any] | None = None
    params: dict[str, Callable[[World], Any]] = field(default_factory=dict)  # path overrides
    setup: Callable[[World], None] | None = None  # run once before the callers
    # The body carries someone's credentials: the answer is about them, not about the caller.
    credentials_in_body: bool = False
    query: str = ""  # a query string the operation needs to be valid ("?from=1&to=1")

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _prompt_body(w: World) -> dict:
    return {"name": "New prompt", "body": "Hello {{name}}"}


def _template_body(w: World) -> dict:
    return {"name": "New template", "body": "Hello {{name}}", "type": "sms"}


def _publish_body(w: World) -> dict:
    # The world's marketplace listing is an editable reference: republishing it as a copy must
    # say so (an omitted allowEditableReferences is kept, and a copy cannot have it).
    scope = {"enabled": True, "shareType": "copy", "allowEditableReferences": False}
    return {
        "itemType": "prompt",
        "itemId": w.home.prompt_id,
        "scopes": {"organization": scope, "marketplace": scope},
    }


def _content_type_body(w: World) -> dict:
    return {
        "name": "Post",
        "layoutComponentId": str(w.home.layout.pk),
        "componentIdsAllowList": [str(w.home.views[0].pk)],
        "packageVersion": "1.0.0",
    }


def _modify_content_type(w: World) -> None:
    ct_services.content_type_update(
        content_type_id=w.home.content_type.pk,
        actor=actor_for(w.home.owner, w.home.organization),
        changes={"description": "edited, not yet published"},
    )


PACKAGED = {"component_id": lambda w: w.home.views[0].pk}  # captured by package 1.0.0


def _modify_view(w: World) -> None:
    ct_services.component_update(
        actor=actor_for(w.home.owner, w.home.organization),
        project_id=w.home.project_id,
        component_id=w.home.views[0].pk,
        changes={"description": "edited, not yet packaged"},
    )


def _migration_id(w: World) -> Any:
    """A dry run of the home content type (created once), for the migration report row."""
    found = ContentMigration.objects.filter(type_id=w.home.content_type.pk).first()
    if found is None:
        found = ct_services.content_migration_start(
            actor=actor_for(w.home.owner, w.home.organization),
            content_type_id=w.home.content_type.pk,
            to_version=1,
            dry_run=True,
        )
    return found.pk


def _content_body(w: World) -> dict:
    return {
        "typeId": str(w.home.news_type.pk),
        "name": "Post",
        "content": {"title": "Post", "body": []},
    }


def _modify_content(w: World) -> None:
    ct_services.content_update(
        content_id=w.home.content.pk,
        actor=actor_for(w.home.owner, w.home.organization),
        changes={"description": "edited, not yet published"},
    )


def _schedule_body(w: World) -> dict:
    return {"publishAt": (timezone.now() + dt.timedelta(hours=1)).isoformat()}


def _schedule(kind: str) -> Callable[[World], None]:
    def setup(w: World) -> None:
        target = w.home.content_type if kind == "content_type" else w.home.content
        schedule_set(
            actor=actor_for(w.home.owner, w.home.organization),
            kind=kind,
            object_id=target.pk,
            publish_at=timezone.now() + dt.timedelta(hours=1),
        )

    return setup


V1_ADMIN_DEL = (401, 403, 403, 204, 204, 404, 404, 401, 403)
V1_EDIT_DEL = (401, 403, 204, 204, 204, 404, 404, 401, 403)


def _refresh_body(w: World) -> dict:
    return {"refresh": str(RefreshToken.for_user(w.users["viewer"]))}


ORG = "/api/organizations/{organization_id}"
V1 = "/v1/organizations/{organization_id}/projects"
PROJECT = V1 + "/{project_id}"
CT = PROJECT + "/content-types/{id}"
CONTENT = PROJECT + "/content/{id}"
CONTENT_ID = {"id": lambda w: w.home.content.pk}
WEBHOOK = "/api/webhooks/{webhook_id}"
ACCEPTED_OWN = (401, 403, 403, 202, 202, 404, 403, 401, 403)  # 202 queued: webhook test, redeliver


def _item_rows(kind: str, body: Callable[[World], dict]) -> list[Row]:
    base = f"/api/{kind}s"
    # A prompt that was never published is deletable; the template has a live listing (409).
    if kind == "prompt":
        delete = Row(
            "DELETE", base + "/{pk}", DEL_OWN, params={"pk": lambda w: w.home.draft_prompt_id}
        )
    else:
        delete = Row("DELETE", base + "/{pk}", (*EDIT_OWN[:3], 409, 409, *EDIT_OWN[5:]))
    return [
        Row("GET", base, LIST_OWN),
        Row("POST", base, CREATE, body=body),
        Row("GET", base + "/{pk}", READ_ORG),
        Row("PATCH", base + "/{pk}", EDIT_OWN, body=lambda w: {"name": "Renamed"}),
        delete,
        Row("POST", base + "/{pk}/render", READ_ORG, body=lambda w: {"variables": {"name": "Ada"}}),
        Row("GET", base + "/{pk}/versions", READ_ORG),
        Row("POST", base + "/{pk}/versions", EDIT_OWN, body=lambda w: {"label": "checkpoint"}),
        Row("GET", base + "/{pk}/versions/{number}", READ_ORG),
        Row(
            "POST",
            base + "/{pk}/versions/{number}/restore",
            (401, 403, 403, 201, 201, 404, 403, 401, 403),
        ),
    ]


# fmt: off
MATRIX: list[Row] = [
    # --- documentation and health ------------------------------------------------------------
    #                                             anon view edit admn ownr outs mod  rvkd vkey
    Row("GET", "/api/schema/", DOCS),
    Row("GET", "/api/docs/", DOCS),
    Row("GET", "/api/redoc/", DOCS),
    Row("GET", "/api/health", PUBLIC),
    Row("GET", "/api/health/live", PUBLIC),
    Row("GET", "/api/health/ready", PUBLIC),
    # --- auth: open endpoints, credentials in the body -----------------------------------------
    Row("POST", "/api/auth/register", (201,) * 9, body=lambda w: {
        "email": "newcomer@signup.test", "password": "a-long-and-unusual-passphrase",
        "fullName": "Newcomer", "organizationName": "Newcomer Inc",
    }),
    Row("POST", "/api/auth/login", PUBLIC, credentials_in_body=True,
        body=lambda w: {"email": w.users["viewer"].email, "password": PASSWORD}),
    Row("POST", "/api/auth/refresh", PUBLIC, body=_refresh_body, credentials_in_body=True),
    Row("POST", "/api/auth/logout", PUBLIC, body=_refresh_body, credentials_in_body=True),
    Row("GET", "/api/auth/me", (401, 200, 200, 200, 200, 200, 200, 401, 200)),
    # --- organizations, members, API keys ------------------------------------------------------
    Row("GET", "/api/organizations", (401, 200, 200, 200, 200, 200, 200, 401, 200)),
    Row("POST", "/api/organizations", (401, 201, 201, 201, 201, 201, 201, 401, 403),
        body=lambda w: {"name": "Side Project"}),
    Row("GET", ORG, ORG_READ),
    Row("PATCH", ORG, ORG_ADMIN, body=lambda w: {"name": "Renamed"}),
    Row("GET", ORG + "/members", ORG_READ),
    Row("POST", ORG + "/members", (401, 403, 403, 201, 201, 404, 404, 401, 403),
        body=lambda w: {"email": w.users["loner"].email, "role": "viewer"}),
    Row("PATCH", ORG + "/members/{member_id}", ORG_ADMIN, body=lambda w: {"role": "viewer"}),
    Row("DELETE", ORG + "/members/{member_id}", (401, 403, 403, 204, 204, 404, 404, 401, 403)),
    Row("GET", ORG + "/api-keys", ORG_ADMIN),
    Row("POST", ORG + "/api-keys", (401, 403, 403, 201, 201, 404, 404, 401, 403),
        body=lambda w: {"name": "ci", "role": "viewer"}),
    Row("DELETE", ORG + "/api-keys/{key_id}", ORG_ADMIN),
    # --- prompts and templates -----------------------------------------------------------------
    *_item_rows("prompt", _prompt_body),
    *_item_rows("template", _template_body),
    Row("GET", "/api/template-categories", LIST_OWN),
    # --- marketplace ---------------------------------------------------------------------------
    Row("GET", "/api/marketplace", LIST_OWN),
    Row("POST", "/api/marketplace/publish", EDIT_OWN, body=_publish_body),
    Row("POST", "/api/marketplace/unpublish", EDIT_OWN, body=lambda w: {
        "itemType": "prompt", "itemId": w.home.prompt_id, "scopes": ["organization"]}),
    Row("GET", "/api/marketplace/my-published", LIST_OWN),
    Row("GET", "/api/marketplace/acquired", LIST_OWN),
    Row("GET", "/api/marketplace/acquired/{acquisition_id}", READ_ORG),
    Row("PATCH", "/api/marketplace/acquired/{acquisition_id}",
        (401, 403, 200, 200, 200, 404, 403, 401, 403), body=lambda w: {"description": "Edited"}),
    Row("DELETE", "/api/marketplace/acquired/{acquisition_id}",
        (401, 403, 204, 204, 204, 404, 403, 401, 403)),
    Row("POST", "/api/marketplace/{listing_id}/acquire",
        (401, 403, 201, 201, 201, 404, 403, 401, 403), body=lambda w: {}),
    Row("POST", "/api/marketplace/{listing_id}/report",
        (401, 201, 201, 201, 201, 404, 403, 401, 201), body=lambda w: {"reason": "spam"}),
    Row("GET", "/api/marketplace/{listing_id}", READ_ORG),
    Row("GET", "/api/marketplace/{listing_id}/versions", READ_ORG),
    Row("GET", "/api/marketplace/{listing_id}/versions/{number}", READ_ORG),
    Row("GET", "/api/marketplace/{listing_id}/diff", READ_ORG, query="?from=1&to=1"),
    Row("GET", "/api/marketplace/{listing_id}/usage", READ_ORG),
    Row("GET", "/api/marketplace/acquired/{acquisition_id}/diff", READ_ORG),
    Row("POST", "/api/marketplace/acquired/{acquisition_id}/render", READ_ORG,
        body=lambda w: {"variables": {"a": "x"}}),
    Row("PATCH", "/api/marketplace/{listing_id}", EDIT_OWN,
        body=lambda w: {"isContentVisible": False}),
    Row("DELETE", "/api/marketplace/{listing_id}", EDIT_OWN),
    # --- /v1 content: projects, components, packages -------------------------------------------
    Row("GET", V1, V1_READ),
    Row("POST", V1, V1_CREATE, body=lambda w: {"name": "Docs site"}),
    Row("GET", PROJECT, V1_READ),
    Row("PUT", PROJECT, V1_EDIT, body=lambda w: {"description": "Renamed"}),
    Row("DELETE", PROJECT, V1_ADMIN, params={"project_id": lambda w: w.home.empty_project.pk}),
    Row("GET", PROJECT + "/components", V1_READ),
    Row("POST", PROJECT + "/components", V1_CREATE,
        body=lambda w: {"name": "Quote", "type": "view"}),
    Row("GET", PROJECT + "/components/{component_id}", V1_READ),
    Row("PUT", PROJECT + "/components/{component_id}", V1_EDIT,
        body=lambda w: {"description": "A spare view"}),
    Row("DELETE", PROJECT + "/components/{component_id}", V1_EDIT),
    Row("POST", PROJECT + "/components/{component_id}/status", V1_EDIT,
        body=lambda w: {"status": "deleted"}),
    Row("POST", PROJECT + "/components/{component_id}/discard", V1_EDIT, params=PACKAGED,
        setup=_modify_view),
    Row("POST", PROJECT + "/components/{component_id}/rollback", V1_EDIT, params=PACKAGED,
        body=lambda w: {"version": 1}),
    Row("GET", PROJECT + "/components/{component_id}/versions", V1_READ, params=PACKAGED),
    Row("GET", PROJECT + "/packages", V1_READ),
    Row("POST", PROJECT + "/packages", V1_CREATE, body=lambda w: {"version": "2.0.0"}),
    Row("GET", PROJECT + "/packages/{version}", V1_READ),
    Row("GET", PROJECT + "/packages/{version}/resolved", V1_READ),
    # --- /v1 content types ---------------------------------------------------------------------
    Row("GET", PROJECT + "/content-types", V1_READ),
    Row("POST", PROJECT + "/content-types", V1_CREATE, body=_content_type_body),
    Row("GET", CT, V1_READ),
    Row("PUT", CT, V1_EDIT, body=lambda w: {"description": "Edited"}),
    Row("DELETE", CT, V1_ADMIN),
    Row("POST", CT + "/publish", V1_ADMIN, setup=_modify_content_type),
    Row("POST", CT + "/unpublish", V1_ADMIN),
    Row("POST", CT + "/discard", V1_EDIT, setup=_modify_content_type),
    Row("POST", CT + "/status", V1_ADMIN, body=lambda w: {"status": "deleted"}),
    Row("PATCH", CT + "/status", V1_ADMIN, body=lambda w: {"status": "deleted"}),
    Row("PUT", CT + "/package-version", V1_EDIT, body=lambda w: {"packageVersion": "draft"}),
    Row("POST", CT + "/rollback", V1_ADMIN, body=lambda w: {"version": 1},
        setup=_modify_content_type),
    Row("GET", CT + "/schedule", V1_READ, setup=_schedule("content_type")),
    Row("POST", CT + "/schedule", V1_ADMIN, body=_schedule_body),
    Row("DELETE", CT + "/schedule", V1_ADMIN_DEL, setup=_schedule("content_type")),
    Row("GET", CT + "/versions", V1_READ),
    Row("GET", CT + "/versions/{version}", V1_READ),
    Row("POST", CT + "/migrate-content", (401, 403, 202, 202, 202, 404, 404, 401, 403),
        body=lambda w: {"toVersion": 1, "dryRun": True}),
    Row("GET", CT + "/content-migrations", V1_READ),
    Row("GET", CT + "/content-migrations/{migration_id}", V1_READ,
        params={"migration_id": _migration_id}),
    # --- /v1 content items (editors write and, without publish permissions on the type, publish)
    Row("GET", PROJECT + "/content", V1_READ),
    Row("POST", PROJECT + "/content", V1_CREATE, body=_content_body),
    Row("GET", CONTENT, V1_READ, params=CONTENT_ID),
    Row("PUT", CONTENT, V1_EDIT, params=CONTENT_ID, body=lambda w: {"description": "Edited"}),
    Row("DELETE", CONTENT, V1_EDIT, params=CONTENT_ID),
    Row("POST", CONTENT + "/publish", V1_EDIT, params=CONTENT_ID, setup=_modify_content),
    Row("POST", CONTENT + "/unpublish", V1_EDIT, params=CONTENT_ID),
    Row("POST", CONTENT + "/discard", V1_EDIT, params=CONTENT_ID, setup=_modify_content),
    Row("POST", CONTENT + "/status", V1_EDIT, params=CONTENT_ID,
        body=lambda w: {"status": "deleted"}),
    Row("POST", CONTENT + "/rollback", V1_EDIT, params=CONTENT_ID, body=lambda w: {"version": 1}),
    Row("POST", CONTENT + "/migrate", V1_EDIT, params=CONTENT_ID,
        body=lambda w: {"targetTypeVersion": 1}),
    Row("GET", CONTENT + "/schedule", V1_READ, params=CONTENT_ID, setup=_schedule("content")),
    Row("POST", CONTENT + "/schedule", V1_EDIT, params=CONTENT_ID, body=_schedule_body),
    Row("DELETE", CONTENT + "/schedule", V1_EDIT_DEL, params=CONTENT_ID,
        setup=_schedule("content")),
    Row("GET", CONTENT + "/versions", V1_READ, params=CONTENT_ID),
    Row("GET", CONTENT + "/versions/{version}", V1_READ, params=CONTENT_ID),
    # --- webhooks and events (admins and owners manage endpoints; members read events) ---------
    Row("GET", "/api/webhooks", (401, 403, 403, 200, 200, 200, 403, 401, 403)),
    Row("POST", "/api/webhooks", (401, 403, 403, 201, 201, 201, 403, 401, 403),
        body=lambda w: {"url": "https://hooks.example.com/new", "eventTypes": ["*"]}),
    Row("GET", WEBHOOK, EDIT_OWN),
    Row("PATCH", WEBHOOK, EDIT_OWN, body=lambda w: {"description": "Edited"}),
    Row("DELETE", WEBHOOK, DEL_OWN),
    Row("POST", WEBHOOK + "/rotate-secret", EDIT_OWN),
    Row("POST", WEBHOOK + "/test", ACCEPTED_OWN),
    Row("GET", WEBHOOK + "/deliveries", EDIT_OWN),
    Row("POST", WEBHOOK + "/deliveries/{delivery_id}/redeliver", ACCEPTED_OWN),
    Row("GET", "/api/events", LIST_OWN),
    # --- bulk jobs (started by the --async commands; admins and owners follow them) ---------
    Row("GET", "/api/bulk-jobs/{job_id}", EDIT_OWN),
]
# fmt: on
ROWS = {row.key: row for row in MATRIX}


def fill(row: Row, w: World) -> str:
    """The row's URL with the home organization's ids (or the row's overrides)."""
    home = w.home
    kind = "template" if row.path.startswith("/api/templates") else "prompt"
    values: dict[str, Any] = {
        "organization_id": home.org_id,
        "project_id": home.project_id,
        "component_id": home.spare_component.pk,
        "id": home.content_type.pk,
        "version": "1.0.0" if "/packages/" in row.path else "1",
        "pk": home.template_id if kind == "template" else home.prompt_id,
        "number": "1",
        "listing_id": home.org_listing_id,
        "acquisition_id": home.acquisition_ref_id,
        "member_id": w.member_ids["colleague"],
        "key_id": w.key_ids["admin"],
        "webhook_id": home.webhook_id,
        "delivery_id": home.delivery_id,
        "job_id": home.bulk_job_id,
    }
    values.update({name: get(w) for name, get in row.params.items()})
    return row.path.format(**values) + row.query


def client_for(actor: str, w: World) -> APIClient:
    client = APIClient()
    if actor == "anon":
        return client
    if actor == "revoked":
        token = w.keys["revoked"]
    elif actor == "viewer_key":
        token = w.keys["viewer"]
    else:
        user = w.users["owner" if actor == "owner" else actor]
        token = str(RefreshToken.for_user(user).access_token)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def send(client: APIClient, method: str, url: str, body: Any):
    if body is None:
        return client.generic(method, url)
    return client.generic(method, url, json.dumps(body), content_type="application/json")


def home_only_ids(w: World) -> list[str]:
    """Ids that only the home organization may ever see."""
    home = w.home
    return [
        home.org_id,
        home.org_listing_id,
        home.draft_prompt_id,
        home.project_id,
        str(home.content_type.pk),
        str(home.content.pk),
        home.acquisition_ref_id,
        home.acquisition_copy_id,
        w.key_ids["admin"],
        home.webhook_id,
        home.delivery_id,
        home.bulk_job_id,
    ]


def test_every_api_operation_has_a_row():
    discovered = set(api_operations())
    missing = sorted(discovered - set(ROWS))
    stale = sorted(set(ROWS) - discovered)
    assert not missing, f"API operations without an authorization row: {missing}"
    assert not stale, f"rows for operations that no longer exist: {stale}"
    assert len(ROWS) == len(MATRIX), "duplicate rows"
    assert all(len(row.expect) == len(ACTORS) for row in MATRIX)


@pytest.mark.parametrize("row", MATRIX, ids=str)
def test_authorization(row: Row, shared_world: World):
    w = shared_world
    if row.setup is not None:
        row.setup(w)
    before = db_snapshot()
    private = home_only_ids(w)
    outcomes = {}
    for actor in ACTORS:
        savepoint = transaction.savepoint()
        try:
            body = row.body(w) if row.body is not None else None
            response = send(client_for(actor, w), row.method, fill(row, w), body)
            changes = snapshot_diff(before, db_snapshot()) if response.status_code >= 400 else {}
        finally:
            transaction.savepoint_rollback(savepoint)
        outcomes[actor] = response.status_code
        assert not changes, f"{actor}: refused with {response.status_code} but wrote {changes}"
        if actor == "outsider" and response.status_code < 400 and not row.credentials_in_body:
            leaked = [i for i in private if i in response.content.decode()]
            assert not leaked, f"the outsider saw the home organization's ids {leaked}"
    expected = dict(zip(ACTORS, row.expect, strict=True))
    assert outcomes == expected, {a: (outcomes[a], expected[a]) for a in ACTORS}
