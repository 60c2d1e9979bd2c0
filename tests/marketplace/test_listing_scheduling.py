"""Scheduled listings: per-scope publishAt / unpublishAt on publish and PATCH, visibility exact
at read time against the database clock (frozen in the session with ``marketplace.now``), and
the job and the sweep storing each transition once."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from marketplace.models import Acquisition, Listing
from marketplace.selectors import BrowseParams, listing_browse
from marketplace.services import (
    ScheduleRequest,
    ScopeSettings,
    listing_approve,
    listing_publish,
    listing_schedule_run,
    listing_schedule_sweep,
)
from marketplace.services.scheduling import RUN_TASK
from publishing.tenancy import actor_for
from tests.conftest import bearer_client, error_of
from tests.marketplace.conftest import both_scopes
from tests.marketplace.moderation_helpers import make_moderator
from webhooks.models import Event

pytestmark = pytest.mark.django_db

US = dt.timedelta(microseconds=1)


def iso(value: dt.datetime) -> str:
    return value.isoformat()


def later(**delta: float) -> dt.datetime:
    # Whole seconds: the database stores microseconds, the clock comparisons are exact.
    return (timezone.now() + dt.timedelta(**delta)).replace(microsecond=0)


def freeze_db_clock(at: dt.datetime | None) -> None:
    """Set (or, with None, release) the clock every visibility query reads, for the rest of the
    test's transaction: requests of the test client run in it too."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('marketplace.now', %s, true)", [at.isoformat() if at else ""]
        )


def events(kind: str, listing_id: str) -> int:
    return Event.objects.filter(type=kind, data__id=listing_id).count()


