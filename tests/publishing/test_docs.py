"""The guides say what the server does.

docs/items.md is a session that works: its shell blocks run against a live server and print what
the page shows (ids, dates and user ids aside). docs/api.md's sign-up fields are the required ones.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "items.md"
DOC_BASE = "BASE=http://127.0.0.1:8000"

# Values that differ from run to run: item ids (also inside ETags), UUIDs, timestamps, user ids.
VOLATILE = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r"\b[0-9a-f]{24}\b"), "<id>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"), "<time>"),
    (re.compile(r'"id": ?\d+'), '"id": <n>'),
]


def normalized(text: str) -> list[str]:
    for pattern, placeholder in VOLATILE:
        text = pattern.sub(placeholder, text)
    return [line.rstrip() for line in text.strip().splitlines() if line.strip()]


def fenced(markdown: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", markdown, re.DOTALL | re.MULTILINE)


def run_items_guide(base: str) -> list[int]:
    """Run docs/items.md's shell blocks against ``base``; assert it prints what the page shows
    and states the page's two deliberate errors. Returns every status in order."""
    markdown = DOC.read_text()
    script = "\n".join(fenced(markdown, "sh"))
    assert DOC_BASE in script
    # Every curl also reports its status on stderr, so the statuses the page states are checked.
    prelude = 'set -euo pipefail\ncurl() { command curl -w "%{stderr}%{http_code}\\n" "$@"; }\n'
    result = subprocess.run(  # noqa: S603 - the script is this repository's own page
        ["bash", "-c", prelude + script.replace(DOC_BASE, f"BASE={base}")],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    statuses = [int(line) for line in result.stderr.split()]
    # The page's two deliberate errors: a stale If-Match, then a strict render with a value missing.
    assert [s for s in statuses if not 200 <= s < 300] == [412, 400]
    shown = "\n".join(fenced(markdown, "(?:json|text)"))
    assert normalized(result.stdout) == normalized(shown)
    return statuses


needs_curl_and_jq = pytest.mark.skipif(
    not (shutil.which("curl") and shutil.which("jq")), reason="needs curl and jq"
)


@needs_curl_and_jq
@pytest.mark.django_db(transaction=True)
def test_the_items_guide_runs_as_written_and_prints_what_it_shows(live_server):
    statuses = run_items_guide(live_server.url)
    assert statuses.count(201) == 7  # register, create, two checkpoints, restore, two templates


@pytest.mark.django_db
def test_register_requires_the_full_name_and_organization_name_api_md_lists(anon):
    response = anon.post(
        "/api/auth/register",
        {"email": "new@example.com", "password": "correct-horse-battery-9"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]["fields"]) == {"fullName", "organizationName"}
    assert (
        "`POST /api/auth/register {email, password, fullName, organizationName}`"
        in (DOC.parent / "api.md").read_text()
    )
