"""Load demo data, idempotently: ``python manage.py seed_demo``."""

from __future__ import annotations

from importlib import import_module

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from publishing.demo import DEFAULT_BASE_URL, DemoContext

# Each app may ship a ``demo`` module with ``seed(context)``; they run in this order.
DEMO_APPS = ("publishing", "marketplace", "contenttypes_app")


class Command(BaseCommand):
    help = "Create (or complete) the demo organizations, users and content. Safe to run twice."

    def add_arguments(self, parser: CommandParser) -> None:
        # The launcher (``make run``) knows HOST and PORT; this command only prints what it is told.
        parser.add_argument(
            "--base-url",
            default=DEFAULT_BASE_URL,
            help=f"Address of the server the printed links point at (default {DEFAULT_BASE_URL}).",
        )

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        context = DemoContext(base_url=options["base_url"].rstrip("/"))
        for app in DEMO_APPS:
            try:
                module = import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            module.seed(context)
        for line in context.lines:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
