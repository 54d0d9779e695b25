"""Karpear settings: one module, driven by the environment.

Every value has a safe default for the embedded setup (SQLite and a local data
directory, so `make run` needs no other service). Secrets may also be given as
`NAME_FILE` pointing at a file. In production (`KARPEAR_ENV=production`)
missing secrets are an error instead of being generated.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import secrets
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from karpear.core.datadir import NoDataDirectory, find_data_dir

# Lets admin classes be written with type parameters (admin.ModelAdmin[Model]).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str = "") -> str:
    """Read NAME, or the contents of the file named by NAME_FILE."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    """NAME or NAME_FILE, split on commas and new lines (a file may hold one item a line).

    List-valued secrets (KARPEAR_FIELD_KEYS, KARPEAR_EVIDENCE_KEKS) read their
    file like any other secret (issue #15, item 10).
    """
    raw = env_str(name, default)
    return [item.strip() for item in raw.replace("\n", ",").split(",") if item.strip()]


PRODUCTION = os.environ.get("KARPEAR_ENV", "development") == "production"

# The same data directory from any working directory (issue #23, item 8; core/datadir.py).
try:
    DATA_DIR = find_data_dir(os.environ, BASE_DIR)
except NoDataDirectory as _exc:
    raise ImproperlyConfigured(str(_exc)) from None
try:
    DATA_DIR.mkdir(parents=True, mode=0o700)
except FileExistsError:
    pass
else:
    # Created private (issue #15, item 11): mkdir's mode is cut by the umask, so set it.
    DATA_DIR.chmod(0o700)


def _secret_from_data_dir(name: str, env_name: str) -> str:
    """A secret from the environment, or one generated once into DATA_DIR.

    Generating it keeps a plain checkout runnable without ever putting a
    constant secret in the repository; production must supply it explicitly.
    """
    value = env_str(env_name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{env_name} (or {env_name}_FILE) must be set in production")
    path = DATA_DIR / name
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_from_data_dir("secret_key", "SECRET_KEY")
# Key for field-level encryption of personal data (reporter contact details).
# Comma-separated: the first encrypts, all decrypt (rotation; docs/operations.md).
KARPEAR_FIELD_KEYS = env_list("KARPEAR_FIELD_KEYS") or [
    _secret_from_data_dir("field_key", "KARPEAR_FIELD_KEY")
]
# Keyed hash for rate limiting, so raw IP addresses are never stored.
KARPEAR_CLIENT_HASH_KEY = _secret_from_data_dir("client_hash_key", "KARPEAR_CLIENT_HASH_KEY")
# Seed of the deployment's Ed25519 key (signed blocklists, packages for the MPTC).
KARPEAR_SIGNING_KEY = _secret_from_data_dir("signing_key", "KARPEAR_SIGNING_KEY")

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
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "karpear.core.guards.NoStoreMiddleware",  # desk and admin: Cache-Control no-store
    "karpear.core.middleware.RequestGuardMiddleware",
    "karpear.core.guards.InputGuardMiddleware",  # NUL and deep JSON, before sessions read
    "karpear.core.guards.ApiMethodNotAllowedMiddleware",  # 405 in the API's error format
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "karpear.core.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
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
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", _default_db), conn_max_age=60, conn_health_checks=True
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

# Request limits. The portal takes links and words, never files.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("KARPEAR_MAX_BODY_BYTES", 32 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 100
FILE_UPLOAD_MAX_MEMORY_SIZE = 11 * 1024 * 1024  # scans stay in memory, never on disk

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

# Number of reverse proxies in front of Karpear whose X-Forwarded-For we trust.
KARPEAR_TRUSTED_PROXIES = env_int("KARPEAR_TRUSTED_PROXIES", 0)

# Rate limits: "count/seconds". Configurable because a school or an NGO office
# may send many reports from one address.
KARPEAR_RATE_REPORTS = os.environ.get("KARPEAR_RATE_REPORTS", "10/60")
KARPEAR_RATE_STATUS = os.environ.get("KARPEAR_RATE_STATUS", "30/60")
KARPEAR_RATELIMIT_ENABLED = env_bool("KARPEAR_RATELIMIT_ENABLED", True)

# Default response time promised on the receipt (hours); each organisation may
# set its own. 2.6: "a set time to act and respond on each report should be
# established". 24 hours is Karpear's default, not a legal figure.
KARPEAR_DEFAULT_RESPONSE_HOURS = env_int("KARPEAR_DEFAULT_RESPONSE_HOURS", 24)

# Issue #24: how long a process keeps its host -> organisation mapping. A save in the same
# process clears it at once; other processes (workers, hosts) follow within this many seconds.
# 0 turns the cache off.
KARPEAR_ORG_HOST_CACHE_SECONDS = env_int("KARPEAR_ORG_HOST_CACHE_SECONDS", 30)

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

# Staff sign-in (issue #3, item 1; issue #15, item 12): failure budgets per
# username (from unknown devices), per client address and per trusted device,
# paused with a capped doubling back-off when spent (staff/throttle.py); session
# expiry after inactivity (every request pushes the expiry forward).
KARPEAR_SIGNIN_ACCOUNT_FAILURES = env_int("KARPEAR_SIGNIN_ACCOUNT_FAILURES", 5)
KARPEAR_SIGNIN_CLIENT_FAILURES = env_int("KARPEAR_SIGNIN_CLIENT_FAILURES", 20)
KARPEAR_SIGNIN_DEVICE_FAILURES = env_int("KARPEAR_SIGNIN_DEVICE_FAILURES", 10)
KARPEAR_SIGNIN_WINDOW_SECONDS = env_int("KARPEAR_SIGNIN_WINDOW_SECONDS", 900)
KARPEAR_SIGNIN_PAUSE_CAP_SECONDS = env_int("KARPEAR_SIGNIN_PAUSE_CAP_SECONDS", 3600)
KARPEAR_SIGNIN_DEVICE_DAYS = env_int("KARPEAR_SIGNIN_DEVICE_DAYS", 90)
# The admin's password form spends the same budgets as the desk's.
AUTHENTICATION_BACKENDS = ["karpear.staff.backends.ThrottledModelBackend"]
SESSION_COOKIE_AGE = env_int("KARPEAR_SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
# Session rows hold a hash of the key, not the key (issue #15, item 11).
SESSION_ENGINE = "karpear.core.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
LOGIN_URL = "desk:login"
OTP_TOTP_ISSUER = "Karpear"

# Reporter contact details are deleted this long after their case closes
# (issue #3, item 10; privacy by default).
KARPEAR_CONTACT_RETENTION_DAYS = env_int("KARPEAR_CONTACT_RETENTION_DAYS", 90)

# The platform link (issue #4): webhook delivery.
KARPEAR_WEBHOOK_TIMEOUT = env_int("KARPEAR_WEBHOOK_TIMEOUT", 5)  # seconds per attempt
KARPEAR_WEBHOOK_MAX_BACKOFF = env_int("KARPEAR_WEBHOOK_MAX_BACKOFF", 3600)  # seconds
KARPEAR_WEBHOOK_GIVE_UP_HOURS = env_int("KARPEAR_WEBHOOK_GIVE_UP_HOURS", 24)

# Notices (issue #4): items per notice, and the largest notice body accepted.
KARPEAR_NOTICE_MAX_ITEMS = env_int("KARPEAR_NOTICE_MAX_ITEMS", 1000)
KARPEAR_LARGE_BODY_LIMITS = {
    "/api/v1/notices": env_int("KARPEAR_NOTICE_MAX_BYTES", 2 * 1024 * 1024),
    "/desk/notices/new/": 11 * 1024 * 1024,  # a scanned letter, at most 10 MB
    "/en/desk/notices/new/": 11 * 1024 * 1024,
    # Issue #18: a document's 8 texts (4 audiences x 2 languages, at most 30,000 characters
    # each); Khmer is 9 bytes a character once form-encoded.
    "/desk/documents/": 2_500_000,
    "/en/desk/documents/": 2_500_000,
}
# Django's own backstop must allow the largest of them; RequestGuardMiddleware
# holds every other path to KARPEAR_MAX_BODY_BYTES.
KARPEAR_MAX_BODY_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE
DATA_UPLOAD_MAX_MEMORY_SIZE = max(KARPEAR_MAX_BODY_BYTES, *KARPEAR_LARGE_BODY_LIMITS.values())
# Target for a notice: platform confirmation within this many seconds (shown on the desk).
KARPEAR_NOTICE_ACT_SECONDS = env_int("KARPEAR_NOTICE_ACT_SECONDS", 60)
# Referrals not acknowledged after this many hours are listed on the desk for re-sending
# (issue #17, item 2).
KARPEAR_REFERRAL_ACK_HOURS = env_int("KARPEAR_REFERRAL_ACK_HOURS", 24)


# The evidence vault (issue #5). KEKs are "id:base64(32 bytes)", newest first.
def _default_kek() -> str:
    raw = _secret_from_data_dir("evidence_kek", "KARPEAR_EVIDENCE_KEK")
    return "k1:" + base64.b64encode(hashlib.sha256(raw.encode()).digest()).decode()


KARPEAR_EVIDENCE_KEKS = env_list("KARPEAR_EVIDENCE_KEKS") or [_default_kek()]


# Production start-up checks (issue #15, item 10; rules in karpear/core/secret_rules.py).
# Messages name variables, never values: this error is printed and logged.
TEXT_SECRETS = [
    "SECRET_KEY",
    "KARPEAR_FIELD_KEYS",
    "KARPEAR_FIELD_KEY",
    "KARPEAR_CLIENT_HASH_KEY",
    "KARPEAR_SIGNING_KEY",
    "KARPEAR_EVIDENCE_KEK",
    "KARPEAR_METRICS_TOKEN",
]
LIST_SECRETS = {"KARPEAR_FIELD_KEYS", "KARPEAR_EVIDENCE_KEKS"}


def _production_problems() -> list[str]:
    from karpear.core.secret_rules import kek_weakness, text_secret_weakness

    problems = []
    if DEBUG:
        problems.append("DEBUG is on")
    for name in TEXT_SECRETS:
        values = env_list(name) if name in LIST_SECRETS else [env_str(name)]
        for position, value in enumerate(v for v in values if v):
            weakness = text_secret_weakness(value)
            if weakness:
                label = f"{name} (item {position + 1})" if name in LIST_SECRETS else name
                problems.append(f"{label} {weakness}")
    for position, entry in enumerate(env_list("KARPEAR_EVIDENCE_KEKS")):
        weakness = kek_weakness(entry)
        if weakness:
            problems.append(f"KARPEAR_EVIDENCE_KEKS (item {position + 1}) {weakness}")
    # A key kept beside the data it protects protects nothing: a copy of the data
    # directory (database file, vault) would carry its own key (docs/operations.md).
    for name in [*TEXT_SECRETS, "KARPEAR_EVIDENCE_KEKS"]:
        file_name = os.environ.get(f"{name}_FILE")
        if file_name and Path(file_name).resolve().is_relative_to(DATA_DIR):
            problems.append(f"{name}_FILE is inside the data directory KARPEAR_DATA_DIR")
    return problems


if PRODUCTION and (_problems := _production_problems()):
    raise ImproperlyConfigured(
        "Karpear refuses to start in production: " + "; ".join(_problems) + "."
    )
KARPEAR_EVIDENCE_BACKEND = os.environ.get("KARPEAR_EVIDENCE_BACKEND", "local")  # local | s3
KARPEAR_EVIDENCE_S3_BUCKET = os.environ.get("KARPEAR_EVIDENCE_S3_BUCKET", "karpear-evidence")
KARPEAR_EVIDENCE_S3_ENDPOINT = os.environ.get("KARPEAR_EVIDENCE_S3_ENDPOINT", "")
KARPEAR_EVIDENCE_S3_REGION = os.environ.get("KARPEAR_EVIDENCE_S3_REGION", "us-east-1")
KARPEAR_EVIDENCE_S3_ACCESS_KEY = env_str("KARPEAR_EVIDENCE_S3_ACCESS_KEY")
KARPEAR_EVIDENCE_S3_SECRET_KEY = env_str("KARPEAR_EVIDENCE_S3_SECRET_KEY")
KARPEAR_EVIDENCE_MAX_BYTES = env_int("KARPEAR_EVIDENCE_MAX_BYTES", 64 * 1024 * 1024)
# Days kept from capture, per legal basis; 2.6 a: "not longer than absolutely
# required"; the draft Cyber Crime law allows up to 180 days.
KARPEAR_RETENTION_DAYS = {"default": env_int("KARPEAR_RETENTION_DAYS", 180)}
# A reminder to take a break after this many reveals in one session (2.6 b).
KARPEAR_REVEALS_BEFORE_BREAK = env_int("KARPEAR_REVEALS_BEFORE_BREAK", 10)
# Desk well-being (issue #16, item 15; docs/operations.md "Desk well-being"): minutes on pages
# that can show reported content before every desk page reminds to take a break; the most one
# page view can count; the gap without desk requests that counts as a break; who to contact.
KARPEAR_EXPOSURE_BREAK_MINUTES = env_int("KARPEAR_EXPOSURE_BREAK_MINUTES", 45)
KARPEAR_EXPOSURE_PAGE_MAX_MINUTES = env_int("KARPEAR_EXPOSURE_PAGE_MAX_MINUTES", 5)
KARPEAR_BREAK_MINUTES = env_int("KARPEAR_BREAK_MINUTES", 15)
KARPEAR_WELLBEING_CONTACT = env_str("KARPEAR_WELLBEING_CONTACT")
KARPEAR_LARGE_BODY_LIMITS["/api/v1/evidence"] = KARPEAR_EVIDENCE_MAX_BYTES + 64 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = max(KARPEAR_MAX_BODY_BYTES, *KARPEAR_LARGE_BODY_LIMITS.values())
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE  # uploads never touch the disk in clear

# ISP blocklist (issue #7). The compiled list that the Squid helper, the check
# API and the splash page read lives here, one file per organisation.
KARPEAR_BLOCKLIST_DIR = Path(os.environ.get("KARPEAR_BLOCKLIST_DIR", DATA_DIR / "blocklist"))
KARPEAR_BLOCKLIST_FETCH_TIMEOUT = env_int("KARPEAR_BLOCKLIST_FETCH_TIMEOUT", 60)  # seconds
KARPEAR_BLOCKLIST_MAX_BYTES = env_int("KARPEAR_BLOCKLIST_MAX_BYTES", 512 * 1024 * 1024)
KARPEAR_RATE_APPEALS = os.environ.get("KARPEAR_RATE_APPEALS", "5/600")

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

# The compliance workspace (issue #8): reassess every one to two years (guidelines section 3),
# and an optional folder of edited framework files that replace the shipped ones by id.
KARPEAR_REASSESS_MONTHS = env_int("KARPEAR_REASSESS_MONTHS", 12)
for _prefix in ("/desk/compliance/", "/en/desk/compliance/"):
    KARPEAR_LARGE_BODY_LIMITS[_prefix] = 6 * 1024 * 1024  # a 5 MB evidence file and the form
DATA_UPLOAD_MAX_MEMORY_SIZE = max(KARPEAR_MAX_BODY_BYTES, *KARPEAR_LARGE_BODY_LIMITS.values())
KARPEAR_FRAMEWORK_DIR = os.environ.get("KARPEAR_FRAMEWORK_DIR", "")

# Transparency reports (issue #9): counts from 1 to N-1 are published as "fewer than N".
KARPEAR_SMALL_NUMBER = env_int("KARPEAR_SMALL_NUMBER", 10)

# Swipe Safe education (issue #19): a folder replacing the shipped lessons, paths and curricula
# (laid out like learn/content/), the days after a session when the practice follow-up opens,
# and how long names from a session's sign-in sheet are kept (encrypted) before erasure.
KARPEAR_LEARN_DIR = env_str("KARPEAR_LEARN_DIR", "")
KARPEAR_EDUCATION_FOLLOWUP_DAYS = env_int("KARPEAR_EDUCATION_FOLLOWUP_DAYS", 28)
KARPEAR_EDUCATION_NAME_DAYS = env_int("KARPEAR_EDUCATION_NAME_DAYS", 90)
# Quiz answers per client address: generous, because a whole class can share one school address.
KARPEAR_RATE_QUIZ = os.environ.get("KARPEAR_RATE_QUIZ", "120/60")

# Hash checks (issue #6): a hash matching more than FLOOD_MAX distinct items within
# FLOOD_MINUTES is quarantined: it stops triggering automatic action until the lead releases it.
KARPEAR_HASH_FLOOD_MAX = env_int("KARPEAR_HASH_FLOOD_MAX", 20)
KARPEAR_HASH_FLOOD_MINUTES = env_int("KARPEAR_HASH_FLOOD_MINUTES", 60)
# The PDQ index snapshot (memory-mapped, shared by every process on the host) and how many hashes
# added since it a process keeps in memory before writing a new one (issue #6, item 9).
KARPEAR_HASH_INDEX_DIR = Path(os.environ.get("KARPEAR_HASH_INDEX_DIR", DATA_DIR / "hash-index"))
KARPEAR_HASH_INDEX_COMPACT_AT = env_int("KARPEAR_HASH_INDEX_COMPACT_AT", 100_000)
# Seconds between the worker's rounds that keep the PDQ snapshots in the page cache (issue #24).
KARPEAR_HASH_INDEX_TOUCH_EVERY = env_int("KARPEAR_HASH_INDEX_TOUCH_EVERY", 60)
# Hash exchanges (docs/hashes.md): NCMEC "user:password", StopNCII "fetch_key,subscription_key".
KARPEAR_NCMEC_CREDENTIALS = env_str("KARPEAR_NCMEC_CREDENTIALS")
KARPEAR_STOPNCII_KEYS = env_str("KARPEAR_STOPNCII_KEYS")
# An uploaded image may be up to 20 MB.
KARPEAR_LARGE_BODY_LIMITS["/api/v1/hashes/"] = 21 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = max(KARPEAR_MAX_BODY_BYTES, *KARPEAR_LARGE_BODY_LIMITS.values())
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE  # uploads are hashed in memory only
# Tell account holders about decisions on their accounts (account.notice webhook), except
# while content confirmed as CSAM is under investigation (guidelines 2.6: preserve, refer).
KARPEAR_NOTIFY_ACCOUNT_HOLDERS = env_bool("KARPEAR_NOTIFY_ACCOUNT_HOLDERS", True)

# Complaints about decisions (issue #17, item 6). Account holders may contest a decision for
# this many days after it; each complaint is reviewed within KARPEAR_COMPLAINT_REVIEW_HOURS
# (shown on the desk). The public page is rate limited like the report portal.
KARPEAR_COMPLAINT_WINDOW_DAYS = env_int("KARPEAR_COMPLAINT_WINDOW_DAYS", 30)
# What an account holder wrote in a complaint is erased this long after the review (issue #17).
KARPEAR_COMPLAINT_RETENTION_DAYS = env_int("KARPEAR_COMPLAINT_RETENTION_DAYS", 90)
KARPEAR_COMPLAINT_REVIEW_HOURS = env_int("KARPEAR_COMPLAINT_REVIEW_HOURS", 72)
KARPEAR_RATE_COMPLAINTS = os.environ.get("KARPEAR_RATE_COMPLAINTS", "10/60")
KARPEAR_NOTIFY_DURING_CSAM_INVESTIGATION = env_bool(
    "KARPEAR_NOTIFY_DURING_CSAM_INVESTIGATION", False
)
# The audit chain (issue #15, item 9). Entries are sealed with an HMAC under keys that never enter
# the database: KARPEAR_AUDIT_KEYS (or _FILE), comma-separated, newest first (older ones still
# verify their entries); empty means derived from SECRET_KEY (+ SECRET_KEY_FALLBACKS) with HKDF.
KARPEAR_AUDIT_KEYS = [k.strip() for k in env_str("KARPEAR_AUDIT_KEYS").split(",") if k.strip()]
# Signed checkpoints of the chain's head, written by the worker (and `karpear audit checkpoint`)
# outside the database; empty means DATA_DIR/audit-checkpoints. Copy them to another host or a
# WORM bucket (docs/operations.md, "The audit log").
KARPEAR_AUDIT_CHECKPOINT_DIR = os.environ.get("KARPEAR_AUDIT_CHECKPOINT_DIR", "")
KARPEAR_AUDIT_CHECKPOINT_SECONDS = env_int("KARPEAR_AUDIT_CHECKPOINT_SECONDS", 3600)
# Also put each checkpoint into this S3 bucket (the vault's endpoint and credentials), locked for
# RETAIN_DAYS in COMPLIANCE mode when > 0 (the bucket must have Object Lock enabled).
KARPEAR_AUDIT_CHECKPOINT_S3_BUCKET = os.environ.get("KARPEAR_AUDIT_CHECKPOINT_S3_BUCKET", "")
KARPEAR_AUDIT_CHECKPOINT_S3_RETAIN_DAYS = env_int("KARPEAR_AUDIT_CHECKPOINT_S3_RETAIN_DAYS", 0)


# Separation of duties (issue #15): the Django admin is deployment-wide, so it is mounted only
# when asked for (on by default with DEBUG for development, off in production unless
# KARPEAR_DJANGO_ADMIN=1). Per-organisation administration happens on the desk.
KARPEAR_DJANGO_ADMIN = env_bool("KARPEAR_DJANGO_ADMIN", DEBUG)


# Decoding budget (issue #15, item 6; docs/operations.md "Decoding budget"). Images and videos are
# decoded only in a decoder process of their own (karpear.hashes.sandbox), each job in a fresh
# child limited to DECODE_MEMORY_MB more address space and DECODE_SECONDS of CPU and wall-clock
# time, after the headers were checked: over budget answers 413, too slow 422.
KARPEAR_DECODE_MAX_PIXELS = env_int("KARPEAR_DECODE_MAX_PIXELS", 25_000_000)  # Pillow's bomb limit
# Video: what one core hashes (a PDQ a second) within DECODE_SECONDS: 1080p, a minute.
KARPEAR_DECODE_MAX_FRAME_PIXELS = env_int("KARPEAR_DECODE_MAX_FRAME_PIXELS", 1920 * 1080)
KARPEAR_DECODE_MAX_VIDEO_SECONDS = env_int("KARPEAR_DECODE_MAX_VIDEO_SECONDS", 60)
# Frames x width x height x 1.5 bytes (YUV 4:2:0): 6 GB is about 66 s of 1080p at 30 frames a
# second (33 s at 60); it bounds the decoding work, as frames are decoded one at a time.
KARPEAR_DECODE_MAX_VIDEO_DECODED_MB = env_int("KARPEAR_DECODE_MAX_VIDEO_DECODED_MB", 6144)
KARPEAR_DECODE_MEMORY_MB = env_int("KARPEAR_DECODE_MEMORY_MB", 1024)
# Below gunicorn's --timeout (30 s by default), so the decode is stopped before the worker is.
KARPEAR_DECODE_SECONDS = env_int("KARPEAR_DECODE_SECONDS", 20)
# No upload is ever spooled to a named temporary file, which a killed worker would leave behind
# (item 7): uploads are held in memory only (the body limits above keep them small); one larger
# than FILE_UPLOAD_MAX_MEMORY_SIZE is dropped, never written.
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler"]

# Isolation on receipt (issue #16, item 2; guidelines 2.6 and its box on agency roles): reports in
# these categories about content on the company's own service (a platform content ID, or a link on
# a hosted domain of the platform link) are isolated at once, provisionally under the terms of
# service, until the desk assesses them. "none" turns it off for every category. The abuse guard:
# at most PER_REPORTER isolations per reporter (keyed client hash, or the API key) and PER_HOUR
# per organisation in each clock hour; over a limit the report is still taken and queued.
KARPEAR_ISOLATE_ON_RECEIPT = [
    c for c in env_list("KARPEAR_ISOLATE_ON_RECEIPT", "sexual_image,live_stream") if c != "none"
]
KARPEAR_ISOLATE_PER_REPORTER = env_int("KARPEAR_ISOLATE_PER_REPORTER", 3)
KARPEAR_ISOLATE_PER_HOUR = env_int("KARPEAR_ISOLATE_PER_HOUR", 30)
KARPEAR_ISOLATE_CLAUSE = os.environ.get(
    "KARPEAR_ISOLATE_CLAUSE",
    "Terms of service: content reported as child sexual abuse is hidden while it is assessed",
)

# Operations (issue #23; docs/operations.md "Monitoring"). /metrics answers only with
# "Authorization: Bearer <KARPEAR_METRICS_TOKEN>" (401 otherwise) and does not exist (404)
# while the token is unset.
KARPEAR_METRICS_TOKEN = env_str("KARPEAR_METRICS_TOKEN")
# The erasure journal (issue #23, item 4; backups/journal.py): evidence destroyed and contacts
# erased, as signed lines of ids outside the database, so `karpear restore` does them again.
# Empty means DATA_DIR/erasure-journal; copy it off the host with the audit checkpoints.
KARPEAR_ERASURE_JOURNAL_DIR = os.environ.get("KARPEAR_ERASURE_JOURNAL_DIR", "")

# The regulator's side (issue #20; docs/operations.md "The regulator"): how long a company's
# previous package key stays valid after a new one is registered, the largest submission body,
# the largest answer to a request for information (files as base64 in JSON), and the smallest
# number of companies a sector median rests on.
KARPEAR_REGULATOR_KEY_OVERLAP_DAYS = env_int("KARPEAR_REGULATOR_KEY_OVERLAP_DAYS", 30)
KARPEAR_REGULATOR_MAX_SUBMISSION_BYTES = env_int(
    "KARPEAR_REGULATOR_MAX_SUBMISSION_BYTES", 2 * 1024 * 1024
)
KARPEAR_REGULATOR_MAX_ANSWER_BYTES = env_int("KARPEAR_REGULATOR_MAX_ANSWER_BYTES", 8 * 1024 * 1024)
KARPEAR_REGULATOR_TIMEOUT = env_int("KARPEAR_REGULATOR_TIMEOUT", 20)  # seconds per HTTP call
for _prefix, _limit in (
    ("/api/v1/regulator/submissions", KARPEAR_REGULATOR_MAX_SUBMISSION_BYTES + 64 * 1024),
    ("/api/v1/regulator/requests/", KARPEAR_REGULATOR_MAX_ANSWER_BYTES + 64 * 1024),
    ("/desk/regulator/upload/", KARPEAR_REGULATOR_MAX_SUBMISSION_BYTES + 64 * 1024),
    ("/en/desk/regulator/upload/", KARPEAR_REGULATOR_MAX_SUBMISSION_BYTES + 64 * 1024),
):
    KARPEAR_LARGE_BODY_LIMITS[_prefix] = _limit
DATA_UPLOAD_MAX_MEMORY_SIZE = max(KARPEAR_MAX_BODY_BYTES, *KARPEAR_LARGE_BODY_LIMITS.values())
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# Safe by default in the company's apps (issue #18): a YAML file of extra or replaced safety
# features, same shape as karpear/safety/features.yaml (checked at start-up).
KARPEAR_SAFETY_CATALOGUE = env_str("KARPEAR_SAFETY_CATALOGUE", "")

# Safeguarding inside the company (issue #21; guidelines 2.2, checklist items 3, 7, 8).
# Directory entries of people who left lose their name, address and role title after this many
# days; acknowledgement links expire after LINK_DAYS and a reminder (with a new link) goes to
# whoever has not acknowledged after REMIND_DAYS, at most REMINDERS times.
KARPEAR_STAFF_ERASE_DAYS = env_int("KARPEAR_STAFF_ERASE_DAYS", 90)
KARPEAR_ACK_LINK_DAYS = env_int("KARPEAR_ACK_LINK_DAYS", 14)
KARPEAR_ACK_REMIND_DAYS = env_int("KARPEAR_ACK_REMIND_DAYS", 7)
KARPEAR_ACK_REMINDERS = env_int("KARPEAR_ACK_REMINDERS", 2)
# Where acknowledgement links point (e.g. https://safe.example.com); empty: the organisation's
# domain over https, else http://127.0.0.1:8000 for development.
KARPEAR_PUBLIC_BASE_URL = os.environ.get("KARPEAR_PUBLIC_BASE_URL", "")
# Courses each kind of role must hold (safeguarding/training.py), and how many months a course
# stays valid when its record gives no expiry date.
KARPEAR_TRAINING_VALID_MONTHS = env_int("KARPEAR_TRAINING_VALID_MONTHS", 24)
# Concerns (issue #21, items 5-6): acknowledged within ACK_HOURS; texts erased RETENTION_DAYS
# after closing; the public page and the receipt check are rate limited per client, and a
# receipt code takes at most CODE_TRIES wrong secrets per hour.
KARPEAR_CONCERN_ACK_HOURS = env_int("KARPEAR_CONCERN_ACK_HOURS", 48)
KARPEAR_CONCERN_RETENTION_DAYS = env_int("KARPEAR_CONCERN_RETENTION_DAYS", 365)
KARPEAR_RATE_CONCERNS = os.environ.get("KARPEAR_RATE_CONCERNS", "10/600")
KARPEAR_RATE_CONCERN_READS = os.environ.get("KARPEAR_RATE_CONCERN_READS", "10/600")
KARPEAR_CONCERN_CODE_TRIES = os.environ.get("KARPEAR_CONCERN_CODE_TRIES", "5/3600")

# The child's portal, second version (issue #22). "Leave now" goes to a neutral site that says
# nothing of what the visitor was doing (item 2). Hashes a child sends from /take-it-down/ go to
# the organisation's bank of source "self-report"; its policy is "review" (a match queues the
# upload for a person, isolated meanwhile) unless set to "act" (item 6).
KARPEAR_QUICK_EXIT_URL = os.environ.get("KARPEAR_QUICK_EXIT_URL", "https://www.google.com/")
KARPEAR_SELF_REPORT_POLICY = os.environ.get("KARPEAR_SELF_REPORT_POLICY", "review")
if KARPEAR_SELF_REPORT_POLICY not in ("review", "act"):
    raise ImproperlyConfigured("KARPEAR_SELF_REPORT_POLICY must be review or act")
