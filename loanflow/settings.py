"""Settings for loanflow, driven by environment variables.

The defaults give a working single-machine install on SQLite (WAL mode, writers
queue instead of failing). Production sets DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS
and DEBUG=0; see README.md.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
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
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
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
}

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
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["CACHE_URL"]}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "loanflow"}}

# The business calendar (public holidays and make-up working days) is data in
# the database, maintained by head office on the calendar page; see README.

# Key the borrowers' status-page link tokens are derived with (see
# borrowers/conf.py); production keeps it apart from SECRET_KEY.
BORROWER_LINK_KEY = os.environ.get("BORROWER_LINK_KEY", "")

# Site address used in links sent to borrowers.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Three lines per task and four per login at INFO bury what matters
        # (the one line per message the console backends print); warnings
        # and errors still show. Q_LOG_LEVEL=INFO brings the chatter back.
        "django-q": {"level": os.environ.get("Q_LOG_LEVEL", "WARNING")},
        "axes": {"level": os.environ.get("AXES_LOG_LEVEL", "WARNING")},
    },
}

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
}
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
