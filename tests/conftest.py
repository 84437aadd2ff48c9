import os

# Tests run with DEBUG off, like production, but without HTTPS redirects and
# with plain static storage (whitenoise's manifest needs collectstatic).
os.environ.setdefault("LOANFLOW_ALLOW_DEV_KEY", "1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")

from tests.base import *  # noqa: E402,F401,F403  (fixtures)
