"""A small, realistic data set in two organizations, built through the services.

The authorization matrix, the property-level tests and the schema fuzzer all need ids that exist:
items with versions, listings in both scopes, acquisitions (a copy and an editable reference),
API keys, a project with components, a package and a published content type. ``build_world``
creates them for a home organization (every role) and a rival one, and returns the ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.contrib.auth.models import Group
from django.db import connection
from rest_framework_simplejwt.tokens import RefreshToken

from contenttypes_app import services as ct_services
from contenttypes_app.models import (
    Component,
    Content,
    ContentTypeDefinition,
    Package,
    Project,
)
from marketplace import services as mk_services
from marketplace.models import Acquisition, Listing, ShareType
from marketplace.services import ScopeSettings
from publishing import services as pub_services
from publishing.models import APIKey, Membership, Organization, Role, User
from publishing.tenancy import Actor, actor_for

PASSWORD = "correct-horse-battery-staple"
LAYOUT_SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "minLength": 1},
        "body": {"type": "array", "x-slot": True},
    },
    "required": ["title"],
}


def _view_schema(name: str) -> dict[str, Any]:
    return {"type": "object", "properties": {name: {"type": "string"}}, "required": [name]}


@dataclass
class Side:
    """One organization's objects."""

    organization: Organization
    owner: User
    prompt_id: str = ""
    template_id: str = ""
    draft_prompt_id: str = ""  # never published: deletable
    org_listing_id: str = ""  # the prompt's organization-scope listing
    market_listing_id: str = ""  # the prompt's marketplace listing (reference, editable)
    template_listing_id: str = ""  # the template's marketplace listing (copy)
    project: Project | None = None
    empty_project: Project | None = None
    layout: Component | None = None
    views: list[Component] = field(default_factory=list)
    spare_component: Component | None = None  # in no package or content type: deletable
    package: Package | None = None
    content_type: ContentTypeDefinition | None = None  # published v1
    draft_content_type: ContentTypeDefinition | None = None
    news_type: ContentTypeDefinition | None = None  # published, with content (not deletable)
    content: Content | None = None  # a News item, published v1
    acquisition_ref_id: str = ""  # an editable reference to the rival's listing
    acquisition_copy_id: str = ""  # a copy of the rival's template
    webhook_id: str = ""  # a webhook endpoint (every event type)
    delivery_id: str = ""  # its delivery of a webhook.test event
    bulk_job_id: str = ""  # a queued bulk job (publish_items --async) of the prompt

    @property
    def org_id(self) -> str:
        return str(self.organization.pk)

    @property
    def project_id(self) -> str:
        return str(self.project.pk)


@dataclass
class World:
    home: Side
    rival: Side
    users: dict[str, User]
    member_ids: dict[str, int]  # role name -> membership id in the home organization
    # "viewer", "revoked", "admin": raw API keys of the home organization; "rival": of the rival's
    keys: dict[str, str]
    key_ids: dict[str, str]

    def token(self, name: str) -> str:
        return str(RefreshToken.for_user(self.users[name]).access_token)


