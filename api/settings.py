"""Settings of the participation registry, read from the environment (12-factor).

Every deployment knob is an environment variable; nothing is edited in code to
deploy. See README.md, section "Operator", for the list.
"""

import os
from pathlib import Path

import environ
from corsheaders.defaults import default_headers as cors_default_headers
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

from api import headers as wire_headers

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "[::1]"]),
)

# A local checkout may keep its development settings in a `.env` file (written by
# `make install`: DEBUG=true); real environment variables always win, and
# REGISTRY_ENV_FILE="" ignores the file.
_env_file = os.environ.get("REGISTRY_ENV_FILE", str(BASE_DIR / ".env"))
if _env_file and Path(_env_file).is_file():
    environ.Env.read_env(_env_file)

DEBUG = env("DEBUG")

# A development key is generated per process so a fresh checkout runs at once;
# with DEBUG off a real key is mandatory, so sessions and signatures survive
# restarts and are shared between workers.
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG and not env.bool("REGISTRY_ALLOW_DEV_SECRET", default=False):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
            "(or DEBUG=true for local development)."
        )
    SECRET_KEY = "dev-only-" + get_random_secret_key()

ALLOWED_HOSTS = env("ALLOWED_HOSTS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "corsheaders",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rest_framework_api_key",
    "django_tasks",
    "django_tasks_db",
    "registry",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything that may answer (CommonMiddleware), so every answer gets CORS headers.
    "corsheaders.middleware.CorsMiddleware",
    "api.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "registry.middleware.ChangeContextMiddleware",
]

ROOT_URLCONF = "api.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "api.wsgi.application"
ASGI_APPLICATION = "api.asgi.application"

# The embedded default is a SQLite file in the project folder; production
# names PostgreSQL, e.g. DATABASE_URL=postgres://user@host:5432/registry.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'registry.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL lets readers go on while one writer commits; the busy timeout turns
    # a brief lock into a wait instead of an error.
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["TEST"] = {"NAME": env("SQLITE_TEST_NAME", default=None)}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# A persistent connection is checked before each request reuses it, so a database
# restart costs no request; a broken connection is dropped when its request ends
# (that request answers 503, see api/problems.py).
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer fails fast (503) instead of holding a worker.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=5)
    )
#: Retry-After (seconds) of the 503 answered while the database is unavailable.
DB_UNAVAILABLE_RETRY_AFTER = env.int("DB_UNAVAILABLE_RETRY_AFTER", default=5)

# Local memory by default; Redis in production (CACHE_URL=redis://host:6379/0)
# so the throttle counters and analysis results are shared between workers.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://registry")}
if CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache":
    # A Redis that does not answer fails in a second, not after the OS timeout.
    CACHES["default"].setdefault("OPTIONS", {})
    CACHES["default"]["OPTIONS"].setdefault("SOCKET_CONNECT_TIMEOUT", 2)
    CACHES["default"]["OPTIONS"].setdefault("SOCKET_TIMEOUT", 2)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "registry" / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))

# --- HTTPS and security headers ------------------------------------------------------
# With DEBUG off (production) the secure defaults apply and `manage.py check --deploy`
# passes without warnings; each can still be set from the environment.

