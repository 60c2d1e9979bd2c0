"""The API docs in a real browser, with every request outside the live server refused, as on a
machine without internet: Swagger UI lists the operations, takes a JWT in "Authorize" and runs
"Try it out" on ``GET /api/auth/me``; ReDoc renders the reference."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from publishing.models import Membership
from tests.e2e.browser import PASSWORD, expect
from tests.factories import OrganizationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
SCHEMA_WAIT = 30_000  # ms: the schema is built on the first request, slowly on a busy machine


@pytest.fixture
def offline(page, live_server):
    """Abort every request that leaves the live server and remember it: the docs must not need
    the internet (a CDN, a font host)."""
    local = urlsplit(live_server.url).netloc
    refused: list[str] = []

    def route(route):
        url = route.request.url
        if urlsplit(url).netloc == local or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    page.route("**/*", route)
    return refused


@pytest.fixture
def member():
    user = UserFactory(email="ada@northwind.example", full_name="Ada Lovelace")
    user.set_password(PASSWORD)
    user.save()
    org = OrganizationFactory(name="Northwind Sales", slug="northwind")
    Membership.objects.create(user=user, organization=org, role="owner")
    return user


def test_swagger_ui_authorizes_with_a_jwt_and_tries_auth_me(page, live_server, offline, member):
    login = page.request.post(
        f"{live_server.url}/api/auth/login", data={"email": member.email, "password": PASSWORD}
    )
    assert login.status == 200
    access = login.json()["data"]["access"]

    page.goto(f"{live_server.url}/api/docs/")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible(timeout=SCHEMA_WAIT)  # the schema is generated live
    assert operations.count() > 20
    me = page.locator('.opblock-get:has(.opblock-summary-path[data-path="/api/auth/me"])')
    expect(me).to_have_count(1)

    page.locator(".auth-wrapper .authorize").click()
    dialog = page.locator(".dialog-ux")
    scheme = dialog.locator(".auth-container", has_text="jwtAuth")
    scheme.locator("input").fill(access)
    scheme.get_by_role("button", name="Apply credentials").click()
    expect(scheme).to_contain_text("Authorized")
    dialog.locator(".btn-done").first.click()
    expect(dialog).to_have_count(0)

    me.locator(".opblock-summary").click()
    me.get_by_role("button", name="Try it out").click()
    me.get_by_role("button", name="Execute").click()
    live = me.locator(".live-responses-table")
    expect(live.locator("tr.response .response-col_status")).to_have_text("200")
    expect(live.locator("tr.response .response-col_description")).to_contain_text(member.email)
    expect(me.locator(".curl-command")).to_contain_text("Authorization: Bearer ")
    assert offline == []


def test_redoc_renders_the_reference(page, live_server, offline):
    page.goto(f"{live_server.url}/api/redoc/")
    expect(page.locator(".api-info h1")).to_contain_text(
        "Publishing Platform API", timeout=SCHEMA_WAIT
    )
    expect(page.get_by_text("The signed-in user and their organizations").first).to_be_attached()
    assert page.locator("[data-section-id^='operation/']").count() > 20
    # ReDoc's bundle hard-codes one decorative image, the Redocly logo of its "API docs by Redocly"
    # footer, and hides it when it fails to load; nothing else may leave the server.
    assert [url for url in offline if url != REDOCLY_LOGO] == []
