"""Writes for identity and tenancy: registration, organizations, memberships, API keys."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.errors import ConflictError, ForbiddenError, NotFoundError, ValidationFailedError
from config.slugs import free_slug, slug_base
from publishing.authentication import API_KEY_PREFIX, hash_api_key
from publishing.models import APIKey, Membership, Organization, Role, User
from publishing.services.audit import audit_record
from publishing.tenancy import Actor


# --- users and organizations ------------------------------------------------------------------
def _validate_password(password: str, user: User | None = None) -> None:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailedError.for_fields({"password": list(exc.messages)}) from exc


def _unique_slug(name: str) -> str:
    """A free slug for a new organization, from its name: one query for the taken ones; the
    unique constraint on ``slug`` stays the backstop against a concurrent sign-up."""
    base = slug_base(name, fallback="org", max_length=80)
    taken = set(Organization.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    return free_slug(base, taken)


@transaction.atomic
def organization_create(*, user: User, name: str, slug: str | None = None) -> Organization:
    """Create an organization with ``user`` as its owner."""
    if slug and Organization.objects.filter(slug=slug).exists():
        raise ConflictError(
            "An organization with this slug already exists.", details={"slug": slug}
        )
    try:
        with transaction.atomic():
            organization = Organization.objects.create(name=name, slug=slug or _unique_slug(name))
    except IntegrityError as exc:
        raise ConflictError("An organization with this slug already exists.") from exc
    Membership.objects.create(user=user, organization=organization, role=Role.OWNER)
    audit_record(
        actor=None,
        user=user,
        organization=organization,
        action="publishing.organization.create",
        target_type="organization",
        target_id=str(organization.pk),
    )
    return organization


@transaction.atomic
def user_register(
    *, email: str, password: str, full_name: str, organization_name: str
) -> tuple[User, Organization]:
    """Sign up: a user and their first organization, which they own."""
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ConflictError("An account with this email already exists.")
    candidate = User(email=email, full_name=full_name)
    _validate_password(password, candidate)
    candidate.set_password(password)
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError as exc:  # a concurrent registration won the race
        raise ConflictError("An account with this email already exists.") from exc
    organization = organization_create(user=candidate, name=organization_name)
    return candidate, organization


@transaction.atomic
def organization_update(
    *, actor: Actor, organization: Organization, name: str | None = None, slug: str | None = None
) -> Organization:
    actor.require_role(Role.ADMIN, "update the organization")
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if slug is not None and slug != organization.slug:
        if Organization.objects.filter(slug=slug).exclude(pk=organization.pk).exists():
            raise ConflictError("An organization with this slug already exists.")
        organization.slug = slug
    if name is not None:
        organization.name = name
    organization.save()
    audit_record(
        actor=actor,
        action="publishing.organization.update",
        target_type="organization",
        target_id=str(organization.pk),
        details={"name": organization.name, "slug": organization.slug},
    )
    return organization


# --- memberships -------------------------------------------------------------------------------
def _require_manage_members(actor: Actor, role_involved: Iterable[str]) -> None:
    actor.require_user_session("manage members")
    actor.require_role(Role.ADMIN, "manage members")
    if Role.OWNER in role_involved and actor.role != Role.OWNER:
        raise ForbiddenError("Only an owner can grant, change or remove the owner role.")


def _owner_count(organization_id: Any) -> int:
    return Membership.objects.filter(organization_id=organization_id, role=Role.OWNER).count()


@transaction.atomic
def membership_add(*, actor: Actor, email: str, role: str) -> Membership:
    _require_manage_members(actor, [role])
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise NotFoundError("No user with this email address.", details={"email": email})
    membership, created = Membership.objects.get_or_create(
        user=user, organization=actor.organization, defaults={"role": role}
    )
    if not created:
        raise ConflictError("This user is already a member.", details={"memberId": membership.pk})
    audit_record(
        actor=actor,
        action="publishing.membership.add",
        target_type="membership",
        target_id=str(membership.pk),
        details={"email": user.email, "role": role},
    )
    return membership


@transaction.atomic
def membership_change_role(*, actor: Actor, membership_id: int, role: str) -> Membership:
    # Lock the organization first: owner-count checks are serialised per organization.
    Organization.objects.select_for_update().filter(pk=actor.organization.pk).first()
    membership = _membership_for_update(actor, membership_id)
    _require_manage_members(actor, [role, membership.role])
    demoting_owner = membership.role == Role.OWNER and role != Role.OWNER
    if demoting_owner and _owner_count(actor.organization.pk) <= 1:
        raise ConflictError("An organization must keep at least one owner.")
    old_role, membership.role = membership.role, role
    membership.save(update_fields=["role"])
    _revoke_keys_above(membership.user_id, actor.organization.pk, role)
    audit_record(
        actor=actor,
        action="publishing.membership.change_role",
        target_type="membership",
        target_id=str(membership.pk),
        details={"from": old_role, "to": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, actor: Actor, membership_id: int) -> None:
    Organization.objects.select_for_update().filter(pk=actor.organization.pk).first()
    membership = _membership_for_update(actor, membership_id)
    if membership.user_id != actor.user.pk or actor.api_key is not None:
        _require_manage_members(actor, [membership.role])
    if membership.role == Role.OWNER and _owner_count(actor.organization.pk) <= 1:
        raise ConflictError("An organization must keep at least one owner.")
    audit_record(
        actor=actor,
        action="publishing.membership.remove",
        target_type="membership",
        target_id=str(membership.pk),
        details={"userId": membership.user_id, "role": membership.role},
    )
    _revoke_keys_above(membership.user_id, actor.organization.pk, None)
    membership.delete()


def _revoke_keys_above(user_id: int, organization_id: Any, role: str | None) -> None:
    """A key never outranks its creator: revoke the creator's keys in this organization whose
    role is above ``role`` (all of them when the creator left, ``role`` None)."""
    keys = APIKey.objects.filter(
        created_by_id=user_id, organization_id=organization_id, revoked_at__isnull=True
    )
    if role is not None:
        keys = keys.filter(role__in=[r for r in Role.values if Role.rank(r) > Role.rank(role)])
    keys.update(revoked_at=timezone.now())


def _membership_for_update(actor: Actor, membership_id: int) -> Membership:
    membership = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(pk=membership_id, organization=actor.organization)
        .first()
    )
    if membership is None:
        raise NotFoundError("Member not found.")
    return membership


# --- API keys ----------------------------------------------------------------------------------
@transaction.atomic
def api_key_create(*, actor: Actor, name: str, role: str) -> tuple[APIKey, str]:
    """Create a key; the raw secret is returned once and never stored."""
    actor.require_user_session("create API keys")
    actor.require_role(Role.ADMIN, "manage API keys")
    if not Role.at_least(actor.role, role):
        raise ForbiddenError("You cannot create a key with a role higher than your own.")
    prefix = f"{API_KEY_PREFIX}{secrets.token_hex(4)}"
    raw = f"{prefix}_{secrets.token_urlsafe(32)}"
    key = APIKey.objects.create(
        organization=actor.organization,
        name=name,
        role=role,
        prefix=prefix,
        hashed_key=hash_api_key(raw),
        created_by=actor.user,
    )
    audit_record(
        actor=actor,
        action="publishing.api_key.create",
        target_type="api_key",
        target_id=str(key.pk),
        details={"name": name, "role": role, "prefix": prefix},
    )
    return key, raw


@transaction.atomic
def api_key_revoke(
    *, actor: Actor | None, key_id: Any, organization: Organization | None = None
) -> APIKey:
    """Revoke a key (idempotent). ``actor`` is None only for staff in the admin."""
    if actor is not None:
        actor.require_user_session("revoke API keys")
        actor.require_role(Role.ADMIN, "manage API keys")
        organization = actor.organization
    key = APIKey.objects.select_for_update().filter(pk=key_id, organization=organization).first()
    if key is None:
        raise NotFoundError("API key not found.")
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            organization=key.organization,
            action="publishing.api_key.revoke",
            target_type="api_key",
            target_id=str(key.pk),
        )
    return key
