"""Django settings for django-survey-and-report alone, in its throw-away
virtualenv (bench/peer/run): its app and what it needs, Django's defaults
otherwise, on its own database (PEER_DATABASE_URL)."""

import os
from urllib.parse import urlsplit

_url = urlsplit(os.environ["PEER_DATABASE_URL"])

SECRET_KEY = "peer-bench-only"  # noqa: S105  (a throw-away database, never served)
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
USE_TZ = True
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "survey",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "peer_urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _url.path.lstrip("/"),
        "USER": _url.username or "postgres",
        "HOST": _url.hostname or "127.0.0.1",
        "PORT": _url.port or 5432,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

# The settings the app reads from Django's (its README's values).
CHOICES_SEPARATOR = ","
USER_DID_NOT_ANSWER = "Left blank"
EXCEL_COMPATIBLE_CSV = False
CSV_DIRECTORY = "/tmp/convening-peer-csv"  # noqa: S108
DEFAULT_SURVEY_PUBLISHING_DURATION = 7
SURVEY_DEFAULT_PIE_COLOR = "red!50"
