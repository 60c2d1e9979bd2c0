"""seed_demo prints the addresses of the server it was seeded for."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_seed_demo_prints_the_admin_address_it_is_given():
    out = io.StringIO()
    call_command("seed_demo", "--base-url", "http://127.0.0.1:8300", stdout=out)
    assert "http://127.0.0.1:8300/admin/" in out.getvalue()
    assert ":8000" not in out.getvalue()


def test_seed_demo_without_an_address_names_the_default_one():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "http://127.0.0.1:8000/admin/" in out.getvalue()
