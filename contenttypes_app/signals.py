"""Signals sent after a content type change has committed (``transaction.on_commit``).

Receivers (cache invalidation, webhooks, search indexing) run outside the publish transaction and
its row lock, and never see a change that was rolled back. They are sent with ``send_robust``: a
failing receiver is logged and neither stops the others nor fails the request that committed.

Arguments: ``content_type_id``, ``project_id``, ``version`` (the version published or unpublished).
"""

from __future__ import annotations

from django.dispatch import Signal

content_type_published = Signal()
content_type_unpublished = Signal()

# Content items: ``content_id``, ``project_id``, ``version`` (the version published).
content_published = Signal()
