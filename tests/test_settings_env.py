"""Production configuration comes from the environment alone. Each case starts
a fresh interpreter (tests/django_process.py)."""

import json

from tests.django_process import run_django

PRODUCTION = {
    "SECRET_KEY": "k3Qv9-production-like-secret-key-used-only-by-this-test-Zx8pL2mN7rT4wY6",
    "ALLOWED_HOSTS": "convening.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://convening.example.org",
    "DATABASE_URL": "postgres://convening:secret@db.example.org:5433/convening",
    "CELERY_BROKER_URL": "redis://redis.example.org:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:p%40ss@smtp.example.org:587",
    "USE_X_FORWARDED_PROTO": "true",
}


def test_deploy_checks_pass_with_production_environment():
    result = run_django(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    env = {key: value for key, value in PRODUCTION.items() if key != "SECRET_KEY"}
    result = run_django("import django; django.setup()", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_service_urls_are_honoured():
    result = run_django(
        "import django, json; django.setup(); from django.conf import settings as s; "
        "from convening.celery import app; db = s.DATABASES['default']; "
        "print(json.dumps({"
        "'db': [db['ENGINE'], db['HOST'], db['PORT'], db['NAME'], db['USER'], db['PASSWORD']], "
        "'email': [s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, "
        "s.EMAIL_USE_TLS], "
        "'celery': [s.CELERY_BROKER_URL, s.CELERY_RESULT_BACKEND, s.CELERY_TASK_ALWAYS_EAGER, app.conf.broker_url], "
        "'secure': [s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER], "
        "'hosts': [s.ALLOWED_HOSTS, s.CSRF_TRUSTED_ORIGINS]}))",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout.strip().splitlines()[-1])
    assert config["db"] == ["django.db.backends.postgresql", "db.example.org", 5433, "convening", "convening", "secret"]
    assert config["email"] == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.org",
        587,
        "mailer",
        "p@ss",
        True,
    ]
    broker = PRODUCTION["CELERY_BROKER_URL"]
    assert config["celery"] == [broker, broker, False, broker]
    assert config["secure"] == [False, True, True, ["HTTP_X_FORWARDED_PROTO", "https"]]
    assert config["hosts"] == [["convening.example.org"], ["https://convening.example.org"]]


def test_quick_start_needs_no_environment():
    result = run_django(
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.DEBUG, s.DATABASES['default']['ENGINE'], s.EMAIL_BACKEND, s.CELERY_TASK_ALWAYS_EAGER]))",
        DEBUG="true",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        True,
        "django.db.backends.sqlite3",
        "django.core.mail.backends.console.EmailBackend",
        True,
    ]


def session_engine(**env) -> str:
    result = run_django(
        "import django; django.setup(); from django.conf import settings as s; print(s.SESSION_ENGINE)", **env
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_sessions_are_read_from_a_shared_cache_and_kept_in_the_database():
    shared = session_engine(**PRODUCTION, CACHE_URL="redis://redis.example.org:6379/1")
    assert shared == "django.contrib.sessions.backends.cached_db"


def test_sessions_skip_a_per_process_cache_whose_copies_could_outlive_a_logout():
    assert session_engine(**PRODUCTION) == "django.contrib.sessions.backends.db"
    assert session_engine(DEBUG="true") == "django.contrib.sessions.backends.db"


def test_a_redis_cache_keeps_one_client_per_pool():
    result = run_django(
        "import django; django.setup(); from django.conf import settings as s; print(s.CACHES['default']['BACKEND'])",
        **PRODUCTION,
        CACHE_URL="redis://redis.example.org:6379/1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "convening.cache.SharedClientRedisCache"
