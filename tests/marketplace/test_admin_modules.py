"""The moderation admin is a package split by model: no module over the project's ~500 lines, and
the split changed neither what is registered nor a single admin URL."""

from __future__ import annotations

from pathlib import Path

from django.contrib import admin
from django.urls import reverse

import marketplace.admin
from marketplace.models import Listing, ModerationEvent, Report

MAX_LINES = 500


def test_no_admin_module_is_over_500_lines():
    root = Path(marketplace.admin.__file__)
    files = sorted(root.parent.glob("*.py")) if root.name == "__init__.py" else [root]
    sizes = {path.name: len(path.read_text().splitlines()) for path in files}
    assert len(sizes) > 1, "marketplace.admin should be a package with one module per model"
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_the_same_models_and_urls_are_registered():
    assert {Listing, Report, ModerationEvent} <= set(admin.site._registry)
    assert admin.site.index_template == "admin/marketplace/index.html"
    pk = "0" * 24
    assert reverse("admin:marketplace_listing_changelist") == "/admin/marketplace/listing/"
    assert reverse("admin:marketplace_listing_moderate", args=[pk, "reject"]) == (
        f"/admin/marketplace/listing/{pk}/moderate/reject/"
    )
    assert reverse("admin:marketplace_report_moderate", args=[1, "resolve_report"]) == (
        "/admin/marketplace/report/1/moderate/resolve_report/"
    )
    assert reverse("admin:marketplace_moderationevent_changelist") == (
        "/admin/marketplace/moderationevent/"
    )
