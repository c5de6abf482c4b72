"""Runs Django code in a fresh interpreter with exactly the environment given:
settings are read once per process, and this test process runs on the test
settings."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Inherited from the developer's shell or set by the test settings and the browser harness: any of them would
# change the outcome.
CONFIG_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "CACHE_URL",
    "EMAIL_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "USE_X_FORWARDED_PROTO",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "STATICFILES_STORAGE",
    "DJANGO_READ_DOT_ENV_FILE",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "LOG_FORMAT",
    "SENTRY_DSN",
    "SENTRY_ENVIRONMENT",
    "SENTRY_TRACES_SAMPLE_RATE",
}


def run_django(code: str, **env: str) -> subprocess.CompletedProcess:
    """Runs `code` under convening.settings with `env` on top of a clean environment."""
    clean = {key: value for key, value in os.environ.items() if key not in CONFIG_VARIABLES}
    clean.update(env, DJANGO_SETTINGS_MODULE="convening.settings")
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120, check=False
    )
