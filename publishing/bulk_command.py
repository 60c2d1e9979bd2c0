"""The organization and acting user of a bulk command (``--organization``, ``--as``).

``config.bulk_command.BulkCommand`` runs the batches and knows no app; every bulk command of the
project acts for one organization as one of its members, so the services see the same ``Actor``
(and apply the same role checks) as an API request would.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from config.bulk_command import BulkCommand, usage_error
from publishing.models import Membership, Organization, Role
from publishing.tenancy import Actor


class OrganizationBulkCommand(BulkCommand):
    """A bulk command acting for ``--organization`` as ``--as`` (default: its oldest owner)."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", required=True, help="Organization slug.")
        parser.add_argument("--as", dest="as_email", help="Acting user (default: oldest owner).")
        super().add_arguments(parser)

    def resolve(self, options: dict[str, Any]) -> None:
        """The organization first, then the shared options, then the acting member."""
        self.organization = Organization.objects.filter(slug=options["organization"]).first()
        if self.organization is None:
            raise usage_error(f"No organization with slug {options['organization']!r}.")
        super().resolve(options)
        self.actor = self._actor(options["as_email"])

    def _actor(self, email: str | None) -> Actor:
        memberships = Membership.objects.select_related("user").filter(
            organization=self.organization
        )
        if email:
            membership = memberships.filter(user__email__iexact=email).first()
            if membership is None:
                raise usage_error(f"{email} is not a member of {self.organization.slug}.")
        else:
            membership = memberships.filter(role=Role.OWNER).order_by("created_at", "pk").first()
            if membership is None:
                raise usage_error(f"{self.organization.slug} has no owner; pass --as.")
        return Actor(membership.user, self.organization, membership.role, request_id="cli")
