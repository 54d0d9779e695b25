"""Karpear settings: Django's own settings, driven by the environment.

Every value has a safe default for the embedded setup (SQLite and a local data
directory, so `make run` needs no other service). Secrets may also be given as
`NAME_FILE` pointing at a file. In production (`KARPEAR_ENV=production`)
missing secrets are an error instead of being generated.

The environment is read through `karpear.config.env` only; each capability's `KARPEAR_*`
settings live in a module of `karpear.config`, imported here, so every name is still on
`django.conf.settings` and `DJANGO_SETTINGS_MODULE` stays `karpear.settings`.
"""

from __future__ import annotations

import contextlib
import os

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from karpear.config.env import (
    BASE_DIR,
    DATA_DIR,
    PRODUCTION,
    env_bool,
    env_int,
    env_list,
    env_str,
    secret_from_data_dir,
)

# Lets admin classes be written with type parameters (admin.ModelAdmin[Model]).
django_stubs_ext.monkeypatch()

SECRET_KEY = secret_from_data_dir("secret_key", "SECRET_KEY")

# The capabilities' settings, a module each. The order matters: in production a missing secret
# stops start-up, and SECRET_KEY, then Karpear's own keys, then the evidence KEK are checked in
# that order, as before the split.
# isort: off
from karpear.config.keys import *  # noqa: E402, F403
from karpear.config.reporting import *  # noqa: E402, F403
from karpear.config.desk import *  # noqa: E402, F403
from karpear.config.platformlink import *  # noqa: E402, F403
from karpear.config.evidence import *  # noqa: E402, F403
from karpear.config.hashes import *  # noqa: E402, F403
from karpear.config.compliance import *  # noqa: E402, F403
from karpear.config.safeguarding import *  # noqa: E402, F403
from karpear.config.operations import *  # noqa: E402, F403

# isort: on
from karpear.config.compliance import (  # noqa: E402
    KARPEAR_REGULATOR_MAX_ANSWER_BYTES,
    KARPEAR_REGULATOR_MAX_SUBMISSION_BYTES,
)
from karpear.config.evidence import KARPEAR_EVIDENCE_MAX_BYTES  # noqa: E402
from karpear.config.keys import production_problems  # noqa: E402

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",
    "karpear.core",
    "karpear.orgs",
    "karpear.links",
    "karpear.reports",
    "karpear.audit",
    "karpear.staff",
    "karpear.cases",
    "karpear.desk",
    "karpear.apikeys",
    "karpear.platformlink",
    "karpear.notices",
    "karpear.evidence",
    "karpear.blocklist",
    "karpear.compliance",
    "karpear.transparency",
    "karpear.referrals",
    "karpear.complaints",
    "karpear.hashes",
    "karpear.monitoring",
    "karpear.backups",
    "karpear.regulator",
    "karpear.safety",
    "karpear.documents",
    "karpear.learn",
    "karpear.education",
    "karpear.safeguarding",
    "karpear.concerns",
    "karpear.takeitdown",
]

MIDDLEWARE = [
    # First, so every answer counts, refusals by the middleware below included (issue #23).
    "karpear.monitoring.requests.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # karpear.core.pageonly.*: the library's middleware, stepping aside for /api/ paths, which
    # authenticate with keys and never use sessions, cookies or the page CSP (issue #24;
    # docs/architecture.md, "The API's lean middleware path").
    "karpear.core.pageonly.WhiteNoiseMiddleware",
    "karpear.core.pageonly.CSPMiddleware",
    "karpear.core.pageonly.ApiHeadersMiddleware",  # the API's own constant CSP
    "karpear.core.guards.NoStoreMiddleware",  # desk and admin: Cache-Control no-store
    "karpear.core.middleware.RequestGuardMiddleware",
    "karpear.core.guards.InputGuardMiddleware",  # NUL and deep JSON, before sessions read
    "karpear.core.guards.ApiMethodNotAllowedMiddleware",  # 405 in the API's error format
    "karpear.core.pageonly.SessionMiddleware",
    "karpear.core.pageonly.LocaleMiddleware",
    "karpear.core.middleware.ApiLanguageMiddleware",
    "karpear.core.pageonly.CommonMiddleware",
    "karpear.core.pageonly.CsrfViewMiddleware",
    "karpear.core.pageonly.AuthenticationMiddleware",
    "karpear.core.pageonly.OTPMiddleware",
    "karpear.core.pageonly.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "karpear.core.middleware.ApplicationErrorMiddleware",
]

