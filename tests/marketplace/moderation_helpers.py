"""Builders for moderation tests: listings in a given state, reports, staff users.

Listings are published through the real service; only the starting state a test needs (status,
featured, hold) is then set directly, as setup.
"""

from __future__ import annotations

import itertools

from django.contrib.auth.models import Group, Permission

from marketplace.models import Acquisition, Listing, Report, ReportReason, Scope, ShareType
from marketplace.services import ScopeSettings, listing_publish
from publishing import services
from publishing.models import Organization, User
from publishing.tenancy import actor_for
from tests.factories import UserFactory

MODERATOR_PERMISSIONS = [
    ("marketplace", "moderate_listing"),
    ("marketplace", "view_listing"),
    ("marketplace", "view_report"),
    ("marketplace", "view_moderationevent"),
    ("publishing", "view_prompt"),
    ("publishing", "view_template"),
]
VIEW_PERMISSIONS = [p for p in MODERATOR_PERMISSIONS if p[1] != "moderate_listing"]
_names = itertools.count(1)


def _permissions(pairs) -> list[Permission]:
    return [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in pairs
    ]


def moderators_group() -> Group:
    """The group the data migration creates; recreated after a transactional test's flush."""
    group, _ = Group.objects.get_or_create(name="Moderators")
    group.permissions.add(*_permissions(MODERATOR_PERMISSIONS))
    return group


def make_moderator(email: str = "mod@platform.test", password: str | None = None) -> User:
    user = UserFactory(email=email, is_staff=True, full_name="Mona Moderator")
    if password:
        user.set_password(password)
        user.save()
    user.groups.add(moderators_group())
    return User.objects.get(pk=user.pk)  # fresh permission cache


def make_staff_viewer(email: str = "support@platform.test", password: str | None = None) -> User:
    """Staff who may look at the moderation admin (view permissions) but not moderate."""
    user = UserFactory(email=email, is_staff=True, full_name="Sam Support")
    if password:
        user.set_password(password)
        user.save()
    user.user_permissions.add(*_permissions(VIEW_PERMISSIONS))
    return User.objects.get(pk=user.pk)


def make_listing(
    publisher: User,
    organization: Organization,
    *,
    status: str = "active",
    scope: str = Scope.MARKETPLACE,
    kind: str = "prompt",
    name: str | None = None,
    body: str = "Hi {{org_name}}",
    visible: bool = True,
    featured: bool = False,
    hold: bool = False,
    description: str = "Routes SMS",
) -> Listing:
    actor = actor_for(publisher, organization)
    data = {"name": name or f"Listing {next(_names)}", "description": description, "body": body}
    if kind == "template":
        data["type"] = "sms"
    item = services.item_create(actor=actor, kind=kind, data=data)
    (listing,) = listing_publish(
        actor=actor,
        item_type=kind,
        item_id=item.pk,
        scopes={
            scope: ScopeSettings(
                share_type=ShareType.COPY if visible else ShareType.REFERENCE,
                is_content_visible=visible,
            )
        },
    )
    Listing.objects.filter(pk=listing.pk).update(
        status=status, featured=featured, moderation_hold=hold
    )
    listing.refresh_from_db()
    return listing


def make_report(
    listing: Listing,
    organization: Organization,
    reporter: User,
    *,
    reason: str = ReportReason.SPAM,
    details: str = "Looks like spam",
    status: str = "open",
) -> Report:
    return Report.objects.create(
        listing=listing,
        organization=organization,
        reporter=reporter,
        reason=reason,
        details=details,
        status=status,
    )


def make_acquisition(listing: Listing, organization: Organization, user: User) -> Acquisition:
    return Acquisition.objects.create(
        listing=listing, organization=organization, acquired_by=user, type=listing.share_type
    )
