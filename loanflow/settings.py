"""Settings for loanflow, driven by environment variables.

The defaults give a working single-machine install on SQLite (WAL mode, writers
queue instead of failing). Production sets DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS
and DEBUG=0; see README.md.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from loanflow.logs import wants_json

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# A development key is allowed only with DEBUG on; production must set its own.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not env_bool("LOANFLOW_ALLOW_DEV_KEY", False):
        raise RuntimeError("Set SECRET_KEY (or DEBUG=1 for a development install).")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-loanflow"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_fsm",
    "django_q",
    "django_tables2",
    "django_filters",
    "anymail",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served from our static files
    "loanflow.apps.LoginLockoutsConfig",  # django-axes, named in Chinese
    "cases",
    "notifications",
    "borrowers",
    "dashboards",
    "api",
    "drills",
    "ops",  # /healthz, /metrics, the head office's status page
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below whitenoise (static files keep their long cache and need no
    # policy), above the rest, so CSRF failures and redirects get both.
    "csp.middleware.CSPMiddleware",
    "loanflow.no_store.NoStoreMiddleware",
    "loanflow.middleware.RefuseNulMiddleware",  # a NUL anywhere is a 400, before the session reads a cookie
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it must see the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "loanflow.urls"

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
                "dashboards.context_processors.calendar_warning",
            ],
        },
    },
]

WSGI_APPLICATION = "loanflow.wsgi.application"

# Database: DATABASE_URL, else SQLite next to the code.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # SQLite serialises writers. IMMEDIATE takes the write lock when a
        # transaction starts, so a second writer waits (up to "timeout" seconds)
        # instead of failing half-way with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
        ),
    }

AUTH_USER_MODEL = "cases.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Lock out after repeated failures, with a cool-off so a locked officer is not
# stranded until an administrator acts.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False  # no banner on every process start
# Behind a load balancer every request comes from the balancer's address: the
# header it sets with the client's (e.g. HTTP_X_REAL_IP, which the balancer
# must overwrite, never pass on) is what login lockouts and the borrower
# pages' rate limits count by.
CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "REMOTE_ADDR")
AXES_IPWARE_META_PRECEDENCE_ORDER = (CLIENT_IP_HEADER,)
BORROWER_CLIENT_IP_HEADER = CLIENT_IP_HEADER
AXES_USERNAME_CALLABLE = "loanflow.lockout.axes_username"  # cut to axes' column: no 500 for a long name

SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = True

# Chinese first: zh-hans is the default, English is complete.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMS_URLFIELD_ASSUME_HTTPS = True  # a URL typed without a scheme is https (Django 6's default)
FORMAT_MODULE_PATH = ["loanflow.formats"]  # amounts as 1,250,000.00 in Chinese too
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": os.environ.get(
            "STATICFILES_BACKEND",
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The overdue indexes INCLUDE columns for index-only scans on PostgreSQL;
# SQLite simply builds them without, which is what we want there.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Security headers. Production runs behind TLS; the HSTS and redirect settings
# can be relaxed only by an explicit environment variable.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Every page's assets are our own files (banks run on closed networks), and
# no template holds an inline script or style, so the policy allows 'self'
# only. The borrower's pages set a stricter policy of their own, which the
# middleware leaves in place.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Load balancers and Prometheus probe the app itself over plain http: a
    # redirect to https would fail the probe (ops/, README "Health and metrics").
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Email: console by default (one line per message; CONSOLE_BODIES=1 prints
# them whole); any django-anymail ESP by EMAIL_BACKEND + ANYMAIL.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "notifications.channels.console.EmailBackend")
NOTIFICATIONS_CONSOLE_BODIES = env_bool("CONSOLE_BODIES", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "loanflow@bank.example")
ANYMAIL = {
    # "user:password" basic auth on tracking webhooks; a comma-separated list
    # lets an old secret keep working while the ESP is switched to a new one.
    "WEBHOOK_SECRET": env_list("ANYMAIL_WEBHOOK_SECRET") or "",
    "MAILGUN_API_KEY": os.environ.get("MAILGUN_API_KEY", ""),
    "MAILGUN_WEBHOOK_SIGNING_KEY": os.environ.get("MAILGUN_WEBHOOK_SIGNING_KEY", ""),
    "POSTMARK_SERVER_TOKEN": os.environ.get("POSTMARK_SERVER_TOKEN", ""),
    "RESEND_API_KEY": os.environ.get("RESEND_API_KEY", ""),
    "BREVO_API_KEY": os.environ.get("BREVO_API_KEY", ""),
    # A send that hangs must end well before its claim is taken for a dead
    # worker's (NOTIFICATIONS_CLAIM_TIMEOUT, 90 s): checks.py warns otherwise.
    "REQUESTS_TIMEOUT": float(os.environ.get("EMAIL_TIMEOUT", "20")),
}
# SMTP's send timeout (Django's default is none: a hung server blocks the worker).
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "20"))

# Notifications: the SMS backend and gateway, the delivery receipts' secret and
# the recording backends of the crash drills come from the environment; every
# NOTIFICATIONS_* setting has its default and meaning in notifications/conf.py.
if "NOTIFICATIONS_SMS_BACKEND" in os.environ:
    NOTIFICATIONS_SMS_BACKEND = os.environ["NOTIFICATIONS_SMS_BACKEND"]
if "NOTIFICATIONS_SMS_GATEWAY_URL" in os.environ:
    NOTIFICATIONS_SMS_GATEWAY_URL = os.environ["NOTIFICATIONS_SMS_GATEWAY_URL"]
if "NOTIFICATIONS_SMS_GATEWAY_KEY" in os.environ:
    NOTIFICATIONS_SMS_GATEWAY_KEY = os.environ["NOTIFICATIONS_SMS_GATEWAY_KEY"]
if "NOTIFICATIONS_SMS_WEBHOOK_SECRET" in os.environ:
    NOTIFICATIONS_SMS_WEBHOOK_SECRET = os.environ["NOTIFICATIONS_SMS_WEBHOOK_SECRET"]
if "NOTIFICATIONS_RECORD_DIR" in os.environ:
    NOTIFICATIONS_RECORD_DIR = os.environ["NOTIFICATIONS_RECORD_DIR"]
if "NOTIFICATIONS_RECORD_DELAY" in os.environ:
    NOTIFICATIONS_RECORD_DELAY = float(os.environ["NOTIFICATIONS_RECORD_DELAY"])
if "NOTIFICATIONS_RECORD_HANG" in os.environ:
    NOTIFICATIONS_RECORD_HANG = os.environ["NOTIFICATIONS_RECORD_HANG"]
if "NOTIFICATIONS_UNCERTAIN_GRACE" in os.environ:
    NOTIFICATIONS_UNCERTAIN_GRACE = int(os.environ["NOTIFICATIONS_UNCERTAIN_GRACE"])

# django-q2: the ORM broker by default (nothing else to run); Redis when
# Q_BROKER_URL is set. timeout < retry, or a slow task runs twice.
Q_CLUSTER = {
    "name": "loanflow",
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    "timeout": 60,
    "retry": 120,
    "max_attempts": 1,
    "catch_up": False,
    "ack_failures": True,
    "save_limit": 1000,
    "label": _("Background tasks"),  # the admin section of django-q2
}
if os.environ.get("Q_BROKER_URL"):
    Q_CLUSTER["redis"] = os.environ["Q_BROKER_URL"]
else:
    Q_CLUSTER["orm"] = "default"

# Cache: rate limits and lockouts must be shared by every web process, so
# production sets CACHE_URL (Redis); the default suits one process.
if os.environ.get("CACHE_URL"):
    # Short socket timeouts: a hung Redis fails a page (and /healthz) in 2 s
    # instead of holding every web worker.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["CACHE_URL"],
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "loanflow"}}

# The business calendar (public holidays and make-up working days) is data in
# the database, maintained by head office on the calendar page; see README.

# Key the borrowers' status-page link tokens are derived with (see
# borrowers/conf.py); production keeps it apart from SECRET_KEY.
BORROWER_LINK_KEY = os.environ.get("BORROWER_LINK_KEY", "")

# Site address used in links sent to borrowers.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Retention (PIPL): days a closed case (disbursed, rejected, withdrawn) keeps
# the borrower's personal data before the daily job anonymises it
# (cases/services/retention.py). Default ten years: the Anti-Money Laundering
# Law as revised for 2025 keeps customer identity data at least ten years
# after the relationship ends; the bank's compliance may set a longer one.
# 0 switches anonymisation off (personal data is then kept indefinitely).
RETENTION_CLOSED_CASE_DAYS = int(os.environ.get("RETENTION_CLOSED_CASE_DAYS") or 3653)
if RETENTION_CLOSED_CASE_DAYS < 0:
    raise RuntimeError("RETENTION_CLOSED_CASE_DAYS is a number of days, or 0 for no anonymisation.")

# Logs: one JSON object per line in production (LOG_FORMAT=json, the default
# with DEBUG off), plain text in development; either way ID numbers, mobiles,
# email addresses and borrowers' link tokens are scrubbed (loanflow/logs.py).
LOG_FORMAT = "json" if wants_json() else "text"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "loanflow.logs.RedactFilter"}},
    "formatters": {
        "json": {"()": "loanflow.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # runserver's request lines (Django gives them a handler of their
        # own, which would print borrowers' link tokens).
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Three lines per task and four per login at INFO bury what matters
        # (the one line per message the console backends print); warnings
        # and errors still show. Q_LOG_LEVEL=INFO brings the chatter back.
        "django-q": {"level": os.environ.get("Q_LOG_LEVEL", "WARNING")},
        "axes": {"level": os.environ.get("AXES_LOG_LEVEL", "WARNING")},
        # A line per send outcome, with its case and notice: the trail the
        # operations team follows. A development console already prints one
        # line per message, so there only problems show.
        "notifications.dispatch": {"level": os.environ.get("DISPATCH_LOG_LEVEL", "WARNING" if DEBUG else "INFO")},
    },
}

# /metrics (ops/): Prometheus reads it from one of these addresses or networks
# (a request that came through a proxy never counts as local), or with
# "Authorization: Bearer <METRICS_TOKEN>". /healthz answers anyone.
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# The integration API (api/): tokens of API clients only (no session, so no
# CSRF to forge), JSON only, every error a problem document.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.auth.ClientTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ClientRateThrottle"],
}
# Requests per API client ("number/second|minute|hour|day"); past it, a 429
# problem with Retry-After.
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "1200/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "loanflow integration API",
    # The description (errors, retries, events out) is api.schema.DESCRIPTION.
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],  # the schema and its pages are public: they hold no data
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CaseStateEnum": "cases.states.CaseState",
        "TransitionEnum": "cases.states.Transition",
    },
}
