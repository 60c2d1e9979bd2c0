from __future__ import annotations

import pytest

from publishing.variables import extract_variables, render


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Hello {{name}}", ["name"]),
        ("Hello {{ name }} and {{  other  }}", ["name", "other"]),
        ("{{b}} {{a}} {{b}} {{ a }}", ["b", "a"]),
        (
            "Dear {{ user.first_name }} of {{org.address.city}}",
            ["user.first_name", "org.address.city"],
        ),
        ("unbalanced {{name} and {name}} and {{ open", []),
        ("{{ two words }} {{}} {{ 1abc }} {{a..b}}", []),
        ("{{{triple}}}", ["triple"]),
        ("no placeholders", []),
    ],
)
def test_extract_variables(body, expected):
    assert extract_variables(body) == expected


def test_render_fills_flat_and_nested_values_and_lists_missing():
    text, missing = render(
        "Hi {{ user.name }}, {{greeting}}! {{ missing }} {{missing}} {{n}} {{flag}}",
        {"user": {"name": "Ada"}, "greeting": "welcome", "n": 3, "flag": True, "unused": "x"},
    )
    assert text == "Hi Ada, welcome! {{ missing }} {{missing}} 3 true"
    assert missing == ["missing"]


def test_render_prefers_flat_dotted_keys():
    assert render("{{a.b}}", {"a.b": "flat", "a": {"b": "nested"}}) == ("flat", [])
