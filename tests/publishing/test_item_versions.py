"""Version rows are immutable and their numbers gap-free, even under concurrent writers."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection, transaction

from publishing import services
from publishing.models import ImmutableRowError, Prompt, PromptVersion
from publishing.tenancy import actor_for
from tests.factories import MembershipFactory


@pytest.fixture
def prompt_with_version(editor, org):
    actor = actor_for(editor, org)
    item = services.item_create(actor=actor, kind="prompt", data={"name": "n", "body": "b"})
    version, _ = services.item_checkpoint(actor=actor, kind="prompt", item_id=item.pk)
    return item, version


@pytest.mark.django_db
def test_orm_refuses_to_update_a_version(prompt_with_version):
    _, version = prompt_with_version
    version.body = "tampered"
    with pytest.raises(ImmutableRowError):
        version.save()
    with pytest.raises(ImmutableRowError):
        PromptVersion.objects.filter(pk=version.pk).update(body="tampered")
    assert PromptVersion.objects.get(pk=version.pk).body == "b"


@pytest.mark.django_db
def test_orm_refuses_to_delete_a_version(prompt_with_version):
    _, version = prompt_with_version
    with pytest.raises(ImmutableRowError):
        version.delete()
    with pytest.raises(ImmutableRowError):
        PromptVersion.objects.filter(pk=version.pk).delete()
    assert PromptVersion.objects.filter(pk=version.pk).exists()


@pytest.mark.django_db
def test_database_refuses_raw_updates(prompt_with_version):
    _, version = prompt_with_version
    with (
        pytest.raises(DatabaseError, match="immutable"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE publishing_promptversion SET body = 'x' WHERE id = %s", [version.pk])


@pytest.mark.django_db
def test_deleting_the_item_takes_its_versions(prompt_with_version, editor, org):
    item, _ = prompt_with_version
    services.item_delete(actor=actor_for(editor, org), kind="prompt", item_id=item.pk)
    assert not PromptVersion.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_checkpoints_and_edits_number_versions_without_gaps(org):
    from tests.factories import UserFactory

    editor = UserFactory()
    MembershipFactory(user=editor, organization=org, role="editor")
    actor = actor_for(editor, org)
    item = services.item_create(actor=actor, kind="prompt", data={"name": "n", "body": "start"})
    errors: list[BaseException] = []
    results: list[bool] = []
    barrier = threading.Barrier(12)

    def worker(index: int) -> None:
        try:
            barrier.wait()
            for step in range(3):
                services.item_update(
                    actor=actor, kind="prompt", item_id=item.pk, data={"body": f"w{index} s{step}"}
                )
                _, created = services.item_checkpoint(actor=actor, kind="prompt", item_id=item.pk)
                results.append(created)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    numbers = list(
        PromptVersion.objects.filter(item_id=item.pk)
        .order_by("number")
        .values_list("number", flat=True)
    )
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) == results.count(True)
    assert Prompt.objects.get(pk=item.pk).latest_version == len(numbers)