ROOT_URLCONF = "karpear.urls"
WSGI_APPLICATION = "karpear.wsgi.application"

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
                "karpear.orgs.context_processors.organisation",
            ],
        },
    }
]

_default_db = f"sqlite:///{DATA_DIR / 'karpear.sqlite3'}"
# Persistent connections (a minute), without Django's health check: its SELECT 1 before each
# request was a fifth of a report's time (issue #24). A connection whose server went away is
# found without a round trip and reopened instead (core/dbconnections.py; docs/operations.md,
# "Database connections").
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", _default_db), conn_max_age=60, conn_health_checks=False
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets several gunicorn workers read while one writes; IMMEDIATE takes
    # the write lock at BEGIN so concurrent writers queue instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
    # Created owner-only (issue #15, item 11) before SQLite creates it with the umask's
    # mode; SQLite gives its -wal and -shm files the database file's mode.
    _db_name = str(DATABASES["default"]["NAME"])
    if _db_name and _db_name != ":memory:" and not _db_name.startswith("file:"):
        # A missing directory is left for SQLite to report; a database created before
        # this rule is tightened too (unless another user owns it).
        with contextlib.suppress(FileNotFoundError, PermissionError):
            os.close(os.open(_db_name, os.O_WRONLY | os.O_CREAT, 0o600))
            if os.stat(_db_name).st_mode & 0o077:
                os.chmod(_db_name, 0o600)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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

