"""Django settings, read from the environment (see .env.example).

With no environment at all, Doudi runs the embedded default: a SQLite file, a local
evidence folder, Celery tasks in-process, no services.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from celery.schedules import crontab

from portal.env import (
    ConfigError,
    database_from_url,
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("DOUDI_VAR_DIR", str(BASE_DIR / "var")))

# "embedded": the one-command demo on this machine; "production": everything from the
# environment, nothing insecure by default.
DOUDI_ENV = env_choice("DOUDI_ENV", "embedded", {"embedded", "production"})
EMBEDDED = DOUDI_ENV == "embedded"
if EMBEDDED:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DEBUG = env_bool("DOUDI_DEBUG", EMBEDDED)
SECRET_KEY = env_str(
    "DOUDI_SECRET_KEY", "embedded-default-not-for-production" if EMBEDDED else None
)
ALLOWED_HOSTS = env_list("DOUDI_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DOUDI_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "guardian",
    "axes",
    "assistance",
    "engine",
    "portal",
    "studio",
    "audit",
    "public",
    "payments",
    "onewindow",
    "exchanges",
    "outbound",
    "api",
    # django-ninja serves its docs page's Swagger UI files locally (static), never from a CDN.
    "ninja",
]

MIDDLEWARE = [
    # /healthz, /readyz and /metrics, answered before the HTTPS redirect and sign-in.
    "portal.middleware.OperationsEndpointsMiddleware",
    # The request id of every log line and the X-Request-ID answer (portal/logs.py).
    "portal.logs.RequestIdMiddleware",
    # Request time by view for /metrics: outermost of the rest, so it counts them all.
    "portal.metrics.request_timer",
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The API's language (Accept-Language) and its access log in the audit trail.
    "api.middleware.ApiMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.shell",
                "payments.context_processors.nav",
                "exchanges.context_processors.nav",
                "outbound.context_processors.nav",
            ],
        },
    },
]

# pytest sets PYTEST_VERSION before anything is imported: the suite runs on the machine's
# PostgreSQL unless DATABASE_URL says otherwise; the embedded default is a SQLite file.
TESTING = "PYTEST_VERSION" in os.environ
DEFAULT_DATABASE_URL = (
    "postgres://root@127.0.0.1:5432/doudi" if TESTING else f"sqlite:///{VAR_DIR / 'doudi.sqlite3'}"
)
DATABASES = {
    "default": database_from_url(env_str("DATABASE_URL", DEFAULT_DATABASE_URL), str(BASE_DIR))
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# SQLite cannot enforce "one version per (key, region)" when region is NULL; deploy() locks
# and checks it itself, and production runs on PostgreSQL where the constraint exists.
# W040: the queue indexes carry columns for index-only counts, which SQLite has no use for.
SILENCED_SYSTEM_CHECKS = ["models.W047", "models.W040"]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
# Sign-in lockout: five failures for one username from one address lock it for a while.
AXES_FAILURE_LIMIT = env_int("DOUDI_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("DOUDI_LOGIN_LOCKOUT_MINUTES", 30, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "portal/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "inbox"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "portal" / "locale"]
USE_I18N = True
TIME_ZONE = env_str("DOUDI_TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("DOUDI_STATIC_ROOT", str(VAR_DIR / "static")))
# Without collectstatic (the embedded default, tests) WhiteNoise finds files in the apps.
WHITENOISE_USE_FINDERS = EMBEDDED
if EMBEDDED:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Everything the pages load comes from this site; no inline script or style anywhere
# (templates keep CSS in portal.css and JS in static files), so none is allowed.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    # bpmn-js draws its logo from a data: URL.
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'self'"],
}

# Production runs behind a TLS-terminating reverse proxy that sets X-Forwarded-Proto (and
# strips any the client sent): plain HTTP is redirected, browsers told to use HTTPS only.
if not EMBEDDED:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DOUDI_SSL_REDIRECT", not EMBEDDED)
SECURE_HSTS_SECONDS = env_int("DOUDI_HSTS_SECONDS", 0 if EMBEDDED else 365 * 86400, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DOUDI_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DOUDI_HSTS_PRELOAD", True)

SESSION_COOKIE_AGE = env_int("DOUDI_SESSION_IDLE_SECONDS", 1800, minimum=60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DOUDI_SECURE_COOKIES", not EMBEDDED)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Celery: with no broker configured, tasks run in-process (the embedded default).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "memory://")
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL == "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# An instance the timer sweep sent to a worker is sent again after this long if its timers
# are still due (the task was lost); set it above the time the workers take to drain the
# largest burst expected, or instances still queued are sent twice (harmless, but wasted).
TIMER_REQUEUE_MINUTES = env_int("DOUDI_TIMER_REQUEUE_MINUTES", 30, minimum=1)
CELERY_BEAT_SCHEDULE = {
    # Sends each instance with a due timer to a worker of its own (engine/tasks.py).
    "fire-due-timers": {
        "task": "engine.tasks.fire_due_timers",
        "schedule": float(env_int("DOUDI_TIMER_INTERVAL_SECONDS", 60, minimum=1)),
    },
    # Signs the heads of the audit trail's hash chains (engine/checkpoints.py).
    "write-audit-checkpoint": {
        "task": "engine.tasks.write_audit_checkpoint",
        "schedule": float(env_int("DOUDI_AUDIT_CHECKPOINT_MINUTES", 60, minimum=1) * 60),
    },
    # The audit events' monthly partitions, created months ahead (engine/partitions.py).
    "ensure-audit-partitions": {
        "task": "engine.tasks.ensure_audit_partitions",
        "schedule": crontab(hour=2, minute=30),
    },
    # Outbound events: deliveries whose queued attempt was lost or whose worker died.
    "outbound-sweep": {
        "task": "outbound.tasks.sweep",
        "schedule": 60.0,
    },
    # Periodic reviews (复核) fall due by the day; start them early each morning.
    "start-due-reviews": {
        "task": "assistance.tasks.start_due_reviews",
        "schedule": crontab(hour=1, minute=0),
    },
    # Check requests whose delivery was lost or given up are queued again (exchanges/).
    "resend-unsent-check-requests": {
        "task": "exchanges.tasks.resend_unsent_check_requests",
        "schedule": 300.0,
    },
}
# How a check request reaches the county check centre: by default it is made available to
# the centre's system, which reads open requests through the API (exchanges/checks.py). A
# deployment that pushes requests names its own function taking the CheckRequest.
EXCHANGES_CHECK_SENDER = "exchanges.checks.make_available"

# The cache counts requests for the public site's rate limits (public/ratelimit.py); several
# web processes must share it, so production points it at Redis.
CACHE_URL = env_str("DOUDI_CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# The API's rate limits per caller (api/throttle.py), e.g. "600/min".
API_RATE_STAFF = env_str("DOUDI_API_RATE_STAFF", "600/min")
API_RATE_SYSTEM = env_str("DOUDI_API_RATE_SYSTEM", "3000/min")

# Evidence store (storage/): "local" folder or "minio".
EVIDENCE_BACKEND = env_choice("DOUDI_EVIDENCE_BACKEND", "local", {"local", "minio"})
EVIDENCE_DIR = Path(env_str("DOUDI_EVIDENCE_DIR", str(VAR_DIR / "evidence")))
EVIDENCE_MAX_BYTES = env_int("DOUDI_EVIDENCE_MAX_BYTES", 20 * 1024 * 1024, minimum=1)
MINIO_ENDPOINT = env_str("MINIO_ENDPOINT", "127.0.0.1:9000")
MINIO_ACCESS_KEY = env_str("MINIO_ACCESS_KEY", "doudi")
MINIO_SECRET_KEY = env_str("MINIO_SECRET_KEY", "doudi-secret")
MINIO_BUCKET = env_str("MINIO_BUCKET", "doudi-evidence")
MINIO_SECURE = env_bool("MINIO_SECURE", False)

# Signed checkpoints of the audit trail (engine/checkpoints.py). The Ed25519 private key lives
# in a file outside the database, readable only by the processes that sign (Celery worker);
# verifying needs only the public key. The embedded default creates a key pair on first use.
AUDIT_SIGNING_KEY_FILE = Path(
    env_str("DOUDI_AUDIT_SIGNING_KEY_FILE", str(VAR_DIR / "audit" / "signing-key.pem"))
)
AUDIT_PUBLIC_KEY_FILE = Path(
    env_str("DOUDI_AUDIT_PUBLIC_KEY_FILE", f"{AUDIT_SIGNING_KEY_FILE}.pub")
)
# Days the object store keeps each checkpoint in compliance mode (0: no retention; MinIO with
# object lock on the bucket only).
AUDIT_RETENTION_DAYS = env_int("DOUDI_AUDIT_RETENTION_DAYS", 0, minimum=0)

FILE_UPLOAD_HANDLERS = ["portal.uploads.LimitedUploadHandler"]
FILE_UPLOAD_TEMP_DIR = None

# Process models deployed by `deploy_workflows`.
WORKFLOWS_DIR = Path(env_str("DOUDI_WORKFLOWS_DIR", str(BASE_DIR / "workflows")))
# Bounds for code written by policy staff, enforced by the operating system on each
# evaluation in a sandbox worker process (engine/sandbox.py).
SANDBOX_CPU_SECONDS = env_float("DOUDI_SANDBOX_CPU_SECONDS", 0.5, minimum=0.01)
SANDBOX_MEMORY_MB = env_int("DOUDI_SANDBOX_MEMORY_MB", 256, minimum=32)

# "text" for people (the demo), "json" for a log collector: one object per line with the
# request or Celery task id (portal/logs.py).
LOG_FORMAT = env_choice("DOUDI_LOG_FORMAT", "text", {"text", "json"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "portal.logs.ContextFilter"}},
    "formatters": {
        "text": {"()": "portal.logs.TextFormatter"},
        "json": {"()": "portal.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env_str("DOUDI_LOG_LEVEL", "INFO")},
    # SpiffWorkflow logs every task state change at INFO.
    "loggers": {
        "spiff": {"level": "WARNING"},
        "spiff.metrics": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # One line per request: for the collector; the demo's runserver prints its own.
        "doudi.access": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"},
    },
}

# Payments: the bank file's layout (a built-in name or a JSON file, payments/layouts.py) and
# the largest bank results file accepted.
PAYMENTS_BANK_LAYOUT = env_str("DOUDI_PAYMENTS_BANK_LAYOUT", "csv-utf8")
PAYMENTS_RESULTS_MAX_BYTES = env_int("DOUDI_PAYMENTS_RESULTS_MAX_BYTES", 5 * 1024 * 1024, minimum=1)

# Outbound events (outbound/): signed deliveries to other departments' endpoints.
# Total time of one POST (connect, send, answer).
OUTBOUND_TIMEOUT_SECONDS = env_float("DOUDI_OUTBOUND_TIMEOUT_SECONDS", 5.0, minimum=0.1)
# Attempts before a delivery is marked failed (then only "retry now" sends it again).
OUTBOUND_MAX_ATTEMPTS = env_int("DOUDI_OUTBOUND_MAX_ATTEMPTS", 10, minimum=1)
# Wait after the first failed attempt, doubled after each (at most 90 minutes).
OUTBOUND_BACKOFF_SECONDS = env_float("DOUDI_OUTBOUND_BACKOFF_SECONDS", 30.0, minimum=0)
# SSRF: endpoints on loopback or private networks are refused unless this is on.
OUTBOUND_ALLOW_PRIVATE = env_bool("DOUDI_OUTBOUND_ALLOW_PRIVATE", False)

# /metrics (portal/metrics.py) answers requests from these networks, or bearing the token.
# Never the proxy's network: through the proxy every request comes from its address.
METRICS_TOKEN = env_str("DOUDI_METRICS_TOKEN", "")
try:
    METRICS_ALLOWED_NETWORKS = [
        ipaddress.ip_network(network, strict=False)
        for network in env_list("DOUDI_METRICS_ALLOWED_NETWORKS", ["127.0.0.1/32", "::1/128"])
    ]
except ValueError as exc:
    raise ConfigError(f"DOUDI_METRICS_ALLOWED_NETWORKS: {exc}") from exc
