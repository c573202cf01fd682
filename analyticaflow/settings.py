"""The one settings module. Every value comes from the environment; the embedded default needs none.

See the configuration table in README.md for the variables.
"""

from __future__ import annotations

from datetime import timedelta

import dj_database_url

from analyticaflow.config import (
    data_dir,
    env_bool,
    env_int,
    env_list,
    env_str,
    read_or_create_secret,
)

DATA_DIR = data_dir()

SECRET_KEY = env_str("SECRET_KEY") or read_or_create_secret(DATA_DIR / "secret_key")
DEBUG = env_bool("ANALYTICAFLOW_DEBUG", False)
ALLOWED_HOSTS = env_list("ANALYTICAFLOW_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("ANALYTICAFLOW_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "analyticaflow.accounts",
    "analyticaflow.web",
    "analyticaflow.demo",
    "analyticaflow.ingest",
    "analyticaflow.projections",
    "analyticaflow.reports",
    "analyticaflow.channelgroups",
    "analyticaflow.jobs",
    "analyticaflow.integrations",
    # The shop-side outbox app (self-contained; installed here so its migrations and tests run with the suite).
    "analyticaflow.outbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "analyticaflow.urls"
WSGI_APPLICATION = "analyticaflow.wsgi.application"

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
                "analyticaflow.web.context.navigation",
            ],
        },
    },
]

# Metadata: SQLite in the data dir unless DATABASE_URL points elsewhere (postgres://...).
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "metadata.sqlite3"),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
EMBEDDED = not DATABASE_URL
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:projects"
LOGOUT_REDIRECT_URL = "web:login"

