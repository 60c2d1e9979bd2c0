"""The API docs work without internet: Swagger UI and ReDoc load their scripts, styles and icons
from the project's own static files (drf-spectacular-sidecar), never from a CDN or a font host.
The browser test in ``tests/e2e/test_api_docs_browser.py`` clicks through them."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db

ASSET = re.compile(r"""<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)\"""")


def assets(html: str) -> list[str]:
    return ASSET.findall(html)


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_every_asset_from_the_project(url):
    client = Client()
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    found = assets(html)
    assert found, "the page should load its UI from somewhere"
    assert [a for a in found if not a.startswith("/static/")] == []
    assert "cdn.jsdelivr.net" not in html
    assert "fonts.googleapis.com" not in html
    for asset in found:
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert b"".join(served.streaming_content if served.streaming else [served.content])


@pytest.mark.parametrize(
    "path",
    [
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
        "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js",
    ],
)
def test_collectstatic_collects_the_docs_assets_for_production(path):
    # In production whitenoise serves what collectstatic gathered, found by the same finders.
    assert finders.find(path) is not None
