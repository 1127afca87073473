"""Settings, read from the environment only (see README)."""

import os
import sys
from pathlib import Path

import dj_database_url

from posthog_api import embedded_db

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).lower() in ("1", "true", "yes", "on")


DEBUG = env_bool("DEBUG")
TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")
SECRET_KEY = os.environ.get("SECRET_KEY") or "posthog-api-insecure-development-key-set-SECRET_KEY-in-production"
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "*").split(",") if h.strip()]
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")
RATE_LIMIT_ENABLED = env_bool("RATE_LIMIT_ENABLED")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "posthog_api",
    "users",
    "organizations",
    "activity",
    "projects",
    "api_keys",
    "roles",
    "persons",
    "groups",
    "definitions",
    "ingestion",
    "web_analytics",
    "plugins",
    "sharing",
    "warehouse",
]

MIDDLEWARE = [
    "posthog_api.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "posthog_api.urls"
WSGI_APPLICATION = "posthog_api.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]


def database_settings() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        config = dj_database_url.parse(url)
    else:
        config = {"ENGINE": "django.db.backends.postgresql", **embedded_db.start()}
    config["ENGINE"] = "django.db.backends.postgresql"
    # NOTE: Django's pool keeps connections per process; it replaces CONN_MAX_AGE.
    config["CONN_MAX_AGE"] = 0
    # NOTE: parallel test runs on one server need distinct test databases.
    config["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME", f"test_{config['NAME']}")}
    config.setdefault("OPTIONS", {})["pool"] = {"min_size": 1, "max_size": int(os.environ.get("DB_POOL_SIZE", "8"))}
    # Parameters bound by the server, so that psycopg prepares a statement once it has run a few times on a pooled
    # connection: PostgreSQL stops re-planning the hot statements (key lookup, tenancy), ~0.3 ms on `@me`.
    # DB_PREPARE_THRESHOLD=none turns preparing off, e.g. behind a transaction-mode pooler without prepared statements.
    config["OPTIONS"]["server_side_binding"] = True
    threshold = os.environ.get("DB_PREPARE_THRESHOLD", "5")
    config["OPTIONS"]["prepare_threshold"] = None if threshold.lower() == "none" else int(threshold)
    return config


DATABASES = {"default": database_settings()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"
AUTH_PASSWORD_VALIDATORS = [{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"}]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

SESSION_COOKIE_NAME = "sessionid"
CSRF_COOKIE_NAME = "posthog_csrftoken"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Admin and Swagger UI / Redoc assets are served by the app itself, straight from the installed packages.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api_keys.authentication.ProjectSecretAPIKeyAuthentication",
        "api_keys.authentication.PersonalAPIKeyAuthentication",
        "posthog_api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "posthog_api.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["posthog_api.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "posthog_api.renderers.ContentNegotiation",
    "DEFAULT_PARSER_CLASSES": [
        "posthog_api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "posthog_api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "posthog_api.schema.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "posthog_api.throttles.BurstRateThrottle",
        "posthog_api.throttles.SustainedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"burst": "480/minute", "sustained": "4800/hour"},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "posthog_api_cache",
    }
}

SPECTACULAR_SETTINGS = {
    "TITLE": "PostHog API",
    "DESCRIPTION": "PostHog's management REST API, served by posthog-api.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # PostHog strips the organizations/projects roots from operationIds but keeps "environments_".
    "SCHEMA_PATH_PREFIX": r"/api/(?:(?:organizations|projects)/)?",
    "COMPONENT_SPLIT_REQUEST": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "APPEND_COMPONENTS": {
        "securitySchemes": {"PersonalAPIKeyAuth": {"type": "http", "scheme": "bearer"}},
    },
    "AUTHENTICATION_WHITELIST": [],
    "PREPROCESSING_HOOKS": [],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "posthog_api.schema.rename_environment_path_parameter",
    ],
    "ENUM_NAME_OVERRIDES": {
        "MembershipLevelEnum": "organizations.models.OrganizationMembership.Level",
        "TableFormatEnum": "warehouse.models.DataWarehouseTable.Format",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "posthog_api.requests": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "posthog_api.ingestion": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
INSTANCE_TAG = os.environ.get("INSTANCE_TAG", "none")

# No billing plans here: every organization gets PostHog's unlimited plan, within these caps.
MAX_PROJECTS_PER_ORGANIZATION = int(os.environ.get("MAX_PROJECTS_PER_ORGANIZATION", "2000"))
MAX_ENVIRONMENTS_PER_PROJECT = int(os.environ.get("MAX_ENVIRONMENTS_PER_PROJECT", "10"))

# Data warehouse: files uploaded to `warehouse_tables/file/` are kept in PostgreSQL and named by URLs under
# WAREHOUSE_UPLOAD_URL. WAREHOUSE_ALLOW_PRIVATE_URLS lets tables read plain-http and internal hosts (a self-hosted
# MinIO); off, only public https hosts are read.
WAREHOUSE_UPLOAD_URL = os.environ.get("WAREHOUSE_UPLOAD_URL", f"{SITE_URL}/uploads").rstrip("/")
WAREHOUSE_ALLOW_PRIVATE_URLS = env_bool("WAREHOUSE_ALLOW_PRIVATE_URLS")