def _user(email: str, **extra: Any) -> User:
    user = User(email=email, full_name=email.split("@")[0].title(), **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def _member(organization: Organization, email: str, role: str) -> tuple[User, Membership]:
    user = _user(email)
    return user, Membership.objects.create(user=user, organization=organization, role=role)


def _items(side: Side, actor: Actor) -> None:
    prompt = pub_services.item_create(
        actor=actor,
        kind="prompt",
        data={"name": "Triage", "description": "Routes SMS", "body": "Hi {{name}}"},
    )
    template = pub_services.item_create(
        actor=actor,
        kind="template",
        data={"name": "Welcome", "body": "Welcome {{name}}", "type": "sms"},
    )
    draft = pub_services.item_create(
        actor=actor, kind="prompt", data={"name": "Draft", "body": "Unpublished {{x}}"}
    )
    pub_services.item_update(
        actor=actor, kind="prompt", item_id=prompt.pk, data={"body": "Hello {{name}}"}
    )
    side.prompt_id, side.template_id, side.draft_prompt_id = prompt.pk, template.pk, draft.pk
    listings = mk_services.listing_publish(
        actor=actor,
        item_type="prompt",
        item_id=prompt.pk,
        scopes={
            "organization": ScopeSettings(share_type=ShareType.COPY),
            "marketplace": ScopeSettings(
                share_type=ShareType.REFERENCE, allow_editable_references=True
            ),
        },
    )
    side.org_listing_id = next(x.pk for x in listings if x.scope == "organization")
    side.market_listing_id = next(x.pk for x in listings if x.scope == "marketplace")
    (template_listing,) = mk_services.listing_publish(
        actor=actor,
        item_type="template",
        item_id=template.pk,
        scopes={"marketplace": ScopeSettings(share_type=ShareType.COPY)},
    )
    side.template_listing_id = template_listing.pk


def _content(side: Side, actor: Actor, slug: str) -> None:
    project = ct_services.project_create(actor=actor, name=f"Site {slug}", slug=f"site-{slug}")
    side.project = project
    side.empty_project = ct_services.project_create(
        actor=actor, name=f"Empty {slug}", slug=f"empty-{slug}"
    )
    side.layout = ct_services.component_create(
        actor=actor, project_id=project.pk, name="Page", type="layout", schema=LAYOUT_SCHEMA
    )
    side.views = [
        ct_services.component_create(
            actor=actor, project_id=project.pk, name=name, type="view", schema=_view_schema(prop)
        )
        for name, prop in (("Hero", "heading"), ("Text", "html"))
    ]
    side.package = ct_services.package_create(actor=actor, project_id=project.pk, version="1.0.0")
    side.spare_component = ct_services.component_create(
        actor=actor, project_id=project.pk, name="Spare", type="view", schema=_view_schema("x")
    )
    allow = [str(v.pk) for v in side.views]
    side.content_type = ct_services.content_type_create(
        actor=actor,
        project_id=project.pk,
        name="Article",
        layout_component_id=side.layout.pk,
        component_ids_allow_list=allow,
        package_version="1.0.0",
    )
    side.content_type = ct_services.content_type_publish(
        content_type_id=side.content_type.pk, actor=actor
    )
    side.draft_content_type = ct_services.content_type_create(
        actor=actor,
        project_id=project.pk,
        name="Landing",
        layout_component_id=side.layout.pk,
        component_ids_allow_list=allow[:1],
        package_version="1.0.0",
    )
    # Content has its own type, so that the Article type's rows may still delete it.
    news = ct_services.content_type_create(
        actor=actor,
        project_id=project.pk,
        name="News",
        layout_component_id=side.layout.pk,
        component_ids_allow_list=allow,
        package_version="1.0.0",
    )
    side.news_type = ct_services.content_type_publish(content_type_id=news.pk, actor=actor)
    item = ct_services.content_create(
        actor=actor,
        project_id=project.pk,
        type_id=news.pk,
        name="Launch",
        content={"title": "Launch", "body": [{"type": "Hero", "heading": "Hi"}]},
    )
    side.content = ct_services.content_publish(actor=actor, content_id=item.pk)


def _webhooks(side: Side, actor: Actor) -> None:
    from webhooks import services as wh_services
    from webhooks.models import WebhookDelivery

    endpoint = wh_services.webhook_endpoint_create(
        actor=actor, url=f"https://hooks.example.com/{side.organization.slug}", event_types=["*"]
    )
    event = wh_services.webhook_endpoint_test(actor=actor, endpoint_id=endpoint.pk)
    side.webhook_id = endpoint.pk
    side.delivery_id = WebhookDelivery.objects.get(event=event).pk


def _bulk_job(side: Side, actor: Actor) -> None:
    from bulkjobs.services import bulk_job_start
    from marketplace.bulk import publish_items_options
    from marketplace.services import ScopeSettings

    job = bulk_job_start(
        actor=actor,
        kind="publish_items",
        options=publish_items_options({"organization": ScopeSettings()}),
        batches=[("prompt", [side.prompt_id])],
        batch_size=1000,
    )
    side.bulk_job_id = job.pk


def build_world() -> World:
    home_org = Organization.objects.create(name="Home Publishing", slug="home-publishing")
    rival_org = Organization.objects.create(name="Rival Corp", slug="rival-corp")
    users: dict[str, User] = {}
    member_ids: dict[str, int] = {}
    for role in (Role.OWNER, Role.ADMIN, Role.EDITOR, Role.VIEWER):
        users[role], membership = _member(home_org, f"{role}@home.test", role)
        member_ids[role] = membership.pk
    # A second editor: the target of role changes and removals.
    users["colleague"], membership = _member(home_org, "colleague@home.test", Role.EDITOR)
    member_ids["colleague"] = membership.pk
    users["outsider"], _ = _member(rival_org, "owner@rival.test", Role.OWNER)
    users["loner"] = _user("loner@nowhere.test")  # in no organization: can be added as a member
    users["moderator"] = _user("moderator@platform.test", is_staff=True)
    group = Group.objects.filter(name="Moderators").first()
    if group is not None:
        users["moderator"].groups.add(group)

    home = Side(organization=home_org, owner=users[Role.OWNER])
    rival = Side(organization=rival_org, owner=users["outsider"])
    home_actor = actor_for(home.owner, home_org)
    rival_actor = actor_for(rival.owner, rival_org)
    _items(home, home_actor)
    _items(rival, rival_actor)
    _content(home, home_actor, "home")
    _content(rival, rival_actor, "rival")

    reference, _ = mk_services.listing_acquire(
        actor=home_actor, listing_id=rival.market_listing_id, request_editable=True
    )
    copy, _ = mk_services.listing_acquire(actor=home_actor, listing_id=rival.template_listing_id)
    home.acquisition_ref_id, home.acquisition_copy_id = reference.pk, copy.pk
    rival_ref, _ = mk_services.listing_acquire(
        actor=rival_actor, listing_id=home.market_listing_id, request_editable=True
    )
    rival.acquisition_ref_id = rival_ref.pk

    keys: dict[str, str] = {}
    key_ids: dict[str, str] = {}
    for name, role in (("viewer", Role.VIEWER), ("revoked", Role.EDITOR), ("admin", Role.ADMIN)):
        key, raw = pub_services.api_key_create(actor=home_actor, name=f"{name} key", role=role)
        keys[name], key_ids[name] = raw, str(key.pk)
    pub_services.api_key_revoke(actor=home_actor, key_id=key_ids["revoked"])
    rival_key, keys["rival"] = pub_services.api_key_create(
        actor=rival_actor, name="rival key", role=Role.EDITOR
    )
    key_ids["rival"] = str(rival_key.pk)
    member_ids["rival-owner"] = Membership.objects.get(user=rival.owner).pk
    _webhooks(home, home_actor)
    _webhooks(rival, rival_actor)
    _bulk_job(home, home_actor)
    _bulk_job(rival, rival_actor)
    return World(home, rival, users, member_ids, keys, key_ids)


# Everything the API can change, for "nothing changed" assertions.
SNAPSHOT_MODELS = (
    Organization,
    Membership,
    APIKey,
    Listing,
    Acquisition,
    Project,
    Component,
    Package,
    ContentTypeDefinition,
    Content,
)


def _snapshot_models() -> tuple:
    from contenttypes_app.models import ContentTypeVersion, ContentVersion
    from marketplace.models import Report
    from publishing.models import Prompt, PromptVersion, Template, TemplateVersion
    from webhooks.models import Event, WebhookDelivery, WebhookEndpoint

    return (
        *SNAPSHOT_MODELS,
        Prompt,
        Template,
        PromptVersion,
        TemplateVersion,
        ContentTypeVersion,
        ContentVersion,
        Report,
        User,
        WebhookEndpoint,
        WebhookDelivery,
        Event,
    )


@cache
def _snapshot_sql() -> str:
    """One statement for every row of every snapshot model, each row as a JSON array of its
    columns (the matrices take a snapshot after each refused request: one round trip instead of
    one compiled query per model)."""
    parts = []
    for model in _snapshot_models():
        # last_used_at is written by authentication itself, whatever the request does.
        columns = ", ".join(
            f'"{f.column}"' for f in model._meta.concrete_fields if f.attname != "last_used_at"
        )
        table, name = model._meta.db_table, model.__name__
        # Names from the models (no input reaches this statement).
        parts.append(f"SELECT '{name}', json_build_array({columns})::text FROM \"{table}\"")  # noqa: S608
    return " UNION ALL ".join(parts)


def db_snapshot() -> dict[str, list[str]]:
    """Every row of the models the API writes, plus items and their versions, as JSON text."""
    snapshot: dict[str, list[str]] = {model.__name__: [] for model in _snapshot_models()}
    with connection.cursor() as cursor:
        cursor.execute(_snapshot_sql())
        for name, row in cursor.fetchall():
            snapshot[name].append(row)
    return {name: sorted(rows) for name, rows in snapshot.items()}


def snapshot_diff(before: dict[str, list[str]], after: dict[str, list[str]]) -> dict:
    """Rows added, changed or removed, per model (empty when nothing changed)."""
    diff = {}
    for name in before:
        old, new = set(before[name]), set(after[name])
        if old != new:
            diff[name] = {"added": sorted(new - old), "removed": sorted(old - new)}
    return diff
