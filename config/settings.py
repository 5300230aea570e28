"""Rounds settings: one module, driven by the environment, with safe local defaults.

Environment variables (all optional locally):

- ``DEBUG``          "1"/"true" to enable debug pages (default off).
- ``PRODUCTION``     "1" enables the hardened settings (HTTPS-only cookies, HSTS, redirect) and
                     makes ``SECRET_KEY`` and ``ALLOWED_HOSTS`` mandatory.
- ``SECRET_KEY``     required in production; generated into ``var/secret_key`` locally.
- ``ALLOWED_HOSTS``  comma separated (default: localhost names).
- ``DATABASE_URL``   default ``sqlite:///var/rounds.sqlite3`` (WAL mode); PostgreSQL via
                     ``postgres://user@host:5432/name``.
- ``REDIS_URL``      optional: cache, sessions and rate-limit counters live in Redis.
- ``EMAIL_URL``      default writes mail files to ``var/mail/``; ``console:``, ``smtp://...``.
- ``VAR_DIR``        where local state lives (default ``./var``).
- ``DATA_EXPORT_DIR`` where data export archives are kept (default ``$VAR_DIR/exports``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR") or BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
#: Check API payloads sent without django-ninja's validation against their documented schema
#: (``rounds.core.api_utils.trusted_json``); on under DEBUG and in the test suite.
API_CHECK_OUTPUT = env_bool("API_CHECK_OUTPUT", DEBUG)
PRODUCTION = env_bool("PRODUCTION", False)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production.")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()

if PRODUCTION and not os.environ.get("ALLOWED_HOSTS"):
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "ninja",
    "django_tasks",
    "django_tasks_rq",
    "rounds.core",
    "rounds.accounts",
    "rounds.profiles",
    "rounds.network",
    "rounds.notifications",
    "rounds.messaging",
    "rounds.contacts",
    "rounds.community",
    "rounds.feed",
    "rounds.events",
    "rounds.moderation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Page requests read the account and the navigation's row together (core/navigation.py).
    "rounds.core.navigation.NavigationPrefetchMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "rounds.core.middleware.MemberTimeZoneMiddleware",
    "rounds.core.middleware.RequestSizeMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rounds.core.context_processors.site",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

# --- database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'rounds.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
else:
    # Off by default (Django's default): a health check is a ``SELECT 1`` round trip before
    # every request's first query. Without it, a connection the server dropped (a restart) fails
    # one request and is then replaced; set DB_HEALTH_CHECKS=1 where connections are often cut.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("DB_HEALTH_CHECKS", False)
    # Server-side prepared statements for the queries compiled once per process
    # (``rounds.core.compiled``; every other query keeps Django's client-side binding, which
    # never prepares): parsing and planning were half of what those queries cost. Off with
    # DB_PREPARED_STATEMENTS=0 behind a pooler that cannot keep them (PgBouncer before 1.21,
    # or without ``max_prepared_statements``).
    if env_bool("DB_PREPARED_STATEMENTS", True):
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 0
    DATABASES["default"].setdefault("TEST", {})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache and sessions ---------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "rounds.core.cache.LocalCopyRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "rounds"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions live in the database, keyed so that a page reads its session and the member's
# account in one query (rounds/accounts/sessions.py); Redis is not needed for them.
SESSION_ENGINE = "rounds.accounts.sessions"

# --- background tasks -----------------------------------------------------------------------
# Django's Tasks API (the django-tasks backport). Locally tasks run inline right after the
# request's transaction commits; TASKS_BACKEND=rq (with REDIS_URL) queues them in Redis for
# `manage.py rqworker --job-class django_tasks_rq.Job` (docs/deployment.md).
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "immediate")
if TASKS_BACKEND == "rq":
    if not REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL.")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    INSTALLED_APPS.append("django_rq")  # its `rqworker` command runs the queued tasks
else:
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 600}}

# --- rate limits (rounds/core/ratelimit.py; per member per hour; docs/deployment.md) ---------
RATE_LIMIT_WINDOW_SECONDS = 3600
RATE_LIMITS = {
    "post": int(os.environ.get("RATE_LIMIT_POSTS", "30")),
    "comment": int(os.environ.get("RATE_LIMIT_COMMENTS", "120")),
    "thread": int(os.environ.get("RATE_LIMIT_THREADS", "20")),
    "reply": int(os.environ.get("RATE_LIMIT_REPLIES", "120")),
    "report": int(os.environ.get("RATE_LIMIT_REPORTS", "20")),
    "message": int(os.environ.get("RATE_LIMIT_MESSAGES", "300")),
    "calendar_feed": int(os.environ.get("RATE_LIMIT_CALENDAR_FEEDS", "20")),
    "calendar_feed_read": int(os.environ.get("RATE_LIMIT_CALENDAR_FEED_READS", "120")),
}

# --- auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's backends with the per-request user lookup compiled once per
    # process (rounds/accounts/backends.py). Sessions name the backend that signed them in:
    # renaming these paths signs everyone out once.
    "rounds.accounts.backends.MemberModelBackend",
    "rounds.accounts.backends.MemberAuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "profiles:home"

ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SIGNUP_FORM_CLASS = "rounds.accounts.forms.SignupExtraForm"
ACCOUNT_ADAPTER = "rounds.accounts.adapter.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Rounds] "
ACCOUNT_RATE_LIMITS: dict[str, str] | bool = {
    # allauth defaults, spelled out so they are visible and reviewed.
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
if env_bool("DISABLE_RATE_LIMITS", False):
    ACCOUNT_RATE_LIMITS = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Rounds"

# --- email ----------------------------------------------------------------------------------
MAIL_DIR = VAR_DIR / "mail"
EMAIL_URL = os.environ.get("EMAIL_URL", "")
_email = dj_email_url.parse(EMAIL_URL) if EMAIL_URL else {}
EMAIL_BACKEND = _email.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
if EMAIL_BACKEND.endswith("filebased.EmailBackend"):
    # dj-email-url drops the leading "/" of file:///abs/path; read the path from the URL itself.
    _path = EMAIL_URL.split("://", 1)[1] if "://" in EMAIL_URL else ""
    EMAIL_FILE_PATH = str(Path(_path) if _path else MAIL_DIR)
    Path(EMAIL_FILE_PATH).mkdir(parents=True, exist_ok=True)
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Rounds <no-reply@rounds.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- i18n / static / media ------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Members' data export archives: outside MEDIA_ROOT and never served by the web server (only
# the owner downloads them, through a view that checks ownership and expiry).
DATA_EXPORT_DIR = Path(os.environ.get("DATA_EXPORT_DIR") or VAR_DIR / "exports")

# Uploads: avatars are capped by the avatar service; this caps every request body.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 400
MAX_REQUEST_BODY_BYTES = 8 * 1024 * 1024
AVATAR_MAX_BYTES = 5 * 1024 * 1024

# --- security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the <body> header attribute instead
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SILENCED_SYSTEM_CHECKS: list[str] = []

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- product --------------------------------------------------------------------------------
SITE_NAME = "Rounds"
# Absolute links in emails (notifications, digests, unsubscribe, export ready).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
API_TOKEN_PREFIX = "rnd_"
DIRECTORY_PAGE_SIZE = 20
