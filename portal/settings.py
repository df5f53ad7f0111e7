"""Settings for the Supplier & Quality Portal.

Everything that differs between a laptop and production comes from the
environment; README.md has the table of variables. Defaults give the embedded
setup: SQLite, a filesystem Celery broker and a file cache under ``var/``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    # A key that survives restarts without anyone having to invent one: the
    # embedded setup keeps it in var/, production sets DJANGO_SECRET_KEY.
    if key := os.environ.get("DJANGO_SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


# --- Core -------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/
SECRET_KEY = _secret_key()
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "guardian",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "portal",
    "suppliers",
    "quality",
    "integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.security_headers.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.CorrelationIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF: a throttled request is answered before its body is read (portal/web_limits.py).
    "portal.web_limits.WebRateLimitMiddleware",
    "portal.web_limits.NulRefusalMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The viewer's language, once the user is known (and again with the tenant: TimeZoneMiddleware).
    "portal.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.middleware.StaffMfaMiddleware",
    "portal.middleware.TenantMiddleware",
    "portal.middleware.TimeZoneMiddleware",
]

# --- Limits on web requests (portal/web_limits.py) ------------------------------------------
# Requests per signed-in user (per address before sign-in) and window, like the API's per token;
# PDFs and imports spend from budgets of their own as well.
PORTAL_WEB_RATES = {
    "pages": os.environ.get("PORTAL_WEB_RATE", "600/min"),
    "documents": os.environ.get("PORTAL_WEB_DOCUMENT_RATE", "30/min"),
    "imports": os.environ.get("PORTAL_WEB_IMPORT_RATE", "10/min"),
}
# The ASN editor posts four fields per lot or serial row and about a dozen per PO line; a
# shipment holds at most 5,000 of the first (suppliers/limits.py), so Django's default of 1,000
# fields would refuse a draft the API accepts. Below 32,766: no list a form sends can make a
# query with more parameters than SQLite binds.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 30_000

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------
# DATABASE_URL selects PostgreSQL in production (postgres://user@host/db);
# without it the embedded default is SQLite in var/.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web server, worker and beat share one file: WAL lets readers run beside
    # the writer, IMMEDIATE takes the write lock up front so two writers queue
    # instead of failing with "database is locked" halfway through.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory, so the Celery workers that the sync tests start share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_portal.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ---------------------------------------------------------------------
# Login throttling counts live here, so every web process must share it:
# a file cache by default, Redis when CACHE_URL is set.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Accounts (django-allauth) ---------------------------------------------------
# https://docs.allauth.org/en/latest/account/configuration.html
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_ADAPTER = "portal.adapters.PortalAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
# Failed logins per account key and per IP address; past them the form refuses
# even the right password until the window has passed.
ACCOUNT_RATE_LIMITS = {
    "login_failed": os.environ.get("PORTAL_LOGIN_RATE_LIMIT", "10/m/ip,5/300s/key"),
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = os.environ.get("PORTAL_MFA_ISSUER", "Supplier Portal")
# Staff roles must have a TOTP authenticator before they can use the portal.
PORTAL_STAFF_MFA_REQUIRED = env_bool("PORTAL_STAFF_MFA_REQUIRED", True)
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
PORTAL_INVITATION_DAYS = int(os.environ.get("PORTAL_INVITATION_DAYS", "7"))

# --- Transport security -------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/middleware/#module-django.middleware.security
# Off by default (the embedded setup serves plain HTTP on loopback); production behind
# TLS sets them. The Content-Security-Policy is portal/security_headers.py.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", False)
# Load balancers probe these over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)


def _proxy_ssl_header(value: str) -> tuple[str, str] | None:
    """``X-Forwarded-Proto: https`` -> ("HTTP_X_FORWARDED_PROTO", "https"): the header a TLS-ending
    proxy sets (and strips from clients); trust it only behind such a proxy."""
    if not value.strip():
        return None
    name, sep, expected = value.partition(":")
    if not sep or not name.strip() or not expected.strip():
        raise ValueError(f"DJANGO_SECURE_PROXY_SSL_HEADER must look like 'X-Forwarded-Proto: https' (got {value!r})")
    return "HTTP_" + name.strip().upper().replace("-", "_"), expected.strip()


SECURE_PROXY_SSL_HEADER = _proxy_ssl_header(os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER", ""))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", SECURE_SSL_REDIRECT)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- Email -------------------------------------------------------------------------
# Console by default; SMTP when EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Supplier Portal <portal@localhost>")

# --- Celery ------------------------------------------------------------------------
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
# Without CELERY_BROKER_URL the broker is embedded, in var/broker/, so the embedded
# setup needs no server: kombu's filesystem transport made safe to run unattended
# (portal/embedded_broker.py: whole-file writes, claims kept until acknowledged,
# unreadable files parked in var/broker/unreadable/). Redis or RabbitMQ in production.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    from portal.embedded_broker import transport_options

    CELERY_BROKER_TRANSPORT = "portal.embedded_broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = transport_options(VAR_DIR / "broker")
    # A broadcast on a folder broker is a file per worker that ever ran (a killed one never
    # unbinds), and nothing here uses remote control: the worker does not listen for it.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
else:
    # The hard time limit below stays under this, so a task is never
    # redelivered by Redis while it is still running.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
PORTAL_ODOO_CHECK_SECONDS = float(os.environ.get("PORTAL_ODOO_CHECK_SECONDS", "300"))
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "portal.tasks.heartbeat_task", "schedule": 30.0},
    "odoo-connection-check": {
        "task": "integrations.tasks.odoo_connection_check_all_task",
        "schedule": PORTAL_ODOO_CHECK_SECONDS,
    },
}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE["odoo-full-pull"] = {
    "task": "integrations.tasks.pull_all_tenants_task",
    "schedule": crontab(hour=int(os.environ.get("PORTAL_FULL_PULL_HOUR", "2")), minute=15),
    "kwargs": {"full": True},
}
# Reconciliation: incremental every few minutes, over the last days nightly.
PORTAL_RECONCILE_FULL_DAYS = int(os.environ.get("PORTAL_RECONCILE_FULL_DAYS", "30"))
CELERY_BEAT_SCHEDULE["reconcile"] = {
    "task": "integrations.tasks.reconcile_all_tenants_task",
    "schedule": float(os.environ.get("PORTAL_RECONCILE_SECONDS", "300")),
}
CELERY_BEAT_SCHEDULE["reconcile-full"] = {
    "task": "integrations.tasks.reconcile_all_tenants_task",
    "schedule": crontab(hour=int(os.environ.get("PORTAL_RECONCILE_FULL_HOUR", "3")), minute=0),
    "kwargs": {"full": True},
}
# Retention (integrations/services/retention.py): delivered outbox events and done hand-offs older than
# the reconciliation window (plus a day) and Idempotency-Key answers older than PORTAL_IDEMPOTENCY_KEEP_DAYS
# are removed, at most PORTAL_RETENTION_BATCH rows per transaction, every PORTAL_RETENTION_SECONDS.
PORTAL_IDEMPOTENCY_KEEP_DAYS = int(os.environ.get("PORTAL_IDEMPOTENCY_KEEP_DAYS", "7"))
PORTAL_RETENTION_BATCH = int(os.environ.get("PORTAL_RETENTION_BATCH", "1000"))
CELERY_BEAT_SCHEDULE["retention"] = {
    "task": "integrations.tasks.retention_purge_all_task",
    "schedule": float(os.environ.get("PORTAL_RETENTION_SECONDS", "3600")),
}
# The hold check (integrations/services/holds.py): held stock (lots quality has not released) found in a
# usable location in Odoo is filed as drift and given to the warehouse as an activity.
CELERY_BEAT_SCHEDULE["holds-check"] = {
    "task": "integrations.tasks.holds_check_all_task",
    "schedule": float(os.environ.get("PORTAL_HOLD_CHECK_SECONDS", "300")),
}
# SCARs (quality/services/scar_escalation.py, scar_effectiveness.py): overdue 8D steps escalated (each level
# once per due date) and SCARs whose effectiveness check passed closed, every PORTAL_SCAR_SECONDS.
CELERY_BEAT_SCHEDULE["scars-hourly"] = {
    "task": "quality.tasks.scars_hourly_task",
    "schedule": float(os.environ.get("PORTAL_SCAR_SECONDS", "3600")),
}
# Supplier scorecards (quality/scorecards/engine.py): every active tenant's periods recomputed where their
# inputs changed and the partners concerned rescored, nightly at PORTAL_SCORECARD_HOUR:30 (UTC).
CELERY_BEAT_SCHEDULE["scorecards-nightly"] = {
    "task": "quality.tasks.scorecards_nightly_task",
    "schedule": crontab(hour=int(os.environ.get("PORTAL_SCORECARD_HOUR", "4")), minute=30),
    "options": {"queue": "batch"},
}
CELERY_BEAT_SCHEDULE["odoo-pull"] = {
    "task": "integrations.tasks.pull_all_tenants_task",
    "schedule": float(os.environ.get("PORTAL_PULL_SECONDS", "60")),
}
# Pulls (integrations/services/pull/): rows per search_read page, and how far
# behind the cursor each pull starts again (longer than Odoo's longest transaction).
PORTAL_PULL_PAGE_SIZE = int(os.environ.get("PORTAL_PULL_PAGE_SIZE", "500"))
PORTAL_PULL_OVERLAP_SECONDS = int(os.environ.get("PORTAL_PULL_OVERLAP_SECONDS", "300"))
# Outbox delivery (integrations/services/delivery.py).
PORTAL_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("PORTAL_OUTBOX_MAX_ATTEMPTS", "12"))
PORTAL_OUTBOX_BACKOFF_BASE_SECONDS = float(os.environ.get("PORTAL_OUTBOX_BACKOFF_BASE_SECONDS", "2"))
PORTAL_OUTBOX_BACKOFF_CAP_SECONDS = float(os.environ.get("PORTAL_OUTBOX_BACKOFF_CAP_SECONDS", "900"))
# An in-flight event whose worker died is claimable again once its lease runs out, and
# the next sweep sends it: lease + sweep interval bound the recovery (45 s by default).
# A heartbeat renews the lease every third of it while the handler runs, so a slow
# delivery is never doubled.
PORTAL_OUTBOX_LEASE_SECONDS = float(os.environ.get("PORTAL_OUTBOX_LEASE_SECONDS", "30"))
# The sweeper does not enqueue the same pending event again within this many seconds.
PORTAL_OUTBOX_REQUEUE_SECONDS = float(os.environ.get("PORTAL_OUTBOX_REQUEUE_SECONDS", "30"))
# A worker claims up to this many due events of one tenant and lane at once, and drains a tenant's lane for
# up to PORTAL_OUTBOX_DRAIN_SECONDS before handing over to a new message (other tenants get their turn).
PORTAL_OUTBOX_BATCH = int(os.environ.get("PORTAL_OUTBOX_BATCH", "100"))
PORTAL_OUTBOX_DRAIN_SECONDS = float(os.environ.get("PORTAL_OUTBOX_DRAIN_SECONDS", "20"))
# A batch's aggregates are delivered by this many threads of the worker process, each with its own Odoo
# session (measured: issue 15's closing note); 1 delivers them one after the other.
PORTAL_OUTBOX_THREADS = int(os.environ.get("PORTAL_OUTBOX_THREADS", "8"))
PORTAL_METRICS_TOKEN = os.environ.get("PORTAL_METRICS_TOKEN", "")
PORTAL_BREAKER_THRESHOLD = int(os.environ.get("PORTAL_BREAKER_THRESHOLD", "5"))
PORTAL_BREAKER_OPEN_SECONDS = float(os.environ.get("PORTAL_BREAKER_OPEN_SECONDS", "30"))
CELERY_BEAT_SCHEDULE["outbox-sweep"] = {
    "task": "integrations.tasks.outbox_sweep_task",
    "schedule": float(os.environ.get("PORTAL_OUTBOX_SWEEP_SECONDS", "15")),
}
# Hand-off reactions (integrations/services/handoffs.py) run as the pull commits; this runs the
# retries and those a dead worker left behind.
CELERY_BEAT_SCHEDULE["handoff-sweep"] = {
    "task": "integrations.tasks.handoff_sweep_task",
    "schedule": float(os.environ.get("PORTAL_HANDOFF_SWEEP_SECONDS", "60")),
}

# --- I18N, static --------------------------------------------------------------------
LANGUAGE_CODE = "en"
# Each language named in itself, as a person looks for their own in a list.
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

# --- Logging -------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"correlation": {"()": "portal.context.CorrelationIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["correlation"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("PORTAL_LOG_LEVEL", "INFO")},
    # One line per request is the gateway's job (integrations.odoo), not httpx's.
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
MFA_ADAPTER = "portal.adapters.PortalMFAAdapter"

# --- Partner REST API (/api/v1/) -------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["portal.api.authentication.PartnerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "portal.api.permissions.TokenHasScope",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["portal.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": os.environ.get("PORTAL_API_RATE", "600/min")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["portal.api.parsers.BoundedJSONParser", "rest_framework.parsers.MultiPartParser"],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.IdCursorPagination",
    "EXCEPTION_HANDLER": "portal.api.problems.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Supplier & Quality Portal API",
    "DESCRIPTION": (
        "Purchase orders, acknowledgements and shipments (ASNs), inspection results and corrective action requests "
        "(SCAR, 8D: read them, answer a step, attach evidence) for a partner's systems. Authenticate with a "
        "partner token (Authorization: Bearer sqp_…), created by the supplier admin in the portal. Every POST "
        "accepts an Idempotency-Key header (the same key and request, however encoded, get the first answer "
        "again). Orders are named by id or by their number in Odoo (P00003), lines by id or by product code, "
        "shipments by id or number. A field an endpoint does not read is an error, not ignored. Statuses use the "
        "portal pages' words (`status`, `status_label`). Every error, whatever its cause, is an RFC 9457 problem "
        "document (application/problem+json) whose `type` depends on the status alone."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Filled by each app's ready() (portal.api.schema.enum_names_register): the portal names no app's enum.
    "ENUM_NAME_OVERRIDES": {},
}
