"""Settings for benchmark runs: the production settings plus the bench-only floor app.

Only the bench uses this module (``DJANGO_SETTINGS_MODULE=bench.settings``); the app, the tests and
``makemigrations --check`` never see ``bench.floorapp``.
"""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.floorapp"]
ROOT_URLCONF = "bench.urls"