# Lockout after repeated failed logins (UI and token endpoint alike), per account and address.
AXES_FAILURE_LIMIT = env_int("ANALYTICAFLOW_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("ANALYTICAFLOW_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "email"
AXES_HTTP_RESPONSE_CODE = 429
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "analyticaflow.accounts.lockout.lockout_response"

CACHE_URL = env_str("ANALYTICAFLOW_CACHE_URL")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# The app serves its own static files straight from the packages (no collectstatic step needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Security headers and cookies. Cookies are Secure unless turned off for plain-HTTP local use (the demo).
SECURE_COOKIES = env_bool("ANALYTICAFLOW_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = env_int("ANALYTICAFLOW_HSTS_SECONDS", 31536000 if SECURE_COOKIES else 0)
if env_bool("ANALYTICAFLOW_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "analyticaflow.accounts.authentication.ProjectApiKeyAuthentication",
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "analyticaflow.accounts.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "analyticaflow.error_handler.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth": env_str("ANALYTICAFLOW_AUTH_RATE", "30/min")},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("ANALYTICAFLOW_ACCESS_TOKEN_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("ANALYTICAFLOW_REFRESH_TOKEN_DAYS", 30)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "AnalyticaFlow API",
    "DESCRIPTION": "Marketing analytics for e-commerce: projects, capture, reports and integrations.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "analyticaflow.accounts.models.Role",
        "MetricEnum": "analyticaflow.metrics.registry.METRIC_NAMES",
        "EventTypeEnum": "analyticaflow.eventlog.contracts.EVENT_TYPES",
        "IntegrationStatusEnum": "analyticaflow.integrations.models.IntegrationStatus",
        "SyncRunStatusEnum": "analyticaflow.integrations.models.SyncRunStatus",
        "ChannelGroupEnum": "analyticaflow.channelgroups.rules.GROUPS",
        "AttributionGroupByEnum": "analyticaflow.reports.attribution_report.query.GROUPINGS",
        "ReportGroupByEnum": "analyticaflow.metrics.registry.GROUPINGS",
        "AttributionModelEnum": "analyticaflow.reports.attribution.MODELS",
    },
    # The capture endpoints are served before Django; this hook describes them in the schema too.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "analyticaflow.ingest.openapi.add_capture_paths"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("ANALYTICAFLOW_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Event log: sqlite:///path (embedded default, the permanent store) or redis://host:port/db (scale transport).
ANALYTICAFLOW_EVENT_LOG_URL = env_str("ANALYTICAFLOW_EVENT_LOG_URL") or f"sqlite://{DATA_DIR / 'events.sqlite3'}"
# Capture remembers write key → project this many seconds: a rotated key takes effect within that time.
ANALYTICAFLOW_WRITE_KEY_CACHE_SECONDS = env_int("ANALYTICAFLOW_WRITE_KEY_CACHE_SECONDS", 5)
# Warehouse: duckdb:///path (embedded default), clickhouse://user:pass@host:8123/db, chdb:///path (in-process).
ANALYTICAFLOW_WAREHOUSE_URL = env_str("ANALYTICAFLOW_WAREHOUSE_URL") or f"duckdb://{DATA_DIR / 'warehouse.duckdb'}"
# Projector: events per chunk (one transaction each) and whether the server process runs it (embedded mode).
# A chunk's working memory lives in the server process: 20,000 keeps it small (replay chunks are >= 100,000).
ANALYTICAFLOW_PROJECTOR_CHUNK_SIZE = env_int("ANALYTICAFLOW_PROJECTOR_CHUNK_SIZE", 20_000)
ANALYTICAFLOW_PROJECTOR_IN_SERVER = env_bool("ANALYTICAFLOW_PROJECTOR_IN_SERVER", EMBEDDED)
ANALYTICAFLOW_BACKGROUND_SERVICES: list[str] = [
    # Follows the event log into the warehouse when ANALYTICAFLOW_PROJECTOR_IN_SERVER (projections/runtime.py).
    "analyticaflow.projections.runtime.start_projector",
    # Runs the background jobs (syncs, backfills) in worker threads when ANALYTICAFLOW_JOBS_BACKEND=embedded.
    "analyticaflow.jobs.embedded.start_embedded_runner",
]

# Background jobs: "embedded" (threads in the server; jobs stored in the metadata DB) or "celery" (workers and
# beat on Redis: `analyticaflow jobs worker`, `analyticaflow jobs beat`). Celery is the default once a broker is set.
ANALYTICAFLOW_REDIS_URL = env_str("ANALYTICAFLOW_REDIS_URL")
ANALYTICAFLOW_CELERY_BROKER_URL = env_str("ANALYTICAFLOW_CELERY_BROKER_URL") or ANALYTICAFLOW_REDIS_URL
ANALYTICAFLOW_JOBS_BACKEND = env_str("ANALYTICAFLOW_JOBS_BACKEND") or (
    "celery" if ANALYTICAFLOW_CELERY_BROKER_URL else "embedded"
)
ANALYTICAFLOW_JOB_THREADS = env_int("ANALYTICAFLOW_JOB_THREADS", 2)
ANALYTICAFLOW_JOBS_TICK_SECONDS = env_int("ANALYTICAFLOW_JOBS_TICK_SECONDS", 30)
ANALYTICAFLOW_JOBS_LEASE_SECONDS = env_int("ANALYTICAFLOW_JOBS_LEASE_SECONDS", 120)
ANALYTICAFLOW_JOBS_RETRY_BASE_SECONDS = env_int("ANALYTICAFLOW_JOBS_RETRY_BASE_SECONDS", 30)
ANALYTICAFLOW_JOBS_RETRY_MAX_SECONDS = env_int("ANALYTICAFLOW_JOBS_RETRY_MAX_SECONDS", 3600)
ANALYTICAFLOW_JOBS_REDISPATCH_SECONDS = env_int("ANALYTICAFLOW_JOBS_REDISPATCH_SECONDS", 600)
# Modules that register job functions (analyticaflow.jobs.registry): the runners import them.
ANALYTICAFLOW_JOB_MODULES: list[str] = ["analyticaflow.integrations.tasks"]

# Connectors: every platform host is a setting, so tests and on-premise proxies can point elsewhere.
# App credentials of the product's registered app on each platform: ANALYTICAFLOW_<PLATFORM>_CLIENT_ID and
# _CLIENT_SECRET (X Ads: consumer key and secret), plus ANALYTICAFLOW_GOOGLE_ADS_DEVELOPER_TOKEN.
# Linked accounts' tokens are encrypted with ANALYTICAFLOW_CREDENTIALS_KEY (base64, 32 bytes) or
# DATA_DIR/credentials.key (created on first use).
ANALYTICAFLOW_META_API_URL = env_str("ANALYTICAFLOW_META_API_URL", "https://graph.facebook.com")
ANALYTICAFLOW_META_OAUTH_URL = env_str("ANALYTICAFLOW_META_OAUTH_URL", "https://www.facebook.com")
ANALYTICAFLOW_META_API_VERSION = env_str("ANALYTICAFLOW_META_API_VERSION", "v25.0")
ANALYTICAFLOW_META_CLIENT_ID = env_str("ANALYTICAFLOW_META_CLIENT_ID")
ANALYTICAFLOW_META_CLIENT_SECRET = env_str("ANALYTICAFLOW_META_CLIENT_SECRET")
ANALYTICAFLOW_INSTAGRAM_API_URL = env_str("ANALYTICAFLOW_INSTAGRAM_API_URL", "https://graph.facebook.com")
ANALYTICAFLOW_INSTAGRAM_OAUTH_URL = env_str("ANALYTICAFLOW_INSTAGRAM_OAUTH_URL", "https://www.facebook.com")
ANALYTICAFLOW_INSTAGRAM_API_VERSION = env_str("ANALYTICAFLOW_INSTAGRAM_API_VERSION", "v25.0")
ANALYTICAFLOW_INSTAGRAM_CLIENT_ID = env_str("ANALYTICAFLOW_INSTAGRAM_CLIENT_ID") or ANALYTICAFLOW_META_CLIENT_ID
ANALYTICAFLOW_INSTAGRAM_CLIENT_SECRET = (env_str("ANALYTICAFLOW_INSTAGRAM_CLIENT_SECRET")
                                         or ANALYTICAFLOW_META_CLIENT_SECRET)
ANALYTICAFLOW_GOOGLE_ADS_API_URL = env_str("ANALYTICAFLOW_GOOGLE_ADS_API_URL", "https://googleads.googleapis.com")
ANALYTICAFLOW_GOOGLE_ADS_OAUTH_URL = env_str("ANALYTICAFLOW_GOOGLE_ADS_OAUTH_URL",
                                             "https://accounts.google.com/o/oauth2/v2/auth")
ANALYTICAFLOW_GOOGLE_ADS_TOKEN_URL = env_str("ANALYTICAFLOW_GOOGLE_ADS_TOKEN_URL", "https://oauth2.googleapis.com/token")
ANALYTICAFLOW_GOOGLE_ADS_API_VERSION = env_str("ANALYTICAFLOW_GOOGLE_ADS_API_VERSION", "v26")
ANALYTICAFLOW_GOOGLE_ADS_CLIENT_ID = env_str("ANALYTICAFLOW_GOOGLE_ADS_CLIENT_ID")
ANALYTICAFLOW_GOOGLE_ADS_CLIENT_SECRET = env_str("ANALYTICAFLOW_GOOGLE_ADS_CLIENT_SECRET")
ANALYTICAFLOW_GOOGLE_ADS_DEVELOPER_TOKEN = env_str("ANALYTICAFLOW_GOOGLE_ADS_DEVELOPER_TOKEN")
ANALYTICAFLOW_TWITTER_ADS_API_URL = env_str("ANALYTICAFLOW_TWITTER_ADS_API_URL", "https://ads-api.x.com")
ANALYTICAFLOW_TWITTER_ADS_OAUTH_URL = env_str("ANALYTICAFLOW_TWITTER_ADS_OAUTH_URL", "https://api.x.com")
ANALYTICAFLOW_TWITTER_ADS_API_VERSION = env_str("ANALYTICAFLOW_TWITTER_ADS_API_VERSION", "12")
ANALYTICAFLOW_TWITTER_ADS_CLIENT_ID = env_str("ANALYTICAFLOW_TWITTER_ADS_CLIENT_ID")
ANALYTICAFLOW_TWITTER_ADS_CLIENT_SECRET = env_str("ANALYTICAFLOW_TWITTER_ADS_CLIENT_SECRET")
ANALYTICAFLOW_YAHOO_ADS_API_URL = env_str("ANALYTICAFLOW_YAHOO_ADS_API_URL", "https://ads-search.yahooapis.jp")
ANALYTICAFLOW_YAHOO_ADS_DISPLAY_API_URL = env_str("ANALYTICAFLOW_YAHOO_ADS_DISPLAY_API_URL",
                                                  "https://ads-display.yahooapis.jp")
ANALYTICAFLOW_YAHOO_ADS_OAUTH_URL = env_str("ANALYTICAFLOW_YAHOO_ADS_OAUTH_URL", "https://biz-oauth.yahoo.co.jp")
ANALYTICAFLOW_YAHOO_ADS_API_VERSION = env_str("ANALYTICAFLOW_YAHOO_ADS_API_VERSION", "v20")
ANALYTICAFLOW_YAHOO_ADS_CLIENT_ID = env_str("ANALYTICAFLOW_YAHOO_ADS_CLIENT_ID")
ANALYTICAFLOW_YAHOO_ADS_CLIENT_SECRET = env_str("ANALYTICAFLOW_YAHOO_ADS_CLIENT_SECRET")

# Integrations (analyticaflow.integrations): linking accounts and syncing them.
# The public address of this server, for OAuth redirect URIs (<url>/integrations/callback); default: the
# address a request arrived at. Register that callback URL with each platform's app.
ANALYTICAFLOW_PUBLIC_URL = env_str("ANALYTICAFLOW_PUBLIC_URL").rstrip("/")
# Keys that still decrypt stored credentials during a key rotation (base64, comma separated); see README.
ANALYTICAFLOW_CREDENTIALS_PREVIOUS_KEYS = env_list("ANALYTICAFLOW_CREDENTIALS_PREVIOUS_KEYS", [])
ANALYTICAFLOW_BACKFILL_DAYS = env_int("ANALYTICAFLOW_BACKFILL_DAYS", 365)
ANALYTICAFLOW_DEFAULT_SYNC_HOUR = env_int("ANALYTICAFLOW_DEFAULT_SYNC_HOUR", 6)
# Keep every raw API answer (gzip JSON lines under <data dir>/raw/) so normalization can be re-run offline.
ANALYTICAFLOW_KEEP_RAW_PAGES = env_bool("ANALYTICAFLOW_KEEP_RAW_PAGES", True)
# The clock the connectors sleep on (dotted path to a class; tests use one that does not really wait).
ANALYTICAFLOW_CONNECTOR_CLOCK = env_str("ANALYTICAFLOW_CONNECTOR_CLOCK", "analyticaflow.connectors.clock.SystemClock")
