"""publish_items / unpublish_items: selection, flags, dry runs, re-runs, failures, batches."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace import bulk
from marketplace.models import Listing
from publishing.models import AuditEvent, Prompt, PromptVersion, Template
from tests.dburl import database_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(org, owner, editor, make_item):
    prompts = [make_item(editor, name=f"p{i}") for i in range(5)]
    templates = [make_item(owner, kind="template", name=f"t{i}") for i in range(3)]
    return prompts, templates


def run(command: str, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        if stdin is not None:
            import sys

            old, sys.stdin = sys.stdin, io.StringIO(stdin)
            try:
                call_command(command, *args, stdout=out, stderr=err)
            finally:
                sys.stdin = old
        else:
            call_command(command, *args, stdout=out, stderr=err)
    except CommandError as exc:
        code = exc.returncode
        err.write(str(exc))
    return code, out.getvalue(), err.getvalue()


def summary(*args: str) -> dict:
    code, out, _ = run("publish_items", *args, "--json")
    data = json.loads(out)
    data["code"] = code
    return data


def test_publishes_everything_then_rerun_writes_nothing(org, catalogue):
    first = summary("--organization", org.slug, "--all", "--scope", "both")
    assert first["code"] == 0
    assert first["summary"]["selected"] == 8
    assert first["summary"]["published"] == 8
    assert Listing.objects.count() == 16
    assert PromptVersion.objects.filter(source="publish").count() == 5
    audits = AuditEvent.objects.filter(action="marketplace.listing.publish").count()
    updated = dict(Listing.objects.values_list("pk", "updated_at"))
    again = summary("--organization", org.slug, "--all", "--scope", "both")
    assert (again["summary"]["published"], again["summary"]["unchanged"]) == (0, 8)
    assert Listing.objects.count() == 16
    assert PromptVersion.objects.count() == 5
    assert AuditEvent.objects.filter(action="marketplace.listing.publish").count() == audits
    assert dict(Listing.objects.values_list("pk", "updated_at")) == updated


def test_changed_items_are_republished_with_a_new_version(org, catalogue, editor):
    prompts, _ = catalogue
    summary("--organization", org.slug, "--all")
    Prompt.objects.filter(pk=prompts[0].pk).update(body="new {{x}}")
    prompt = Prompt.objects.get(pk=prompts[0].pk)
    prompt.refresh_derived()
    prompt.save()
    again = summary("--organization", org.slug, "--all")
    assert again["summary"]["published"] == 1
    listing = Listing.objects.get(prompt=prompts[0])
    assert (listing.snapshot_body, listing.item_version) == ("new {{x}}", 2)


def test_settings_flags(org, catalogue):
    data = summary(
        "--organization",
        org.slug,
        "--all",
        "--item-type",
        "template",
        "--scope",
        "marketplace",
        "--share-type",
        "reference",
        "--allow-editable-references",
    )
    assert data["summary"]["published"] == 3
    listing = Listing.objects.get(template__name="t0")
    assert (listing.scope, listing.share_type, listing.is_content_visible) == (
        "marketplace",
        "reference",
        True,
    )
    assert listing.allow_editable_references is True
    assert not Listing.objects.filter(prompt__isnull=False).exists()


def test_selection_by_owner_and_updated_since(org, catalogue, owner):
    assert summary("--organization", org.slug, "--owner", owner.email)["summary"]["selected"] == 3
    Prompt.objects.filter(name="p1").update(updated_at=timezone.now() - timedelta(days=30))
    since = (timezone.now() - timedelta(days=1)).date().isoformat()
    data = summary("--organization", org.slug, "--updated-since", since, "--item-type", "prompt")
    assert data["summary"]["selected"] == 4


def test_ids_file_routes_ids_and_reports_failures(
    org, catalogue, tmp_path, other_org, stranger, make_item
):
    prompts, templates = catalogue
    ids = tmp_path / "ids.txt"
    ids.write_text(f"# comment\n{prompts[0].pk}\n{templates[0].pk}\n\nnot-an-id\n{'c' * 24}\n")
    data = summary("--organization", org.slug, "--ids-file", str(ids))
    assert data["code"] == 1
    assert data["summary"]["published"] == 2
    failures = {f["id"]: f["code"] for f in data["failures"]}
    assert failures == {"not-an-id": "VALIDATION_FAILED", "c" * 24: "NOT_FOUND"}


def test_ids_from_stdin(org, catalogue):
    prompts, _ = catalogue
    code, out, _ = run(
        "publish_items",
        "--organization",
        org.slug,
        "--ids-file",
        "-",
        "--json",
        stdin=f"{prompts[1].pk}\n",
    )
    assert code == 0
    assert json.loads(out)["summary"]["published"] == 1


def test_acting_user_role_is_checked_like_the_api(org, catalogue, editor, viewer):
    data = summary("--organization", org.slug, "--all", "--as", editor.email)
    # The editor publishes their own five prompts; the owner's templates are forbidden to them.
    assert data["code"] == 1
    assert data["summary"]["published"] == 5
    assert {f["code"] for f in data["failures"]} == {"FORBIDDEN"}
    assert len(data["failures"]) == 3
    assert (
        summary("--organization", org.slug, "--all", "--as", viewer.email)["summary"]["published"]
        == 0
    )


def test_dry_run_validates_and_writes_nothing(org, catalogue):
    code, out, _ = run("publish_items", "--organization", org.slug, "--all", "--dry-run")
    assert code == 0
    assert "DRY RUN" in out
    assert "published 8" in out
    assert not Listing.objects.exists()
    assert not PromptVersion.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="marketplace").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--organization", "nope", "--all"],
        ["--organization", "acme-publishing"],
        ["--organization", "acme-publishing", "--all", "--owner", "x@y.z"],
        ["--organization", "acme-publishing", "--all", "--batch-size", "0"],
        ["--organization", "acme-publishing", "--updated-since", "yesterday"],
        ["--organization", "acme-publishing", "--owner", "ghost@nowhere.test"],
        ["--organization", "acme-publishing", "--ids-file", "/nonexistent/ids"],
        ["--organization", "acme-publishing", "--all", "--as", "stranger@rival.test"],
        ["--organization", "acme-publishing", "--all", "--allow-editable-references"],
    ],
)
def test_usage_errors_exit_2_and_write_nothing(args, org, catalogue, stranger):
    code, _, err = run("publish_items", *args)
    assert code == 2, err
    assert not Listing.objects.exists()


def test_moderation_statuses_are_respected(org, catalogue):
    summary("--organization", org.slug, "--all", "--scope", "marketplace")
    Listing.objects.filter(template__name="t0").update(status="suspended", moderation_hold=True)
    Listing.objects.filter(template__name="t1").update(status="rejected", moderation_hold=True)
    Template.objects.filter(name__in=["t0", "t1"]).update(description="changed")
    for template in Template.objects.filter(name__in=["t0", "t1"]):
        template.refresh_derived()
        template.save()
    summary("--organization", org.slug, "--all", "--scope", "marketplace")
    statuses = dict(Listing.objects.values_list("template__name", "status"))
    assert statuses["t0"] == statuses["t1"] == "pending_review"
    assert statuses["t2"] == "active"


def test_unpublish_items(org, catalogue):
    summary("--organization", org.slug, "--all", "--scope", "both")
    code, out, _ = run(
        "unpublish_items",
        "--organization",
        org.slug,
        "--all",
        "--item-type",
        "prompt",
        "--scope",
        "marketplace",
        "--json",
    )
    assert code == 0
    assert json.loads(out)["summary"]["unpublished"] == 5
    assert Listing.objects.filter(status="unpublished").count() == 5
    assert Listing.objects.filter(scope="organization", status="active").count() == 8
    again = json.loads(
        run(
            "unpublish_items",
            "--organization",
            org.slug,
            "--all",
            "--item-type",
            "prompt",
            "--scope",
            "marketplace",
            "--json",
        )[1]
    )
    assert (again["summary"]["unpublished"], again["summary"]["unchanged"]) == (0, 5)


def test_a_batch_failing_midway_leaves_nothing_of_that_batch(org, catalogue, monkeypatch):
    calls = {"n": 0}
    original = bulk.publish_locked_items

    def failing(**kwargs):
        calls["n"] += 1
        result = original(**kwargs)  # the batch's writes happen…
        if calls["n"] == 2:
            raise RuntimeError("disk on fire")  # …then the batch dies before committing
        return result

    monkeypatch.setattr(bulk, "publish_locked_items", failing)
    with pytest.raises(RuntimeError):
        call_command(
            "publish_items",
            "--organization",
            org.slug,
            "--all",
            "--batch-size",
            "2",
            "--item-type",
            "prompt",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    # Batch 1 (2 prompts) committed; batch 2 rolled back entirely.
    assert Listing.objects.count() == 2
    assert PromptVersion.objects.count() == 2
    monkeypatch.setattr(bulk, "publish_locked_items", original)
    data = summary(
        "--organization", org.slug, "--all", "--item-type", "prompt", "--batch-size", "2"
    )
    assert (data["summary"]["published"], data["summary"]["unchanged"]) == (3, 2)


def test_queries_per_batch_do_not_grow_with_batch_size(org, owner, make_item):
    from marketplace.services import ScopeSettings
    from publishing.tenancy import actor_for

    actor = actor_for(owner, org)
    counts = []
    for size in (3, 40):
        ids = [make_item(owner, name=f"s{size}-{i}").pk for i in range(size)]
        with CaptureQueriesContext(connection) as captured:
            result = bulk.listing_publish_batch(
                actor=actor,
                item_type="prompt",
                item_ids=ids,
                scopes={
                    "organization": ScopeSettings("copy"),
                    "marketplace": ScopeSettings("copy"),
                },
            )
        assert result.changed == size
        counts.append(len(captured))
    assert counts[0] == counts[1]
    # +2: one insert of the events, one select of endpoints; +1: one insert of listing versions
    assert counts[0] <= 11


def test_plain_progress_and_summary_lines(org, catalogue):
    code, out, _ = run("publish_items", "--organization", org.slug, "--all")
    assert code == 0
    assert out.strip().startswith("selected 8, published 8, unchanged 0, failed 0")


@pytest.mark.django_db(transaction=True)
def test_exit_codes_from_the_command_line(org, owner, make_item):
    import os
    import subprocess
    import sys

    make_item(owner, name="ok")
    env = {**os.environ, "DATABASE_URL": database_url(), "DEBUG": "1"}
    env.pop("PYTEST_VERSION", None)

    def exit_code(*args: str) -> int:
        return subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "publish_items", *args],
            env=env,
            capture_output=True,
            timeout=120,
            check=False,
        ).returncode

    assert exit_code("--organization", org.slug) == 2  # no selection
    assert exit_code("--organization", "missing", "--all") == 2
    assert exit_code("--organization", org.slug, "--all") == 0
    ids = "/tmp/publishing-bad-ids.txt"  # noqa: S108 - test scratch file
    with open(ids, "w") as handle:
        handle.write("bad\n")
    assert exit_code("--organization", org.slug, "--ids-file", ids) == 1


def test_dry_run_verbose_lists_what_would_change(org, catalogue):
    code, _, err = run("publish_items", "--organization", org.slug, "--all", "--dry-run", "-v", "2")
    assert code == 0
    assert err.count("would be published: ") == 8
