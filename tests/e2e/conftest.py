"""Fixtures of the browser tests: one headless Chromium per module, a fresh page per test.

Skipped, with the reason, when the ``playwright`` package or a ``chromium`` binary is missing;
``REQUIRE_BROWSER_TESTS=1`` (set by ``.ci/run`` once Chromium is installed) turns that skip into a
failure.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.e2e.browser import CHROMIUM_ARGS, VIEWPORT, missing, sync_playwright


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs ~0.25 s per user; these tests create many users and check no passwords
    # (the browser test logs in, with the same hasher on both sides).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def browser(django_db_setup):
    reason = missing()
    if reason:
        if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
            pytest.fail(f"browser tests required but {reason}")
        pytest.skip(f"browser test skipped: {reason}")
    # Playwright's sync API runs an event loop on this thread while the browser is open; the ORM
    # calls the tests make between browser steps (and pytest-django's flush) are plain
    # synchronous code, so Django's async-safety guard has to stand down meanwhile.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def demo(transactional_db):
    """What ``make run`` shows a new user: the ``seed_demo`` command's data, as it is loaded."""
    from io import StringIO

    from django.core.management import call_command

    from tests.marketplace.moderation_helpers import moderators_group

    moderators_group()  # a transactional test's flush dropped the migration's group
    call_command("seed_demo", stdout=StringIO())
