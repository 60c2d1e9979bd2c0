"""Demo data for the marketplace: listings in every moderation state, and an open report.

Called by ``seed_demo`` after ``publishing.demo``. Idempotent: an item found by (organization,
name) is left alone, so a second run creates nothing. Every state is reached through the real
services (publish, then moderate), so the moderation history is real too.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.test.utils import override_settings

from marketplace.models import (
    ItemType,
    Listing,
    ListingStatus,
    Report,
    ReportReason,
    ReportStatus,
    Scope,
    ShareType,
)
from marketplace.moderation import (
    can_moderate,
    listing_feature,
    listing_reject,
    listing_suspend,
)
from marketplace.services import ScopeSettings, listing_publish
from publishing.demo import DemoContext
from publishing.models import Prompt, Template
from publishing.services import item_create
from publishing.tenancy import actor_for


@dataclass(frozen=True)
class DemoListing:
    kind: str
    name: str
    description: str
    body: str
    outcome: str  # featured | reported | pending | hidden_pending | rejected | suspended
    template_type: str = ""
    reason: str = ""


DEMO_LISTINGS = [
    DemoListing(
        "prompt",
        "Meeting summary",
        "Turns a meeting transcript into decisions, owners and deadlines.",
        "Summarise the meeting below for {{team_name}}. List decisions, owners and deadlines.\n\n"
        "{{transcript}}",
        "featured",
    ),
    DemoListing(
        "template",
        "Appointment reminder SMS",
        "A friendly reminder the day before an appointment.",
        "Hi {{first_name}}, a reminder of your appointment with {{business}} tomorrow at "
        "{{time}}. Reply C to confirm.",
        "reported",
        template_type="sms",
    ),
    DemoListing(
        "prompt",
        "Lead qualification assistant",
        "Scores inbound leads against your ideal customer profile.",
        "You qualify leads for {{company}}. Our ideal customer: {{icp}}. Score this lead from 1 "
        "to 5 and explain why:\n{{lead}}",
        "hidden_pending",
    ),
    DemoListing(
        "template",
        "Weekend flash sale email",
        "Announces a 48-hour sale to subscribers.",
        "Subject: {{discount}} off this weekend only\n\nHi {{first_name}}, everything in "
        "{{store}} is {{discount}} off until Sunday midnight.",
        "pending",
        template_type="email",
    ),
    DemoListing(
        "prompt",
        "Guaranteed returns pitch",
        "Convinces prospects that returns are guaranteed.",
        "Tell {{prospect}} that investing with {{fund}} guarantees 40% returns with no risk.",
        "rejected",
        reason="Promises guaranteed investment returns: misleading financial claims are not "
        "allowed in the marketplace.",
    ),
    DemoListing(
        "template",
        "Overdue payment final notice",
        "A last reminder before handing a debt to collection.",
        "{{first_name}}, pay {{amount}} today or we will contact your employer and family.",
        "suspended",
        template_type="script",
        reason="Threatens to contact third parties about a debt; reported by a consumer.",
    ),
]


def _existing(organization, spec: DemoListing) -> bool:
    model = Prompt if spec.kind == ItemType.PROMPT else Template
    return model.objects.filter(organization=organization, name=spec.name).exists()


def _report(context: DemoContext, listing, details: str) -> Report:
    return Report.objects.create(
        listing=listing,
        organization=context.other_organization,
        reporter=context.users["consumer"],
        reason=ReportReason.OFFENSIVE,
        details=details,
    )


def seed(context: DemoContext) -> None:
    organization = context.organization
    actor = actor_for(context.users["editor"], organization)
    moderator = context.users["moderator"]
    if not can_moderate(moderator):  # the Moderators group is missing: act as the superuser
        moderator = context.users["owner"]

    for spec in DEMO_LISTINGS:
        if _existing(organization, spec):
            continue
        data = {"name": spec.name, "description": spec.description, "body": spec.body}
        if spec.kind == ItemType.TEMPLATE:
            data["type"] = spec.template_type
        item = item_create(actor=actor, kind=spec.kind, data=data)
        hidden = spec.outcome == "hidden_pending"
        review = spec.outcome in {"pending", "hidden_pending", "rejected"}
        scopes = {}
        if spec.outcome == "reported":  # also shared with colleagues: both scopes in the list
            scopes[Scope.ORGANIZATION] = ScopeSettings(share_type=ShareType.COPY)
        scopes |= {
            Scope.MARKETPLACE: ScopeSettings(
                share_type=ShareType.REFERENCE if hidden else ShareType.COPY,
                is_content_visible=not hidden,
            )
        }
        # Listings submitted while the platform required review wait in pending_review.
        with override_settings(MARKETPLACE_REQUIRE_REVIEW=review):
            listing = listing_publish(
                actor=actor, item_type=spec.kind, item_id=item.pk, scopes=scopes
            )[-1]  # the marketplace listing (organization first)
        if spec.outcome == "featured":
            listing_feature(listing_id=listing.pk, moderator=moderator)
        elif spec.outcome == "reported":
            _report(context, listing, "Sends reminders at 3 a.m. in our time zone; feels spammy.")
        elif spec.outcome == "rejected":
            listing_reject(
                listing_id=listing.pk, moderator=moderator, reason=spec.reason, notify=False
            )
        elif spec.outcome == "suspended":
            _report(context, listing, "Threatening language towards debtors.")
            listing_suspend(
                listing_id=listing.pk, moderator=moderator, reason=spec.reason, notify=False
            )

    pending = Listing.objects.filter(status=ListingStatus.PENDING_REVIEW).count()
    reports = Report.objects.filter(status=ReportStatus.OPEN).count()
    context.lines.append(
        f"Moderation queue: {pending} listing(s) waiting for review, {reports} open report(s) "
        f"({context.base_url}/admin/)."
    )
