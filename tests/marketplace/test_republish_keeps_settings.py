"""Issue 14.1 and 14.2: republishing keeps what the request does not state; settings that cannot
go together are refused by the publish core, for every caller."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from config.errors import ValidationFailedError
from marketplace.bulk import listing_publish_batch
from marketplace.models import Listing
from marketplace.services import ScopeSettings, listing_publish
from publishing.tenancy import actor_for
from tests.conftest import bearer_client, error_of
from tests.marketplace.conftest import both_scopes

pytestmark = pytest.mark.django_db
PUBLISH = "/api/marketplace/publish"


def _marketplace_only(item_id: str, **settings) -> dict:
    return {
        "itemType": "prompt",
        "itemId": item_id,
        "scopes": {"marketplace": {"enabled": True, "shareType": "reference", **settings}},
    }


def test_api_republish_without_is_content_visible_keeps_it_hidden(editor, make_item):
    item = make_item(editor)
    client = bearer_client(editor)
    assert client.post(PUBLISH, both_scopes(item.pk), format="json").status_code == 200
    again = client.post(PUBLISH, _marketplace_only(item.pk), format="json")
    assert again.status_code == 200, again.json()
    (entry,) = again.json()["data"]["published"]
    assert entry["isContentVisible"] is False
    assert Listing.objects.get(scope="marketplace").is_content_visible is False


def test_api_republish_keeps_editable_references_and_display_metadata(editor, make_item):
    item = make_item(editor)
    client = bearer_client(editor)
    first = _marketplace_only(item.pk, isContentVisible=True, allowEditableReferences=True)
    first["metadata"] = {"name": "Shown name", "usageInformation": "How to"}
    assert client.post(PUBLISH, first, format="json").status_code == 200
    assert client.post(PUBLISH, _marketplace_only(item.pk), format="json").status_code == 200
    listing = Listing.objects.get()
    assert (listing.allow_editable_references, listing.is_content_visible) == (True, True)
    assert (listing.name, listing.usage_information) == ("Shown name", "How to")


def test_api_explicit_is_content_visible_true_makes_hidden_content_visible(editor, make_item):
    item = make_item(editor)
    client = bearer_client(editor)
    client.post(PUBLISH, _marketplace_only(item.pk, isContentVisible=False), format="json")
    shown = client.post(PUBLISH, _marketplace_only(item.pk, isContentVisible=True), format="json")
    assert shown.json()["data"]["published"][0]["isContentVisible"] is True


def test_new_listing_takes_the_defaults(editor, make_item):
    item = make_item(editor)
    response = bearer_client(editor).post(PUBLISH, _marketplace_only(item.pk), format="json")
    (entry,) = response.json()["data"]["published"]
    assert (entry["isContentVisible"], entry["allowEditableReferences"]) == (True, False)


def test_api_refuses_editable_references_to_hidden_content_with_both_fields(editor, make_item):
    item = make_item(editor)
    body = _marketplace_only(item.pk, isContentVisible=False, allowEditableReferences=True)
    response = bearer_client(editor).post(PUBLISH, body, format="json")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "VALIDATION_FAILED"
    assert set(error["details"]["fields"]) == {
        "scopes.marketplace.allowEditableReferences",
        "scopes.marketplace.isContentVisible",
    }
    assert not Listing.objects.exists()


def test_republish_stating_editable_on_a_hidden_listing_is_refused(editor, make_item):
    item = make_item(editor)
    client = bearer_client(editor)
    client.post(PUBLISH, _marketplace_only(item.pk, isContentVisible=False), format="json")
    response = client.post(
        PUBLISH, _marketplace_only(item.pk, allowEditableReferences=True), format="json"
    )
    assert response.status_code == 400
    assert "scopes.marketplace.isContentVisible" in error_of(response)["details"]["fields"]
    assert Listing.objects.get().allow_editable_references is False


def test_a_refusal_of_a_kept_setting_says_it_was_kept(editor, make_item):
    item = make_item(editor)
    client = bearer_client(editor)
    body = _marketplace_only(item.pk, isContentVisible=True, allowEditableReferences=True)
    client.post(PUBLISH, body, format="json")
    as_copy = _marketplace_only(item.pk)
    as_copy["scopes"]["marketplace"]["shareType"] = "copy"
    response = client.post(PUBLISH, as_copy, format="json")
    assert response.status_code == 400
    messages = error_of(response)["details"]["fields"]["scopes.marketplace.allowEditableReferences"]
    assert "allowEditableReferences is kept from the listing; state it to change it." in messages


def test_patch_refuses_hiding_the_content_of_an_editable_listing(editor, make_item):
    item = make_item(editor)
    client = bearer_client(editor)
    body = _marketplace_only(item.pk, isContentVisible=True, allowEditableReferences=True)
    listing_id = client.post(PUBLISH, body, format="json").json()["data"]["published"][0]["id"]
    response = client.patch(
        f"/api/marketplace/{listing_id}", {"isContentVisible": False}, format="json"
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "VALIDATION_FAILED"
    assert set(error["details"]["fields"]) == {"allowEditableReferences", "isContentVisible"}
    assert Listing.objects.get().is_content_visible is True


def test_the_core_refuses_editable_copies_for_any_caller(org, editor, make_item):
    """A new caller of the publish core gets VALIDATION_FAILED, not the constraint's 409."""
    item = make_item(editor)
    actor = actor_for(editor, org)
    with pytest.raises(ValidationFailedError) as refused:
        listing_publish(
            actor=actor,
            item_type="prompt",
            item_id=item.pk,
            scopes={"marketplace": ScopeSettings("copy", True, True)},
        )
    assert "scopes.marketplace.allowEditableReferences" in refused.value.details["fields"]
    other = make_item(editor, name="other")
    result = listing_publish_batch(
        actor=actor,
        item_type="prompt",
        item_ids=[item.pk, other.pk],
        scopes={"marketplace": ScopeSettings("copy", True, True)},
    )
    assert [(f.item_id, f.code) for f in result.failures] == sorted(
        [(item.pk, "VALIDATION_FAILED"), (other.pk, "VALIDATION_FAILED")]
    )
    assert not Listing.objects.exists()