def schedule_jobs() -> list[tuple[dict, dt.datetime]]:
    """The schedule jobs of listings that exist (a transactional test's jobs outlive its rows)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT args, scheduled_at FROM procrastinate_jobs WHERE task_name = %s "
            "AND args->>'listing_id' IN (SELECT id FROM marketplace_listing) ORDER BY id",
            [RUN_TASK],
        )
        return [
            (json.loads(args) if isinstance(args, str) else args, at)
            for args, at in cursor.fetchall()
        ]


def publish(editor, org, item, **schedule) -> Listing:
    return listing_publish(
        actor=actor_for(editor, org),
        item_type="prompt",
        item_id=item.pk,
        scopes={
            "marketplace": ScopeSettings(
                "reference", True, False, schedule=ScheduleRequest(**schedule)
            )
        },
    )[0]


def browse_ids(user) -> set[str]:
    response = bearer_client(user).get("/api/marketplace")
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["data"]["items"]}


# --- exact at read time ------------------------------------------------------------------------
def test_visible_exactly_from_publish_at_until_unpublish_at_without_the_job(
    org, editor, stranger, make_item
):
    start, end = later(hours=1), later(hours=2)
    item = make_item(editor)
    listing = publish(editor, org, item, publish_at=start, unpublish_at=end)
    assert listing.status == "scheduled"
    assert listing.published_at == start
    client = bearer_client(stranger)
    detail = f"/api/marketplace/{listing.pk}"

    freeze_db_clock(start - US)
    assert listing.pk not in browse_ids(stranger)
    assert client.get(detail).status_code == 404
    assert client.get("/api/marketplace?q=triage").json()["data"]["items"] == []
    assert client.post(f"{detail}/acquire", {}, format="json").status_code == 404
    own = bearer_client(editor).get("/api/marketplace/my-published").json()["data"]["items"]
    assert [(row["id"], row["status"]) for row in own] == [(listing.pk, "scheduled")]

    freeze_db_clock(start)  # the first instant at publishAt: visible, no job has run
    assert listing.pk in browse_ids(stranger)
    assert client.get(detail).json()["data"]["status"] == "active"
    assert listing.pk in {
        r["id"] for r in client.get("/api/marketplace?q=triage").json()["data"]["items"]
    }
    acquired = client.post(f"{detail}/acquire", {}, format="json")
    assert acquired.status_code == 201, acquired.content
    acquisition_id = acquired.json()["data"]["acquired"]["id"]
    # the event says available too (judged by the database clock, not the web process's)
    assert Event.objects.get(type="acquisition.created").data["available"] is True
    reference = client.get(f"/api/marketplace/acquired/{acquisition_id}").json()["data"]
    assert reference["available"] is True
    assert reference["item"]["name"] == item.name

    freeze_db_clock(end - US)
    assert listing.pk in browse_ids(stranger)
    freeze_db_clock(end)  # gone at unpublishAt, the reference stops resolving, no job has run
    assert listing.pk not in browse_ids(stranger)
    assert client.get(detail).status_code == 404
    gone = client.get(f"/api/marketplace/acquired/{acquisition_id}")
    assert gone.status_code == 410
    assert error_of(gone)["code"] == "LISTING_UNAVAILABLE"
    library = client.get("/api/marketplace/acquired").json()["data"]["items"]
    assert [row["available"] for row in library] == [False]
    mine = bearer_client(editor).get(detail).json()["data"]
    assert mine["status"] == "unpublished"
    assert Listing.objects.get(pk=listing.pk).status == "scheduled"  # nothing stored yet


def test_after_the_job_ran_the_stored_status_matches_with_one_event_each(
    org, editor, stranger, make_item
):
    start, end = later(hours=1), later(hours=2)
    listing = publish(editor, org, make_item(editor), publish_at=start, unpublish_at=end)
    assert listing_schedule_run(listing_id=listing.pk, transition="publish", now=start - US) == (
        "not_due"
    )
    assert listing_schedule_run(listing_id=listing.pk, transition="publish", now=start) == "done"
    stored = Listing.objects.get(pk=listing.pk)
    assert (stored.status, stored.published_at) == ("active", start)
    freeze_db_clock(start)
    assert listing.pk in browse_ids(stranger)
    # the job again, the sweep, and the unpublish job before its time: nothing more
    assert listing_schedule_run(listing_id=listing.pk, transition="publish", now=start) == (
        "finished"
    )
    assert listing_schedule_sweep(now=start) == 0
    assert listing_schedule_run(listing_id=listing.pk, transition="unpublish", now=end - US) == (
        "not_due"
    )
    assert events("listing.published", listing.pk) == 2  # the publish (scheduled), the go-live
    assert listing_schedule_sweep(now=end) == 1
    assert listing_schedule_run(listing_id=listing.pk, transition="unpublish", now=end) == (
        "finished"
    )
    assert Listing.objects.get(pk=listing.pk).status == "unpublished"
    assert events("listing.unpublished", listing.pk) == 1
    freeze_db_clock(end)
    assert listing.pk not in browse_ids(stranger)


def test_both_times_passed_before_any_worker_ends_unpublished(org, editor, make_item):
    start, end = later(hours=1), later(hours=2)
    listing = publish(editor, org, make_item(editor), publish_at=start, unpublish_at=end)
    assert listing_schedule_run(listing_id=listing.pk, transition="unpublish", now=end) == "done"
    assert Listing.objects.get(pk=listing.pk).status == "unpublished"
    assert events("listing.published", listing.pk) == 2
    assert events("listing.unpublished", listing.pk) == 1


def test_publish_defers_one_job_per_time_in_its_transaction(org, editor, make_item):
    start, end = later(hours=1), later(hours=2)
    listing = publish(editor, org, make_item(editor), publish_at=start, unpublish_at=end)
    jobs = schedule_jobs()
    assert [(args, at) for args, at in jobs] == [
        ({"listing_id": listing.pk, "transition": "publish"}, start),
        ({"listing_id": listing.pk, "transition": "unpublish"}, end),
    ]


# --- the API: validation, keep and clear ---------------------------------------------------------
@pytest.mark.parametrize(
    ("times", "field", "message"),
    [
        ({"publishAt": "2030-01-01T09:00:00"}, "publishAt", "UTC offset"),
        ({"publishAt": "soon"}, "publishAt", "UTC offset"),
        ({"publishAt": "2020-01-01T09:00:00Z"}, "publishAt", "Must be in the future."),
        ({"unpublishAt": "PLUS2Y"}, "unpublishAt", "at most one year ahead"),
        ({"publishAt": "PLUS2H", "unpublishAt": "PLUS1H"}, "unpublishAt", "after publishAt"),
    ],
)
def test_invalid_times_answer_400_per_scope_field_and_write_nothing(
    org, editor, make_item, times, field, message
):
    values = {"PLUS1H": iso(later(hours=1)), "PLUS2H": iso(later(hours=2))}
    values["PLUS2Y"] = iso(later(days=800))
    times = {key: values.get(value, value) for key, value in times.items()}
    item = make_item(editor)
    response = bearer_client(editor).post(
        "/api/marketplace/publish", both_scopes(item.pk, **times), format="json"
    )
    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["code"] == "VALIDATION_FAILED"
    fields = error["details"]["fields"]
    key = next(k for k in fields if k.endswith(field))
    assert "marketplace" in key
    assert any(message in text for text in fields[key])
    assert not Listing.objects.exists()
    assert schedule_jobs() == []


def test_schedules_are_per_scope(org, editor, stranger, make_item):
    item = make_item(editor)
    start = later(hours=3)
    body = both_scopes(item.pk, publishAt=iso(start))
    response = bearer_client(editor).post("/api/marketplace/publish", body, format="json")
    assert response.status_code in (200, 201), response.content
    published = {row["scope"]: row for row in response.json()["data"]["published"]}
    assert published["organization"]["status"] == "active"
    assert published["organization"]["publishAt"] is None
    assert published["marketplace"]["status"] == "scheduled"
    assert published["marketplace"]["publishAt"].startswith(start.strftime("%Y-%m-%dT%H:%M:%S"))
    assert published["marketplace"]["id"] not in browse_ids(stranger)


def test_patch_without_times_keeps_them_and_null_clears(org, editor, stranger, make_item):
    start, end = later(hours=1), later(hours=2)
    listing = publish(editor, org, make_item(editor), publish_at=start, unpublish_at=end)
    client = bearer_client(editor)
    url = f"/api/marketplace/{listing.pk}"
    body = client.patch(url, {"metadata": {"name": "Renamed"}}, format="json").json()["data"]
    assert (body["status"], body["publishAt"] is not None, body["unpublishAt"] is not None) == (
        "scheduled",
        True,
        True,
    )
    moved = later(hours=5)
    body = client.patch(url, {"unpublishAt": iso(moved)}, format="json").json()["data"]
    stored = Listing.objects.get(pk=listing.pk)
    assert (stored.publish_at, stored.unpublish_at) == (start, moved)
    refused = client.patch(
        url, {"unpublishAt": iso(start - dt.timedelta(minutes=1))}, format="json"
    )
    assert refused.status_code == 400
    assert "unpublishAt" in error_of(refused)["details"]["fields"]
    body = client.patch(url, {"publishAt": None}, format="json").json()["data"]
    assert body["status"] == "active"
    assert body["publishAt"] is None
    assert listing.pk in browse_ids(stranger)
    # a live listing cannot be taken back to scheduled by PATCH; unpublishAt alone is fine
    refused = client.patch(url, {"publishAt": iso(later(hours=1))}, format="json")
    assert refused.status_code == 400
    assert "already live" in " ".join(error_of(refused)["details"]["fields"]["publishAt"])


def test_republish_without_times_keeps_the_schedule(org, editor, make_item):
    start = later(hours=1)
    item = make_item(editor)
    publish(editor, org, item, publish_at=start)
    again = publish(editor, org, item)
    assert (again.status, again.publish_at) == ("scheduled", start)


# --- review ------------------------------------------------------------------------------------
@override_settings(MARKETPLACE_REQUIRE_REVIEW=True)
def test_approved_before_the_time_goes_live_at_the_time(
    org, editor, stranger, moderator, make_item
):
    start = later(hours=1)
    listing = publish(editor, org, make_item(editor), publish_at=start)
    assert listing.status == "pending_review"
    approved = listing_approve(listing_id=listing.pk, moderator=make_moderator())
    assert (approved.status, approved.published_at) == ("scheduled", start)
    freeze_db_clock(start - US)
    assert listing.pk not in browse_ids(stranger)
    freeze_db_clock(start)
    assert listing.pk in browse_ids(stranger)


@override_settings(MARKETPLACE_REQUIRE_REVIEW=True)
def test_still_pending_at_the_time_stays_invisible(org, editor, stranger, make_item):
    start = later(hours=1)
    listing = publish(editor, org, make_item(editor), publish_at=start)
    freeze_db_clock(start)
    assert listing.pk not in browse_ids(stranger)
    assert listing_schedule_run(listing_id=listing.pk, transition="publish", now=start) == (
        "finished"
    )
    assert Listing.objects.get(pk=listing.pk).status == "pending_review"


# --- browse keeps its index ----------------------------------------------------------------------
def test_browse_first_page_is_an_ordered_range_on_the_live_index(org, editor, stranger):
    queryset = listing_browse(
        actor=actor_for(stranger, stranger.memberships.get().organization), params=BrowseParams()
    )
    with connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
    plan = queryset[:21].explain()
    assert "listing_live_newest_idx" in plan, plan
    assert "published_at <= " in plan, plan  # the clock is an index range, not a filter
    assert "Sort" not in plan.split("SubPlan")[0], plan


@pytest.mark.parametrize(
    ("sort", "index"), [("popular", "listing_live_popular_idx"), ("name", "listing_live_name_idx")]
)
def test_browse_sorted_by_popularity_or_name_reads_its_index_in_order(stranger, sort, index):
    queryset = listing_browse(
        actor=actor_for(stranger, stranger.memberships.get().organization),
        params=BrowseParams(sort=sort),
    )
    with connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
    plan = queryset[:21].explain()
    assert index in plan, plan
    assert "Sort" not in plan.split("SubPlan")[0], plan


# --- the job and the sweep racing ----------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_job_and_the_sweep_racing_store_one_transition_and_one_event(org, editor, make_item):
    start = later(hours=1)
    listing = publish(editor, org, make_item(editor), publish_at=start)
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def run(call) -> None:
        try:
            barrier.wait()
            outcomes.append(call())
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=run,
            args=(
                lambda: listing_schedule_run(
                    listing_id=listing.pk, transition="publish", now=start
                ),
            ),
        ),
        threading.Thread(target=run, args=(lambda: listing_schedule_sweep(now=start),)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(str, outcomes)) in (["0", "done"], ["1", "finished"])
    assert Listing.objects.get(pk=listing.pk).status == "active"
    assert events("listing.published", listing.pk) == 2  # publish (scheduled) + go-live, once
    assert not Acquisition.objects.exists()
    with connection.cursor() as cursor:  # the committed jobs would outlive the flushed rows
        cursor.execute("DELETE FROM procrastinate_jobs WHERE task_name = %s", [RUN_TASK])


# --- the schema and the cost -----------------------------------------------------------------
def test_openapi_documents_the_times_on_input_and_output():
    from drf_spectacular.generators import SchemaGenerator

    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    for name in ("ScopeInputRequest", "PatchedListingUpdateInputRequest"):
        if name not in components:
            name = name.replace("Patched", "")
        for field in ("publishAt", "unpublishAt"):
            assert components[name]["properties"][field]["format"] == "date-time", (name, field)
            assert components[name]["properties"][field]["nullable"] is True
    for name in ("OwnListingOutput", "PublishedEntry"):
        assert {"publishAt", "unpublishAt"} <= components[name]["properties"].keys()
    status_enums = [c["enum"] for c in components.values() if "pending_review" in c.get("enum", [])]
    assert status_enums
    assert all("scheduled" in enum for enum in status_enums)


def test_scheduling_adds_one_statement_whatever_the_scopes(org, editor, make_item):
    from django.test.utils import CaptureQueriesContext

    def publish_both(item, **times):
        body = {
            scope: ScopeSettings("copy", schedule=ScheduleRequest(**times))
            for scope in ("organization", "marketplace")
        }
        with CaptureQueriesContext(connection) as captured:
            listing_publish(
                actor=actor_for(editor, org), item_type="prompt", item_id=item.pk, scopes=body
            )
        return len(captured)

    plain = publish_both(make_item(editor))
    scheduled = publish_both(
        make_item(editor), publish_at=later(hours=1), unpublish_at=later(hours=2)
    )
    assert scheduled == plain + 1  # four jobs, one insert
    assert len(schedule_jobs()) == 4


def test_unpublishing_before_the_time_cancels_the_go_live(org, editor, stranger, make_item):
    from marketplace.services import listing_unpublish

    start = later(hours=1)
    listing = publish(editor, org, make_item(editor), publish_at=start)
    listing_unpublish(actor=actor_for(editor, org), listing_id=listing.pk)
    assert listing_schedule_run(listing_id=listing.pk, transition="publish", now=start) == (
        "finished"
    )
    freeze_db_clock(start)
    assert listing.pk not in browse_ids(stranger)
    assert Listing.objects.get(pk=listing.pk).status == "unpublished"
    assert events("listing.published", listing.pk) == 1  # only the publish that scheduled it
