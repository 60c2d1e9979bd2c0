"""Helpers the browser tests share: how Chromium is launched, the password the test users log in
with, admin login, and the screenshots refreshed for docs/screenshots/ on request."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    expect = sync_playwright = None

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "browser-test-pass-2024"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# A common laptop screen: the admin must fit it with its sidebar open.
VIEWPORT = {"width": 1366, "height": 900}


def missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if sync_playwright is None:
        return "the playwright package is not installed (pip install -r requirements-dev.txt)"
    if shutil.which("chromium") is None:
        return "no `chromium` executable on PATH (Debian: apt-get install chromium)"
    return None


def screenshot(page, name: str, *, width: int = VIEWPORT["width"], height: int = 900) -> None:
    """Refresh ``docs/screenshots/<name>`` when asked to (so a plain run leaves the tree clean)."""
    if os.environ.get("UPDATE_SCREENSHOTS") != "1":
        return
    page.set_viewport_size({"width": width, "height": height})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))
    page.set_viewport_size(VIEWPORT)


def login(page, live_server, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text("Log out", ignore_case=True)
