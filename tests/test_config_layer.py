"""``config`` is the ground floor: it imports no app of the project, so every app can stand on it.

Dotted strings in settings (``"publishing.authentication.APIKeyAuthentication"``) and
``include("publishing.urls")`` are configuration, not imports, and stay allowed; an ``import`` or
``from … import`` anywhere in a module (lazy ones inside functions too) and
``importlib.import_module("…")`` with a literal name are what count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config"
# The apps by name, so the rule holds before an app exists here (webhooks), plus every local
# top-level package (apps, tests, bench) found in the checkout.
NAMED_APPS = {"publishing", "marketplace", "contenttypes_app", "webhooks", "bulkjobs"}
LOCAL_PACKAGES = {
    path.name
    for path in ROOT.iterdir()
    if path.is_dir() and ((path / "__init__.py").exists() or (path / "apps.py").exists())
}
FORBIDDEN = (NAMED_APPS | LOCAL_PACKAGES) - {"config"}
IMPORT_FUNCTIONS = {"import_module", "__import__"}


def imported_modules(source: str) -> list[tuple[int, str]]:
    """Every absolute module name the source imports, with its line number."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0] if node.args else None
            if (
                name in IMPORT_FUNCTIONS
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
            ):
                found.append((node.lineno, first.value))
    return found


def app_imports(source: str) -> list[str]:
    return [
        f"line {line}: {module}"
        for line, module in imported_modules(source)
        if module.split(".")[0] in FORBIDDEN
    ]


CONFIG_MODULES = sorted(CONFIG.rglob("*.py"))


@pytest.mark.parametrize("path", CONFIG_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_config_module_imports_no_app(path: Path) -> None:
    assert app_imports(path.read_text()) == []


def test_the_walker_sees_top_level_lazy_and_dynamic_imports() -> None:
    source = (
        "import marketplace.services\n"
        "from django.db import models\n"
        "from config.errors import DomainError\n"
        "def f():\n"
        "    from publishing.models import APIKey\n"
        "    import importlib\n"
        "    importlib.import_module('contenttypes_app.services')\n"
        "    from .errors import NotFoundError\n"
        "SETTING = 'publishing.authentication.APIKeyAuthentication'\n"
    )
    assert app_imports(source) == [
        "line 1: marketplace.services",
        "line 5: publishing.models",
        "line 7: contenttypes_app.services",
    ]


def test_the_walked_tree_is_config_and_the_apps_are_known() -> None:
    assert CONFIG / "settings.py" in CONFIG_MODULES
    assert {"publishing", "marketplace", "contenttypes_app"} <= LOCAL_PACKAGES
