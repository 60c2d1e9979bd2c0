"""Reads for identity and tenancy."""

from __future__ import annotations

from django.db.models import F, QuerySet

from publishing.models import APIKey, Membership, Organization, User
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
