"""Demo data for the publishing app: an organization, its people, and their logins.

``seed_demo`` calls ``seed(context)`` of each app's ``demo`` module in order; every step is
idempotent (get-or-create by natural keys) so running it twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import Group

from publishing.models import Membership, Organization, Role, User

DEMO_PASSWORD = "demo-pass-2024"  # noqa: S105 - printed for local demos only
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


@dataclass
class DemoContext:
    """What each app's ``seed`` shares: the demo objects so far, and the lines to print.

    ``base_url`` is the address of the server being seeded, so printed links are real ones.
    """

    base_url: str = DEFAULT_BASE_URL
    organization: Organization | None = None
    other_organization: Organization | None = None
    users: dict[str, User] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)


def _user(email: str, full_name: str, *, staff: bool = False, superuser: bool = False) -> User:
    user, created = User.objects.get_or_create(
        email=email,
        defaults={"full_name": full_name, "is_staff": staff, "is_superuser": superuser},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def seed(context: DemoContext) -> None:
    organization, _ = Organization.objects.get_or_create(
        slug="demo", defaults={"name": "Demo Organization"}
    )
    other, _ = Organization.objects.get_or_create(slug="acme", defaults={"name": "Acme Consumers"})
    people = {
        "owner": (
            _user("owner@demo.example", "Olivia Owner", staff=True, superuser=True),
            organization,
            Role.OWNER,
        ),
        "editor": (_user("editor@demo.example", "Eddie Editor"), organization, Role.EDITOR),
        "viewer": (_user("viewer@demo.example", "Vera Viewer"), organization, Role.VIEWER),
        "consumer": (_user("buyer@acme.example", "Bea Buyer"), other, Role.OWNER),
    }
    for name, (user, org, role) in people.items():
        Membership.objects.get_or_create(user=user, organization=org, defaults={"role": role})
        context.users[name] = user
    moderator = _user("moderator@demo.example", "Max Moderator", staff=True)
    moderators = Group.objects.filter(name="Moderators").first()
    if moderators is not None:
        moderator.groups.add(moderators)
    context.users["moderator"] = moderator
    context.organization = organization
    context.other_organization = other
    context.lines += [
        f"Demo logins (password for all: {DEMO_PASSWORD}):",
        "  owner@demo.example      owner of 'Demo Organization' and admin-site superuser",
        "  editor@demo.example     editor of 'Demo Organization'",
        "  viewer@demo.example     viewer of 'Demo Organization'",
        "  buyer@acme.example      owner of 'Acme Consumers'",
        f"  moderator@demo.example  staff moderator: log in at {context.base_url}/admin/",
    ]
