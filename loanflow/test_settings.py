"""Settings for the test suite: production settings (DEBUG off) without the
HTTPS redirect, with a throwaway key and plain static storage (whitenoise's
manifest storage needs collectstatic first)."""

import os

os.environ.setdefault("LOANFLOW_ALLOW_DEV_KEY", "1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")

from loanflow.settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast test logins
