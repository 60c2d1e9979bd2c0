"""config.slugs: the one slug helper (derive from a name, step aside with -2, -3, …)."""

from __future__ import annotations

from config.slugs import free_slug, slug_base


def test_a_derived_slug_steps_aside_with_the_first_free_number():
    base = slug_base("Newcomer Site", fallback="project", max_length=90)
    assert base == "newcomer-site"
    assert free_slug(base, set()) == "newcomer-site"
    assert free_slug(base, {"newcomer-site", "newcomer-site-2"}) == "newcomer-site-3"


def test_a_name_without_slug_characters_falls_back_and_is_cut():
    assert slug_base("!!!", fallback="project", max_length=90) == "project"
    assert slug_base("a" * 200, fallback="project", max_length=90) == "a" * 90