# --- publish_items -------------------------------------------------------------------------------
def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("publish_items", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def test_command_keeps_existing_settings_without_overrides(org, owner, make_item):
    item = make_item(owner)
    listing_publish(
        actor=actor_for(owner, org),
        item_type="prompt",
        item_id=item.pk,
        scopes={"marketplace": ScopeSettings("reference", True, True)},
    )
    hidden = make_item(owner, name="hidden")
    listing_publish(
        actor=actor_for(owner, org),
        item_type="prompt",
        item_id=hidden.pk,
        scopes={"marketplace": ScopeSettings("reference", False, False)},
    )
    code, _, err = run("--organization", org.slug, "--all", "--scope", "marketplace")
    assert code == 0, err
    settings = {
        listing.prompt_id: (
            listing.share_type,
            listing.is_content_visible,
            listing.allow_editable_references,
        )
        for listing in Listing.objects.all()
    }
    assert settings == {item.pk: ("reference", True, True), hidden.pk: ("reference", False, False)}


def test_command_overrides_and_show_content_is_the_only_way_to_visible(org, owner, make_item):
    item = make_item(owner)
    args = ("--organization", org.slug, "--all", "--scope", "marketplace", "--json")
    assert run(*args, "--share-type", "reference", "--hide-content")[0] == 0
    assert run(*args, "--share-type", "copy")[0] == 0
    listing = Listing.objects.get(prompt=item)
    assert (listing.share_type, listing.is_content_visible) == ("copy", False)
    assert run(*args, "--show-content")[0] == 0
    listing.refresh_from_db()
    assert listing.is_content_visible is True


def test_command_new_listings_get_the_documented_defaults(org, owner, make_item):
    make_item(owner)
    assert run("--organization", org.slug, "--all", "--scope", "marketplace")[0] == 0
    listing = Listing.objects.get()
    assert (listing.share_type, listing.is_content_visible) == ("copy", True)
    assert listing.allow_editable_references is False


def test_dry_run_verbose_lists_each_setting_that_would_change(org, owner, make_item):
    item = make_item(owner)
    listing_publish(
        actor=actor_for(owner, org),
        item_type="prompt",
        item_id=item.pk,
        scopes={"marketplace": ScopeSettings("reference", False, False)},
    )
    code, _, err = run(
        "--organization",
        org.slug,
        "--all",
        "--scope",
        "marketplace",
        "--show-content",
        "--dry-run",
        "-v",
        "2",
    )
    assert code == 0, err
    lines = err.splitlines()
    at = lines.index(f"would be published: prompt {item.pk}")
    assert lines[at + 1] == "  marketplace: isContentVisible false → true"
    assert Listing.objects.get().is_content_visible is False


def test_command_refuses_contradicting_flags(org, owner, make_item):
    make_item(owner)
    code, _, _ = run(
        "--organization",
        org.slug,
        "--all",
        "--share-type",
        "reference",
        "--hide-content",
        "--allow-editable-references",
    )
    assert code == 2
    assert not Listing.objects.exists()


def test_command_reports_an_editable_reference_turned_copy_per_item(org, owner, make_item):
    item = make_item(owner)
    listing_publish(
        actor=actor_for(owner, org),
        item_type="prompt",
        item_id=item.pk,
        scopes={"marketplace": ScopeSettings("reference", True, True)},
    )
    code, out, _ = run(
        "--organization",
        org.slug,
        "--all",
        "--scope",
        "marketplace",
        "--share-type",
        "copy",
        "--json",
    )
    assert code == 1
    (failure,) = json.loads(out)["failures"]
    assert (failure["id"], failure["code"]) == (item.pk, "VALIDATION_FAILED")
    assert Listing.objects.get().share_type == "reference"


def test_help_states_the_defaults_for_new_listings():
    from marketplace.management.commands.publish_items import Command

    text = Command().create_parser("manage.py", "publish_items").format_help()
    flat = " ".join(text.split())
    assert "new listings default to --share-type copy" in flat
    assert "--show-content" in flat
    assert "--no-editable-references" in flat
