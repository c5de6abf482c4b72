"""Test overrides: speed (a fast hasher) and isolation (mail kept in memory,
plain HTTP for the live server). Everything else is the real settings."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-that-is-long-enough-for-django-checks-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("CSRF_COOKIE_SECURE", "false")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
# The tests provoke errors on purpose: none may reach a Sentry project named in the developer's shell.
os.environ.pop("SENTRY_DSN", None)

from .settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Static files straight from the app directories, as under runserver: the
# tests must not depend on a collectstatic having been run.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
