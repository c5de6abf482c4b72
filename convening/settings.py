"""Settings for every environment, read from the environment (12-factor).

Production behaviour is switched on by environment variables, never by a
separate settings module, so what the tests run is what production runs.
The quick start (`make run`) needs none of them: SQLite, tasks in-process and
e-mail to the console are the defaults.
"""

import os
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    environ.Env.read_env(str(BASE_DIR / ".env"))

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    # Only ever used on a developer's machine; a production start without
    # SECRET_KEY fails loudly below instead of running with a known key.
    SECRET_KEY = env("SECRET_KEY", default="insecure-local-development-key-do-not-use-in-production")
else:
    SECRET_KEY = env("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )

# A rotation moves the old key here: sessions, password-reset links and the invitation links mailed again
# (assessments/invitations/tokens.py) keep working until it is dropped.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "convening",
    "rubrics",
    "assessments",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "bootstrap",
    "csp",
    "axes",
    # Two-factor sign-in (convening/two_factor/): authenticator apps' codes, and recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    # First, so that every line logged while a request is answered carries its id.
    "convening.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything that reads the body (the CSRF check parses a POST).
    "convening.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Which second factor, if any, verified this session (request.user.is_verified()).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "convening.middleware.UserLanguageMiddleware",
    # After the messages (its redirects say why) and the language (its pages speak the person's).
    "convening.two_factor.middleware.TwoFactorMiddleware",
    "convening.middleware.PrivatePagesMiddleware",
    "convening.middleware.PermissionDeniedMiddleware",
    # Last, so that a locked-out login is answered before the view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "convening.urls"
WSGI_APPLICATION = "convening.wsgi.application"

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
                "convening.context_processors.organization",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django turns psycopg's prepared statements off (None), which also refuses the one statement we
    # prepare on purpose (assessments.rating.autosave._fetch_prepared). The ORM binds parameters on the
    # client side, and such queries are never prepared, so this changes nothing else.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Tests on SQLite use a file, not the shared in-memory database: there, a browser test's live server
    # threads (a projector polling while a phone joins) lock whole tables and fail at once ("database
    # table is locked"), where a file's connections wait for each other. One file per test process, so two
    # runs in one checkout do not delete each other's database.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f".test-db-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "convening.cache.SharedClientRedisCache"
# Rate limits (invitation links) need a cache shared by every web process:
# Redis in production (CACHE_URL). A single debug process may count locally.
RATELIMIT_USE_CACHE = "default"
# With the cache unreachable nothing can be counted: a failed link look-up is
# then answered (404, saying why) rather than refused, as valid links always
# are. The cache backend (convening/cache.py) degrades instead of raising, with
# short socket timeouts of its own (overridable in CACHE_URL's query string).
RATELIMIT_FAIL_OPEN = True
# Every request of a signed-in person or a personal link reads its session:
# from the shared cache, with the database behind it, that read costs no
# query. A per-process cache (locmem) is not shared, so a session ended in one
# worker would live on in another's copy: then the database alone.
_SHARED_CACHE = not CACHES["default"]["BACKEND"].endswith("LocMemCache")
SESSION_ENGINE = "django.contrib.sessions.backends." + ("cached_db" if _SHARED_CACHE else "db")
if DEBUG:
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]

AUTH_USER_MODEL = "convening.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's, reading with the person what two-factor sign-in needs to know (convening/two_factor/backends.py).
    "convening.two_factor.backends.PasswordBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Brute-force protection: lock the pair (username, IP) so that a shared NAT is
# not punished for one person's typos and nobody can lock a victim out from
# elsewhere by guessing against their address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Its banner at every start (four times under `make run`: each command, and runserver's reloader) reads like a
# warning; its configuration is in this file.
AXES_VERBOSE = env.bool("AXES_VERBOSE", default=False)
# The login form posts "username" (Django's AuthenticationForm); axes would
# otherwise look for the model's USERNAME_FIELD ("email"), find nothing, and
# lock by IP alone.
AXES_USERNAME_FORM_FIELD = "username"


def _axes_username(request, credentials):
    """One failure counter per address however it is typed, so that changing
    letter case does not buy an attacker fresh attempts."""
    return ((credentials or request.POST).get("username") or "").strip().lower() or None


AXES_USERNAME_CALLABLE = _axes_username
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind a proxy, the number of trusted proxies decides which X-Forwarded-For
# entry is the client; zero means REMOTE_ADDR, which cannot be spoofed.
AXES_IPWARE_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Lock-outs count the client as the rate limits do; without it axes (django-ipware not being installed) counts
# REMOTE_ADDR, the proxy's address for everyone behind it.
AXES_CLIENT_IP_CALLABLE = "convening.client_address.client_address"

# Two-factor sign-in: the name authenticator apps show beside the code. Each wrong code doubles the wait
# before the next is checked (1 s, 2 s, 4 s, …), per device.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Convening")

