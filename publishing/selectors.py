"""Reads for identity, tenancy and items."""

from __future__ import annotations

from django.db.models import F, QuerySet

from config.errors import NotFoundError
from config.ids import validate_object_id
from publishing.errors import VersionNotFoundError
from publishing.models import (
    ITEM_MODELS,
    APIKey,
    ItemVersion,
    Membership,
    Organization,
    PublishableItem,
    TemplateCategory,
    User,
)
from publishing.tenancy import Actor


def organization_list_for_user(*, user: User) -> QuerySet[Organization]:
    """The user's organizations, each annotated with ``role``, oldest membership first."""
    return (
        Organization.objects.filter(memberships__user=user)
        .annotate(role=F("memberships__role"), joined_at=F("memberships__created_at"))
        .order_by("joined_at", "pk")
    )


def membership_list(*, actor: Actor) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization=actor.organization)
        .select_related("user")
        .order_by("created_at", "pk")
    )


def api_key_list(*, actor: Actor) -> QuerySet[APIKey]:
    return (
        APIKey.objects.filter(organization=actor.organization)
        .select_related("created_by")
        .order_by("-created_at")
    )


def item_queryset(*, actor: Actor, kind: str) -> QuerySet[PublishableItem]:
    """Items of the actor's organization (the base of every item read)."""
    return ITEM_MODELS[kind].objects.filter(organization=actor.organization).select_related("owner")


def item_get(*, actor: Actor, kind: str, item_id: str) -> PublishableItem:
    validate_object_id(item_id)
    item = item_queryset(actor=actor, kind=kind).filter(pk=item_id).first()
    if item is None:
        raise NotFoundError(f"{kind.capitalize()} not found.")
    return item


def item_version_list(*, item: PublishableItem) -> QuerySet[ItemVersion]:
    return item.versions.select_related("author").order_by("-number")


def item_version_get(*, item: PublishableItem, number: int) -> ItemVersion:
    version = item.versions.select_related("author").filter(number=number).first()
    if version is None:
        raise VersionNotFoundError(
            details={"requestedVersion": number, "latestVersion": item.latest_version or None}
        )
    return version


def template_category_exists(name: str) -> bool:
    """Any category, hidden ones included: templates keep a category staff hide later."""
    return TemplateCategory.objects.filter(name=name).exists()


def template_category_list() -> QuerySet[TemplateCategory]:
    """The active template categories, as staff order them."""
    return TemplateCategory.objects.filter(is_active=True).order_by("sort_order", "name")
