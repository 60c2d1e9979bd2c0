"""Settings for the publishing platform: one module, driven by environment variables.

See the configuration table in README.md for every variable.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers as default_cors_headers
from django.core.exceptions import ImproperlyConfigured

from config.rates import parse_rate

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    try:
        return int(value) if value else default
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_rate(name: str, default: str) -> str:
    value = os.environ.get(name) or default
    try:
        parse_rate(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: {exc}") from exc
    return value


DEBUG = env_bool("DEBUG", False)
TESTING = bool(os.environ.get("PYTEST_VERSION"))  # pytest >= 8.2 sets it for the session

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not TESTING:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-insecure-secret-key-only-for-debug-and-tests-0123456789abcdef"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
if TESTING:
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver", "localhost", "127.0.0.1"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Browser origins allowed to call the API cross-origin (django-cors-headers), e.g.
# "https://app.example.com". Empty: no Access-Control-* headers, browsers keep the same-origin rule.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/(api|v1)/"
# Request headers a cross-origin client may send beyond the CORS defaults (Authorization,
# Content-Type, ...), and response headers its scripts may read.
CORS_ALLOW_HEADERS = (
    *default_cors_headers,
    "if-match",
    "idempotency-key",
    "x-organization-id",
    "x-request-id",
)
CORS_EXPOSE_HEADERS = [
    "ETag",
    "Retry-After",
    "X-Request-ID",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
]
CORS_PREFLIGHT_MAX_AGE = 600

# Product switches.
ALLOW_SIGNUP = env_bool("ALLOW_SIGNUP", True)
MARKETPLACE_REQUIRE_REVIEW = env_bool("MARKETPLACE_REQUIRE_REVIEW", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "corsheaders",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc served from our static files, not a CDN
    "publishing",
    "marketplace",
    "contenttypes_app",
    "procrastinate.contrib.django",
    "webhooks",
    "bulkjobs",
]

MIDDLEWARE = [
    "config.middleware.MetricsMiddleware",
    "config.middleware.RequestIdMiddleware",
    # Answers CORS preflights before anything authenticates, and adds Access-Control-* to every
    # API response, errors included (the body-size refusal too), so browsers can read them.
    "corsheaders.middleware.CorsMiddleware",
    "config.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# Database: DATABASE_URL, or an embedded PostgreSQL started on demand (config/embedded_pg.py).
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    from config.embedded_pg import database_settings

    DATABASES = {"default": database_settings()}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})
# Behind PgBouncer in transaction pooling mode (docs/operating.md): each transaction may get
# another server connection, so no server-side cursors (they live across transactions) and no
# startup `options` (PgBouncer refuses them): the pooler sets the statement timeout instead.
DATABASE_TRANSACTION_POOLING = env_bool("DATABASE_TRANSACTION_POOLING", False)
if DATABASE_TRANSACTION_POOLING:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
else:
    # A runaway query must never hold a worker: statements are cut off after this many ms.
    DATABASES["default"]["OPTIONS"]["options"] = (
        f"-c statement_timeout={env_int('DATABASE_STATEMENT_TIMEOUT_MS', 30000)}"
    )

# Read replicas (config/replicas.py): comma-separated URLs of streaming standbys. Browse, search,
# other organizations' listing details and the event log read from them, round robin; a replica
# that does not answer is skipped for REPLICA_RETRY_SECONDS. Tests mirror them to the test database.
for _n, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    DATABASES[f"replica_{_n}"] = {
        **dj_database_url.parse(_url, conn_max_age=60),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {**DATABASES["default"]["OPTIONS"], "connect_timeout": 2},
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["config.replicas.ReplicaRouter"]
REPLICA_RETRY_SECONDS = env_int("REPLICA_RETRY_SECONDS", 10)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "publishing.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Cache (and rate-limit store): Redis when REDIS_URL is set, process-local memory otherwise.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Rate limits, "<requests>/<period>" or "off" (scopes: publishing/throttling.py; counters:
# config/throttling.py). Per anonymous client IP, per user, per API key; lower ones for
# login/register (per IP) and for publishing (per key or user).
RATE_LIMITS = {
    "anon": env_rate("RATE_LIMIT_ANON", "300/minute"),
    "user": env_rate("RATE_LIMIT_USER", "1200/minute"),
    "api_key": env_rate("RATE_LIMIT_API_KEY", "1200/minute"),
    "auth": env_rate("RATE_LIMIT_AUTH", "20/minute"),
    "publish": env_rate("RATE_LIMIT_PUBLISH", "60/minute"),
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and not TESTING
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

# Request bodies over 1 MiB are refused (config.middleware.BodySizeLimitMiddleware).
MAX_REQUEST_BODY_BYTES = 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@publishing.local")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "publishing.authentication.APIKeyAuthentication",
        "publishing.authentication.BearerJWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["config.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.parsers.JSONParser"],
    # No OPTIONS self-description: the OpenAPI schema documents the API. OPTIONS answers 200
    # with Allow and no body (config/metadata.py); CORS preflights never reach DRF.
    "DEFAULT_METADATA_CLASS": "config.metadata.AllowOnlyMetadata",
    "DEFAULT_PAGINATION_CLASS": "config.pagination.EnvelopePagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "config.schema.ProjectAutoSchema",
    "EXCEPTION_HANDLER": "config.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_THROTTLE_CLASSES": ["publishing.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": RATE_LIMITS,
    # Client IP for anonymous rate limits: REMOTE_ADDR, or the X-Forwarded-For entry appended by
    # the nearest of this many trusted reverse proxies (never a client-supplied value).
    "NUM_PROXIES": env_int("TRUSTED_PROXY_COUNT", 0),
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    # Tokens carry a digest of the password hash: changing the password revokes them.
    "CHECK_REVOKE_TOKEN": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Publishing Platform API",
    "DESCRIPTION": (
        "Prompts and templates published to organizations and a marketplace, and versioned "
        "content types. `/api/` answers `{success, data}` envelopes; `/v1/` answers bare objects."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs pages work offline: their assets come from drf-spectacular-sidecar (pinned), via
    # whitenoise like the admin's, instead of swagger-ui-dist@latest and redoc@latest on a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/(api|v1)/",
    "ENUM_NAME_OVERRIDES": {
        "ScopeEnum": "marketplace.models.Scope",
        "ShareTypeEnum": "marketplace.models.ShareType",
        "ItemTypeEnum": "marketplace.models.ItemType",
        "ListingStatusEnum": "marketplace.models.ListingStatus",
        "RoleEnum": "publishing.models.Role",
        "TemplateTypeEnum": "publishing.models.TemplateType",
        "ComponentTypeEnum": "contenttypes_app.models.Component.Type",
        "ContentStatusEnum": "contenttypes_app.models.ContentTypeDefinition.Status",
        "WebhookDeliveryStatusEnum": "webhooks.models.WebhookDelivery.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.allow_empty_query_values",
        "config.schema.document_object_id_parameters",
    ],
}


# Events, webhooks and the task engine (procrastinate on the same PostgreSQL; docs/webhooks.md).
def env_seconds_list(name: str, default: str) -> list[int]:
    raw = os.environ.get(name) or default
    try:
        values = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be comma-separated seconds, got {raw!r}") from exc
    if any(v < 0 for v in values):
        raise ImproperlyConfigured(f"{name} must not contain negative delays, got {raw!r}")
    return values


# Bulk content migrations (POST …/content-types/{id}/migrate-content): items per transaction, and
# how many items that did not fit the report lists (it counts them all).
CONTENT_MIGRATION_BATCH_SIZE = env_int("CONTENT_MIGRATION_BATCH_SIZE", 1000)
CONTENT_MIGRATION_FAILURES_KEPT = env_int("CONTENT_MIGRATION_FAILURES_KEPT", 1000)

# Bulk jobs (`publish_items --async` and the other bulk commands; docs/operating.md): attempts of a
# batch that keeps crashing before it is failed, and how many failures each batch keeps (it counts
# them all).
BULK_BATCH_MAX_ATTEMPTS = env_int("BULK_BATCH_MAX_ATTEMPTS", 5)
BULK_FAILURES_KEPT = env_int("BULK_FAILURES_KEPT", 20)

EVENT_RETENTION_DAYS = env_int("EVENT_RETENTION_DAYS", 30)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
WEBHOOK_RETRY_SCHEDULE = env_seconds_list(
    "WEBHOOK_RETRY_SCHEDULE", "5,300,1800,7200,18000,36000,36000"
)
# Deliver to loopback/private/link-local/multicast/reserved addresses (SSRF guard off).
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", DEBUG)
WEBHOOKS_MAX_ENDPOINTS = env_int("WEBHOOKS_MAX_ENDPOINTS", 20)
# A worker that misses heartbeats for WORKER_STALLED_SECONDS is dead: its running jobs are retried
# by the webhooks.retry_stalled_jobs periodic task (every WORKER_STALLED_CHECK_SECONDS).
WORKER_STALLED_SECONDS = env_int("WORKER_STALLED_SECONDS", 30)
WORKER_STALLED_CHECK_SECONDS = env_int("WORKER_STALLED_CHECK_SECONDS", 15)
# Workers' pool connections in autocommit (config/jobs.py, docs/benchmarks.md "Webhooks").
PROCRASTINATE_ON_APP_READY = "config.jobs.on_app_ready"
PROCRASTINATE_WORKER_DEFAULTS = {
    "update_heartbeat_interval": float(env_int("WORKER_HEARTBEAT_SECONDS", 10)),
    "stalled_worker_timeout": float(WORKER_STALLED_SECONDS),
    "fetch_job_polling_interval": env_int("WORKER_POLL_MILLISECONDS", 5000) / 1000,
}

# What operators watch (docs/operating.md): /metrics in the Prometheus format, off by default; with
# METRICS_TOKEN set, only `Authorization: Bearer <token>` may read it. /api/health/ready also
# requires a worker heartbeat in the last minute when WORKERS_EXPECTED is on.
METRICS_ENABLED = env_bool("METRICS_ENABLED", False)
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
WORKERS_EXPECTED = env_bool("WORKERS_EXPECTED", False)

# Security: strict outside DEBUG. TLS terminates at the reverse proxy (docs/operating.md).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG and not TESTING)
# Load balancers probe the health check over plain HTTP, straight to gunicorn.
SECURE_REDIRECT_EXEMPT = [r"^api/health(/live|/ready)?$", r"^metrics$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [
    # HSTS preload is an irreversible, domain-wide commitment: operators opt in with
    # SECURE_HSTS_PRELOAD=1 once every subdomain serves HTTPS.
    "security.W021",
]

# Logs go to stderr: JSON lines (config/logging.py) unless DEBUG, or as LOG_FORMAT says.
LOG_FORMAT = os.environ.get("LOG_FORMAT") or ("plain" if DEBUG else "json")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.middleware.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "config.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # 4xx lines would repeat the access log (config.request); errors still come through.
        "django.request": {"level": "ERROR"},
        "pgserver": {"level": "WARNING"},
        # One line per deferred job and per registered periodic task would drown the rest.
        "procrastinate.jobs": {"level": "WARNING"},
        "procrastinate.periodic": {"level": "WARNING"},
        "procrastinate.blueprints": {"level": "WARNING"},
    },
}