#: Behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto (which it must
#: strip from clients): REGISTRY_BEHIND_TLS_PROXY=true.
if env.bool("REGISTRY_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
#: Load balancers probe the health endpoint over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^api/health/$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
#: Origins allowed to POST forms to the admin over HTTPS, e.g. https://registry.example.org
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- CORS (django-cors-headers): browsers on other origins may call /api/ -----------
#: None by default; e.g. CORS_ALLOWED_ORIGINS=https://app.example.org,https://x.example.org
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_CREDENTIALS = False  # the API authenticates by header (API key), not cookies
# The API's own headers, from their one declaration (api.headers).
CORS_ALLOW_HEADERS = (*cors_default_headers, *wire_headers.cors_allow_headers())
CORS_EXPOSE_HEADERS = wire_headers.cors_expose_headers()

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# --- REST API -----------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.auth.HasScope"],
    "DEFAULT_RENDERER_CLASSES": [
        "drf_orjson_renderer.renderers.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # JSON bodies only: the schema declares what the server reads, and a form can carry
    # neither types (every value is text) nor nested entries. The two spreadsheet uploads
    # (members import, actors import) set MultiPartParser themselves. Without a form
    # parser the browsable API shows its raw JSON form only (DRF hides the HTML form),
    # which still writes everything; an unadvertised form parser kept for it would be a
    # second, looser way in that the schema does not describe.
    "DEFAULT_PARSER_CLASSES": ["api.inputs.StrictJSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "api.filters.StableOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.RegistryPagination",
    "DEFAULT_THROTTLE_CLASSES": ["api.auth.KeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"key": env("API_THROTTLE_RATE", default="6000/min")},
    "DEFAULT_SCHEMA_CLASS": "api.schema.RegistryAutoSchema",
    # An unknown ?format= is a 400 naming the parameter, not DRF's 404.
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.FormatParameterNegotiation",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": False,
}

DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "api.problems.ProblemExceptionHandler",
    "EXCEPTION_FORMATTER_CLASS": "api.problems.ProblemFormatter",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Participation registry API",
    "DESCRIPTION": (
        "The actors of French territories, their participation bodies, who sits in them and "
        "how actors interact. Errors are RFC 9457 problem documents; object reads carry an "
        "ETag; lists page by limit/offset or by cursor."
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI's validator badge is an image from validator.swagger.io: the docs are
    # served offline, so no badge (and no request to another host).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    # A choice set used by a component and its brief form (?expand=) needs its name given.
    "ENUM_NAME_OVERRIDES": {
        "ActorKindEnum": "registry.models.ActorKind",
        "BodyStatusEnum": "registry.models.body.BodyStatus",
        "ChangeRecordActionEnum": "registry.models.ChangeAction",
        "ParentLinkKindEnum": "registry.models.RelationKind",
    },
    "SCHEMA_PATH_PREFIX": "/api/",
    "SORT_OPERATIONS": False,
    "DEFAULT_GENERATOR_CLASS": "api.schema.RegistrySchemaGenerator",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # Every id of a resource of one type (api.schema.ID_SCHEMA).
        "api.schema.one_id_type",
    ],
}

#: How long the answer to a request with an Idempotency-Key is kept for replay.
IDEMPOTENCY_TTL_HOURS = env.int("IDEMPOTENCY_TTL_HOURS", default=24)
#: How long a running Idempotency-Key request is leased to its worker (seconds): a retry
#: within it gets 409 with Retry-After; after it (the worker died) the retry runs the request.
#: Keep it above the longest request (the gunicorn timeout, 60 s in `make prod`).
IDEMPOTENCY_LEASE_SECONDS = env.int("IDEMPOTENCY_LEASE_SECONDS", default=120)

# --- analysis (graph/) ---------------------------------------------------------------

#: Background tasks (django-tasks): analyses over ANALYSIS_SYNC_MAX_NODES run in a
#: worker (``manage.py db_worker``) instead of holding a request worker.
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}

#: Analysis bounds, renewal thresholds and weights (defaults documented in README,
#: Consultant). RENEWAL_THRESHOLDS and RENEWAL_WEIGHTS override graph.renewal's
#: defaults key by key; an unknown key is refused at the first assessment.
REGISTRY_ANALYSIS = {
    # Above this many nodes, an analysis becomes a background job (202 + a job to poll):
    # about what answers cold within 5 s on a 2-core machine (tests/bench/bench_analysis.py,
    # sync sweep at seed_demo --scale 100, runs of one evening: 10,929 nodes in 3.2-5.0 s,
    # 14,717 in 4.8-6.9 s).
    "SYNC_MAX_NODES": env.int("ANALYSIS_SYNC_MAX_NODES", default=12_000),
    # Above this many nodes, an analysis is refused (413): the resource bound per request.
    "MAX_NODES": env.int("ANALYSIS_MAX_NODES", default=300_000),
    # Betweenness is exact up to this many nodes, sampled (seeded) above it.
    "EXACT_BETWEENNESS_MAX_NODES": env.int("ANALYSIS_EXACT_BETWEENNESS_MAX_NODES", default=2000),
    # 512: the sampled values' ranks against exact ones (Spearman) above 0.95 on the largest
    # territories answered in a request (256 gave 0.949 at 10,929 nodes, 512 0.957).
    "BETWEENNESS_SAMPLES": env.int("ANALYSIS_BETWEENNESS_SAMPLES", default=512),
    # Results are keyed by the data they come from, so the TTL only bounds memory use.
    "CACHE_TTL": env.int("ANALYSIS_CACHE_TTL", default=7 * 24 * 3600),
    "RENEWAL_THRESHOLDS": env.json("ANALYSIS_RENEWAL_THRESHOLDS", default={}),
    "RENEWAL_WEIGHTS": env.json("ANALYSIS_RENEWAL_WEIGHTS", default={}),
}

#: List pages of actors and memberships built from ``.values()`` rows by a plan compiled
#: from the serializer (api.fastlist), the same bytes as DRF's serializers, faster; off:
#: every list through DRF's serializers (a way out should the fast path misbehave).
REGISTRY_LIST_FAST_PATH = env.bool("REGISTRY_LIST_FAST_PATH", default=True)

# --- request bounds (OWASP API4) ------------------------------------------------------

#: Largest request body read (uploads: see api.auth.check_request_size); over it, 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("API_MAX_BODY_BYTES", default=2_621_440)
#: Wrong, revoked or expired keys per client address before 429.
API_AUTH_FAILURE_RATE = env.str("API_AUTH_FAILURE_RATE", default="300/min")
#: Most actors and bodies one Popolo export may hold; over it, 413.
POPOLO_MAX_RECORDS = env.int("POPOLO_MAX_RECORDS", default=100_000)

# --- webhooks (api.webhooks) ---------------------------------------------------------

#: Networks a webhook receiver may be in although they are loopback, private, link-local
#: or otherwise not public (CIDR, comma-separated), e.g. "127.0.0.1/32" for a receiver on
#: the same machine. Empty by default: every such address is refused (SSRF).
WEBHOOKS_ALLOW_PRIVATE = env.list("WEBHOOKS_ALLOW_PRIVATE", default=[])
#: Seconds allowed to connect to a receiver, and again to send and to read its answer.
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=10.0)
#: A subscription is disabled after this many failed attempts in a row (PATCH active=true
#: turns it on again).
WEBHOOKS_MAX_FAILURES = env.int("WEBHOOKS_MAX_FAILURES", default=10)
#: Retries wait about base * 2^(attempt - 1) seconds (equal jitter: between half and all
#: of it), never more than the maximum.
WEBHOOKS_RETRY_BASE_SECONDS = env.float("WEBHOOKS_RETRY_BASE_SECONDS", default=10.0)
WEBHOOKS_RETRY_MAX_SECONDS = env.float("WEBHOOKS_RETRY_MAX_SECONDS", default=3600.0)
#: Most changes in one delivery.
WEBHOOKS_BATCH_SIZE = env.int("WEBHOOKS_BATCH_SIZE", default=100)
#: How often `manage.py deliver_webhooks` looks for new changes (seconds).
WEBHOOKS_POLL_SECONDS = env.float("WEBHOOKS_POLL_SECONDS", default=2.0)
#: Most subscriptions one API key may hold.
WEBHOOKS_MAX_PER_KEY = env.int("WEBHOOKS_MAX_PER_KEY", default=20)
#: One enum of the ledger's actions (object histories, webhook filters).
#: httpx logs every request's URL at INFO: a receiver's URL may carry its own token.
LOGGING.setdefault("loggers", {})["httpx"] = {"level": "WARNING"}
#: After a secret rotation, deliveries are signed with the old secret too for this long.
WEBHOOKS_SECRET_OVERLAP_HOURS = env.float("WEBHOOKS_SECRET_OVERLAP_HOURS", default=24.0)
