"""Notices to publishers about moderation decisions: emails sent after commit."""

from __future__ import annotations

import logging

from django.core.mail import send_mail
from django.db import transaction

from marketplace.models import Listing, ModerationAction

logger = logging.getLogger(__name__)

EMAIL_SUBJECTS = {
    ModerationAction.REJECT: 'Your marketplace listing "{name}" was not approved',
    ModerationAction.SUSPEND: 'Your marketplace listing "{name}" has been suspended',
}
EMAIL_BODIES = {
    ModerationAction.REJECT: (
        'Our moderators reviewed your marketplace listing "{name}" (id {id}) and did not '
        "approve it, so it is not visible in the marketplace."
    ),
    ModerationAction.SUSPEND: (
        'Our moderators suspended your marketplace listing "{name}" (id {id}). It is no longer '
        "visible in the marketplace and cannot be acquired; existing acquisitions are kept."
    ),
}


CHANGE_SUBJECT = 'The change to your marketplace listing "{name}" was not approved'
CHANGE_BODY = (
    'Our moderators reviewed version {version} of your marketplace listing "{name}" (id {id}) '
    "and did not approve it. The listing stays live with version {live}, as approved before."
)


def notify_publisher_after_commit(
    listing: Listing, action: str, reason: str, *, change_version: int | None = None
) -> None:
    """Email the publisher once the decision is committed (never for a rolled-back one).

    ``change_version``: the decision rejected only that waiting change; the listing stays live.

    Values are copied now: the callback runs after the transaction, when the row may have changed.
    ``robust``: a mail server failure is logged and does not turn a committed decision into an
    error page.
    """
    recipient = listing.publisher.email
    values = {"name": listing.name, "id": listing.pk}
    greeting = listing.publisher.full_name or recipient
    subject = EMAIL_SUBJECTS[action].format(**values)
    text = EMAIL_BODIES[action].format(**values)
    if change_version is not None:
        subject = CHANGE_SUBJECT.format(**values)
        text = CHANGE_BODY.format(version=change_version, live=listing.version, **values)
    body = (
        f"Hello {greeting},\n\n"
        f"{text}\n\n"
        f"Reason given by the moderator:\n{reason}\n\n"
        "You can see this decision in your published listings. To ask for another review, edit "
        "the item and publish it again: it will wait for a moderator's approval.\n"
    )

    def send() -> None:
        send_mail(subject, body, None, [recipient])
        logger.info("moderation notice sent", extra={"listing": values["id"], "action": action})

    transaction.on_commit(send, robust=True)
