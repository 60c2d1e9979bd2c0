"""Schema fuzzing: every operation of ``/api/schema/`` against the app, in process.

Schemathesis reads the project's own OpenAPI schema from the WSGI app and, for every operation,
sends generated requests (valid and invalid: boundary values, wrong types, NUL bytes, huge numbers,
odd unicode) as the owner of an organization that has data. In valid requests, path parameters and
the ids in bodies are swapped for real ones half of the time, so requests get past the 404s into
the code behind.

Every response must: not be a 5xx, have a status code the schema documents for the operation,
match the documented response schema and content type, and reject data the schema calls invalid.

The bounded CI profile runs ``FUZZ_MAX_EXAMPLES`` (default 25) generated cases per operation on top
of schemathesis' coverage cases, derandomized so that CI is repeatable; ``make fuzz`` runs a longer,
random profile.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import unquote

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.conftest import STATS
from tests.security.routes import shape, template
from tests.security.world import World

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "25"))
RANDOM = os.environ.get("FUZZ_RANDOM", "") == "1"

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

APP = WSGIHandler()
schema = schemathesis.openapi.from_wsgi("/api/schema/", APP)
# Unknown query parameters are refused on list endpoints only (config/query_params.py); other
# operations ignore them, so requests that add some are not "invalid" everywhere and the fuzzer
# does not send them. Unknown body fields are refused, and the fuzzer sends those.
schema.config.generation.update(
    max_examples=MAX_EXAMPLES,
    with_security_parameters=False,
    allow_extra_parameters=False,
    database="none",
)

# The world of the running test: the hooks below read real ids from it.
CURRENT: dict[str, World] = {}


def _real_path_values(path: str, world: World) -> dict[str, list[Any]]:
    home, rival = world.home, world.rival
    values: dict[str, list[Any]] = {
        "organization_id": [home.org_id],
        "project_id": [home.project_id, str(home.empty_project.pk)],
        "component_id": [str(c.pk) for c in (*home.views, home.layout, home.spare_component)],
        "listing_id": [
            home.org_listing_id,
            home.market_listing_id,
            rival.market_listing_id,
            rival.template_listing_id,
        ],
        "acquisition_id": [home.acquisition_ref_id, home.acquisition_copy_id],
        "member_id": [world.member_ids["colleague"], world.member_ids["viewer"]],
        "key_id": [world.key_ids["admin"], world.key_ids["viewer"]],
        "webhook_id": [home.webhook_id],
        "delivery_id": [home.delivery_id],
        "job_id": [home.bulk_job_id, rival.bulk_job_id],
        "number": ["1", "2"],
        "version": ["1.0.0", "draft"] if "/packages/" in path else ["1", "2"],
    }
    if path.startswith("/api/prompts/"):
        values["id"] = [home.prompt_id, home.draft_prompt_id]
    elif path.startswith("/api/templates/"):
        values["id"] = [home.template_id]
    elif "/content/" in path:
        values["id"] = [str(home.content.pk)]
    else:
        values["id"] = [str(home.content_type.pk), str(home.draft_content_type.pk)]
    return values


def _real_body_values(world: World) -> dict[str, list[Any]]:
    home = world.home
    views = [str(v.pk) for v in home.views]
    return {
        "itemId": [home.prompt_id, home.template_id, home.draft_prompt_id],
        "layoutComponentId": [str(home.layout.pk)],
        "componentIdsAllowList": [views, views[:1]],
        "packageVersion": ["1.0.0", "draft"],
        "typeId": [str(home.news_type.pk), str(home.content_type.pk)],
        "email": [world.users["colleague"].email, "nobody@example.com"],
        "url": ["https://hooks.example.com/fuzz"],
        "eventTypes": [["*"], ["listing.published", "webhook.test"]],
    }


def _mixed(original: dict[str, Any], real: dict[str, list[Any]]) -> st.SearchStrategy:
    """The generated values, each possibly replaced by one of the real ones."""
    return st.fixed_dictionaries(
        {
            key: st.one_of(st.just(value), st.sampled_from(real[key]))
            if key in real
            else st.just(value)
            for key, value in original.items()
        }
    )


@schema.hook
def flatmap_case(context, case):
    """Valid cases get real ids half of the time. Invalid (negative) cases are left alone: a real
    id swapped in could repair the very value that was meant to be invalid."""
    world = CURRENT.get("world")
    meta = case.meta
    if world is None or meta is None or not meta.generation.mode.is_positive:
        return st.just(case)
    path = case.path_parameters or {}
    body = case.body if isinstance(case.body, dict) else None

    def apply(choice: tuple[dict, dict | None]):
        new_path, new_body = choice
        if path:
            case.path_parameters = new_path
        if body is not None:
            case.body = new_body
        return case

    return st.tuples(
        _mixed(path, _real_path_values(context.operation.path, world)),
        _mixed(body, _real_body_values(world)) if body is not None else st.just(None),
    ).map(apply)


def _names_another_route(case) -> bool:
    """True when generated path parameters spell another route: ``PATCH /api/marketplace/{id}``
    with the id ``publish`` is a request to ``/api/marketplace/publish``, an operation of its own
    (fuzzed as such), not this one."""
    try:
        match = resolve(unquote(case.formatted_path))
    except Resolver404:
        return False
    return shape(template(match.route)) != shape(case.operation.path)


@pytest.fixture
def fuzz_world(shared_world, settings) -> World:
    """Real data (built once for the module), rate limits off, and the WSGI app sharing the
    test's transaction."""
    settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, "off")
    # Like Django's test client: the app must not close the connection that holds the test's
    # transaction at the end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    world = shared_world
    CURRENT["world"] = world
    yield world
    CURRENT.clear()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=not RANDOM,
    database=None,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms(case, fuzz_world):
    if _names_another_route(case):
        return
    token = fuzz_world.token("owner")
    # Each example starts from the same world: its writes (and a failed statement's aborted
    # transaction) are rolled back to this savepoint.
    savepoint = transaction.savepoint()
    try:
        response = case.call(headers={"Authorization": f"Bearer {token}"})
    finally:
        transaction.savepoint_rollback(savepoint)
    STATS[case.operation.label] = STATS.get(case.operation.label, 0) + 1
    case.validate_response(response, checks=CHECKS)