# Khmer first: Khmer is the default language; English lives under /en/.
LANGUAGE_CODE = "km"
LANGUAGES = [("km", _("Khmer")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Phnom_Penh"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names (long cache lifetimes) need `collectstatic`, which
    # `make install` and deployments run; a bare checkout serves files as they are.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION or env_bool("KARPEAR_STATIC_MANIFEST")
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# Request limits. The portal takes links and words, never files; RequestGuardMiddleware
# holds every path to KARPEAR_MAX_BODY_BYTES except the larger ones below (first prefix that
# matches wins).
KARPEAR_MAX_BODY_BYTES = env_int("KARPEAR_MAX_BODY_BYTES", 32 * 1024)
KARPEAR_LARGE_BODY_LIMITS = {
    # Notices (issue #4): the largest notice body accepted, and a scanned letter (10 MB at most).
    "/api/v1/notices": env_int("KARPEAR_NOTICE_MAX_BYTES", 2 * 1024 * 1024),
    "/desk/notices/new/": 11 * 1024 * 1024,
    "/en/desk/notices/new/": 11 * 1024 * 1024,
    # Issue #18: a document's 8 texts (4 audiences x 2 languages, at most 30,000 characters
    # each); Khmer is 9 bytes a character once form-encoded.
    "/desk/documents/": 2_500_000,
    "/en/desk/documents/": 2_500_000,
    "/api/v1/evidence": KARPEAR_EVIDENCE_MAX_BYTES + 64 * 1024,
    # The compliance workspace (issue #8): a 5 MB evidence file and the form.
    "/desk/compliance/": 6 * 1024 * 1024,
    "/en/desk/compliance/": 6 * 1024 * 1024,
    "/api/v1/hashes/": 21 * 1024 * 1024,  # an uploaded image may be up to 20 MB
    # The regulator (issue #20): submissions and answers to requests for information.
    "/api/v1/regulator/submissions": KARPEAR_REGULATOR_MAX_SUBMISSION_BYTES + 64 * 1024,
    "/api/v1/regulator/requests/": KARPEAR_REGULATOR_MAX_ANSWER_BYTES + 64 * 1024,
    "/desk/regulator/upload/": KARPEAR_REGULATOR_MAX_SUBMISSION_BYTES + 64 * 1024,
    "/en/desk/regulator/upload/": KARPEAR_REGULATOR_MAX_SUBMISSION_BYTES + 64 * 1024,
}
# Django's own backstop must allow the largest of them.
DATA_UPLOAD_MAX_MEMORY_SIZE = max(KARPEAR_MAX_BODY_BYTES, *KARPEAR_LARGE_BODY_LIMITS.values())
DATA_UPLOAD_MAX_NUMBER_FIELDS = 100
# No upload is ever spooled to a named temporary file, which a killed worker would leave behind
# (issue #15, item 7): uploads (scans, evidence, pictures to hash) are held in memory only (the
# body limits above keep them small); one larger than FILE_UPLOAD_MAX_MEMORY_SIZE is dropped,
# never written.
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler"]

# Security headers. No page loads anything from a third party (principle:
# privacy by default), so the policy only allows this origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "script-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
# "same-origin": nothing is sent to other sites, while form posts keep the
# Origin header that CSRF protection checks ("no-referrer" makes it "null").
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = env_bool("KARPEAR_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
if PRODUCTION:
    SECURE_HSTS_SECONDS = 31536000
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production")

# Logs (issue #23, item 3): "plain" lines, or "json": one object a line with the request id
# and organisation (docs/operations.md, "Logs"). Either way messages are redacted first.
KARPEAR_LOG_FORMAT = os.environ.get("KARPEAR_LOG_FORMAT", "plain").strip().lower()
if KARPEAR_LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured("KARPEAR_LOG_FORMAT must be plain or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "karpear.core.logging.RedactFilter"}},
    "formatters": {
        "plain": {"()": "karpear.core.logging.PlainFormatter"},
        "json": {"()": "karpear.core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["redact"],
            "formatter": KARPEAR_LOG_FORMAT,
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("KARPEAR_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django logs the request line of every 4xx; paths may carry report
        # references, so keep those at WARNING and redact them.
        "django.request": {"level": "ERROR"},
        # The PDF renderer narrates every step at INFO; only its problems matter.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
CSRF_FAILURE_VIEW = "karpear.core.views.csrf_failure"

# Staff sign-in (issue #3, item 1; issue #15, item 12): the failure budgets are in
# karpear/config/desk.py; sessions expire after inactivity (every request pushes the expiry
# forward).
# The admin's password form spends the same budgets as the desk's.
AUTHENTICATION_BACKENDS = ["karpear.staff.backends.ThrottledModelBackend"]
SESSION_COOKIE_AGE = env_int("KARPEAR_SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
# Session rows hold a hash of the key, not the key (issue #15, item 11).
SESSION_ENGINE = "karpear.core.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
LOGIN_URL = "desk:login"
OTP_TOTP_ISSUER = "Karpear"

# Mail (appeals forwarded to a list's source). Development writes messages to
# files under the data directory; production sets an SMTP server.
EMAIL_BACKEND = os.environ.get(
    "KARPEAR_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = str(DATA_DIR / "outbox")
EMAIL_HOST = os.environ.get("KARPEAR_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("KARPEAR_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("KARPEAR_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("KARPEAR_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("KARPEAR_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("KARPEAR_EMAIL_FROM", "karpear@localhost")

# Separation of duties (issue #15): the Django admin is deployment-wide, so it is mounted only
# when asked for (on by default with DEBUG for development, off in production unless
# KARPEAR_DJANGO_ADMIN=1). Per-organisation administration happens on the desk.
KARPEAR_DJANGO_ADMIN = env_bool("KARPEAR_DJANGO_ADMIN", DEBUG)

# Production start-up checks (issue #15, item 10; karpear/config/keys.py): every problem at once.
if PRODUCTION and (_problems := production_problems(debug=DEBUG)):
    raise ImproperlyConfigured(
        "Karpear refuses to start in production: " + "; ".join(_problems) + "."
    )