# Single sign-on through the deployment's OpenID Connect provider (convening/sso.py): on only when a client id
# is given. Who may sign in this way follows the organizations' single sign-on e-mail domains.
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID", default="")
SSO_ENABLED = bool(OIDC_RP_CLIENT_ID)
if SSO_ENABLED:
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.append("convening.sso.AgencySignInBackend")
    OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET")
    OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_OP_AUTHORIZATION_ENDPOINT")
    OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT")
    OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", default="RS256")
    # The provider's public keys: needed to check its RS256/ES256 signatures, not for HS256 (the secret signs).
    OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT", default=None if OIDC_RP_SIGN_ALGO == "HS256" else env.NOTSET)
    OIDC_RP_SCOPES = "openid email profile"
    # Providers that never send email_verified (some directories vouch for every address they hold) may be
    # trusted without it; the default refuses an address the provider has not verified.
    OIDC_REQUIRE_EMAIL_VERIFIED = env.bool("OIDC_REQUIRE_EMAIL_VERIFIED", default=True)
    OIDC_TIMEOUT = env.int("OIDC_TIMEOUT_SECONDS", default=10)
    # A refused sign-in goes back to the login page, which shows why (convening/sso.py adds the message).
    LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_STORAGE",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Files the app writes (PDF reports). Several web/worker machines need this on
# shared storage (a volume in docker-compose.yml).
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Convening <convening@localhost>")
# A stalled mail server must time out well inside the task's time limit, so the send is retried instead of the task
# being killed with the message left pending forever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# Links in e-mails sent by tasks (invitations, reminders), which have no request to build them from.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# How long a colleague's account invitation (convening/people) stays usable.
ACCOUNT_INVITATION_DAYS = env.int("ACCOUNT_INVITATION_DAYS", default=7)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: without a broker, tasks run in-process (quick start and tests).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
# The longest any task may run (a PDF report, a send to a stalled mail server); the soft limit lets it record
# its failure first. Work still waiting or running after this long has lost its worker: the sweeps below.
CELERY_TASK_TIME_LIMIT = env.int("TASK_TIME_LIMIT_SECONDS", default=5 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT * 4 // 5
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task whose whole worker died (SIGKILL, a lost machine) stays unacknowledged in Redis until this passes, then
# goes to another worker. Just above the time limit: no live task is still running by then, so none is handed
# out twice, and nothing waits hours. Retries' countdowns must stay shorter (assessments/mail/tasks.py).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 60}
# A late-acknowledged task whose broker connection drops will be delivered again;
# stopping the running copy keeps it from being done twice at once.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
_STUCK_WORK_SWEEP_SECONDS = env.float("STUCK_WORK_SWEEP_SECONDS", 60.0)
# Rounds open, close and send their automatic reminders by themselves.
CELERY_BEAT_SCHEDULE = {
    "rounds-tick": {"task": "assessments.tasks.rounds_tick", "schedule": env.float("ROUNDS_TICK_SECONDS", 60.0)},
    # Reports and messages left waiting or running past the time limit are queued again (or given up).
    "sweep-stuck-reports": {"task": "assessments.tasks.sweep_stuck_reports", "schedule": _STUCK_WORK_SWEEP_SECONDS},
    "sweep-stuck-messages": {"task": "assessments.tasks.sweep_stuck_messages", "schedule": _STUCK_WORK_SWEEP_SECONDS},
    # Each organization's audit trail is kept for its own retention (Organization.audit_retention_days).
    "expire-audit-events": {"task": "convening.audit.tasks.expire_audit_events", "schedule": 24 * 60 * 60.0},
}

# Content-Security-Policy: nothing inline, nothing from another origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
    }
}

# HTTPS hardening; on by default whenever DEBUG is off.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 60 * 60)
X_FRAME_OPTIONS = "DENY"
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Logs go to standard error: plain text, or one JSON object per line for a log collector (LOG_FORMAT=json). Every
# line carries the request id (X-Request-ID) and, in a Celery task, the task id (convening/observability.py).
LOG_FORMAT = env("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "convening.observability.LogContextFilter"},
        "secrets": {"()": "convening.access_log.SecretMaskingFilter"},
        "refusals": {"()": "convening.middleware.RefusalTracebackFilter"},
    },
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "convening.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context", "secrets"]}
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own console handler (DEBUG only) would print every line of theirs a second time, bare.
        "django": {"handlers": [], "level": "NOTSET", "propagate": True},
        # A refusal is no error: one line ("Forbidden (Permission denied): /path"), without its traceback.
        "django.request": {"filters": ["refusals"]},
        # Without a broker tasks run in-process, and kombu warns at each one that the empty broker URL
        # names no host.
        **({} if CELERY_BROKER_URL else {"kombu.connection": {"level": "ERROR"}}),
    },
}
# The worker and beat log through the handler above too, instead of Celery replacing it with its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Error tracking, only when a DSN is given. No personal data is sent (no user, cookies or client address).
SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
if not 0 <= SENTRY_TRACES_SAMPLE_RATE <= 1:
    raise ImproperlyConfigured("SENTRY_TRACES_SAMPLE_RATE is a share of requests, from 0 to 1")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    from convening.observability import sentry_before_send

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        # Errors only unless asked: performance tracing sends a sample of every request.
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
        send_default_pii=False,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        before_send=sentry_before_send,
        before_send_transaction=sentry_before_send,
    )

# Sizes that bound what one request may cost the server. The largest upload is
# a 2 MB paper-ratings file; a body above REQUEST_BODY_MAX_BYTES is answered 413
# unread (convening.middleware.RequestSizeLimitMiddleware), and one within it is
# read in memory, never spooled to a temporary file. The proxy in front refuses
# larger bodies first (docs/request-limits.md).
REQUEST_BODY_MAX_BYTES = 3 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler"]
DATA_UPLOAD_MAX_NUMBER_FILES = 5
