"""Qamqor settings: one module, configured by environment variables.

SQLite is the embedded default for demos and tests; production sets ``DATABASE_URL`` to
PostgreSQL and ``QAMQOR_PRODUCTION=1``, which turns on the secure cookie and header
settings and refuses to start without a real secret key (see docs/deploy.md).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import dj_database_url
from csp import constants as csp_constants
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("QAMQOR_VAR_DIR", BASE_DIR.parent / "var"))


def env(name: str, default: str = "") -> str:
    """A setting from the environment, or from the file named by ``<name>_FILE``."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if not value:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


PRODUCTION = env_bool("QAMQOR_PRODUCTION")
# On for development by default; `qamqor demo` turns it off (real 404 and 500 pages).
DEBUG = env_bool("QAMQOR_DEBUG", default=not PRODUCTION)

_DEV_SECRET = "insecure-development-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env("QAMQOR_SECRET_KEY", _DEV_SECRET)
if PRODUCTION and (SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "QAMQOR_SECRET_KEY (or QAMQOR_SECRET_KEY_FILE) must hold a random key of 50+ characters"
    )

ALLOWED_HOSTS = env_list("QAMQOR_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("QAMQOR_CSRF_TRUSTED_ORIGINS")
# The base of absolute links (posters' QR codes, emails); `qamqor demo --port N` sets it
# to http://127.0.0.1:N unless QAMQOR_SITE_URL is given.
SITE_URL = env("QAMQOR_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # the API docs page from its own static files, not a CDN (CSP: docs/security.md)
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "qamqor.audit",
    "qamqor.directory",
    "qamqor.accounts",
    "qamqor.notify",
    "qamqor.intake",
    "qamqor.cases",
    "qamqor.protocols",
    "qamqor.analytics",
    "qamqor.instruments",
    "qamqor.care",
    "qamqor.referrals",
    "qamqor.appeals",  # anonymous appeals of specialists (docs/psychological-support.md)
    "qamqor.chatbot",  # Telegram channel (docs/channels.md)
    "qamqor.parents",  # public help for parents: duties, legal track, application (docs/parents.md)
    "qamqor.oversight",  # the recommendations tracker (docs/oversight.md)
    "qamqor.training",  # training programmes and specialists' records (docs/training.md)
    "qamqor.library",  # regulation library and briefings (docs/library.md)
    "qamqor.prevention",  # school prevention plans and individual plans (docs/prevention.md)
    "qamqor.surveys",  # anonymous trust surveys (docs/surveys.md)
    "qamqor.helpline",  # 111 console and telephony API
    "qamqor.mailbox",  # mail listener's received messages
    "qamqor.ops",  # backups, restores, data keys, retention (docs/security.md)
    "qamqor.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy on every answer (docs/security.md)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "qamqor.audit.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "qamqor.request_limits.RequestLimitsMiddleware",  # before anything reads a body
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "qamqor.accounts.middleware.SecondFactorMiddleware",
    "qamqor.intake.limits.RetryAfterMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "qamqor.urls"
WSGI_APPLICATION = "qamqor.wsgi.application"
ASGI_APPLICATION = "qamqor.asgi.application"

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
                "qamqor.web.context.navigation",
            ],
        },
    }
]

# Connections are kept between requests (opening one costs more than a whole page that
# reads a row or two: on the embedded SQLite 2 ms, on PostgreSQL a round trip and
# authentication) and checked before a request reuses them, so a database restart costs
# one reconnect, not an error (bench/README.md, "Pages a crowd opens at once").
DB_CONN_MAX_AGE = env_int("QAMQOR_DB_CONN_MAX_AGE", 600)
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'qamqor.sqlite3'}"),
        conn_max_age=DB_CONN_MAX_AGE,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if not os.environ.get("DATABASE_URL"):
        VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded database's folder
    # IMMEDIATE transactions take the write lock at BEGIN, so concurrent writers queue
    # on the busy timeout instead of failing when a read lock would have to be upgraded.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

# A PostgreSQL streaming replica for dashboards, indicators and exports (brief 3.1.1,
# qamqor.replica, docs/deploy.md "A read replica"): reads inside `replica_reads()` go to
# it while it answers and lags at most REPLICA_MAX_LAG_SECONDS; all else, the primary.
REPLICA_DATABASE_URL = env("QAMQOR_REPLICA_DATABASE_URL")
REPLICA_MAX_LAG_SECONDS = env_int("QAMQOR_REPLICA_MAX_LAG_SECONDS", 30)
REPLICA_CHECK_SECONDS = env_int("QAMQOR_REPLICA_CHECK_SECONDS", 5)  # health kept this long
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = dj_database_url.parse(
        REPLICA_DATABASE_URL, conn_max_age=DB_CONN_MAX_AGE, conn_health_checks=True
    )
    if DATABASES["replica"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("QAMQOR_REPLICA_DATABASE_URL must be a postgres:// URL")
    # A replica that does not answer within seconds is skipped, not waited for.
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
        "QAMQOR_REPLICA_CONNECT_TIMEOUT", 2
    )
    # Tests read the test database through the alias; nothing is created on a standby.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["qamqor.replica.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout after repeated failures (django-axes, docs/security.md): per account and per
# address, each counted on its own, so neither many addresses against one account nor one
# address against many accounts gets further. Coordinators unlock (accounts/locked/).
AXES_FAILURE_LIMIT = env_int("QAMQOR_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("QAMQOR_LOGIN_COOLOFF_MINUTES", 30) / 60
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]

# The second factor (django-otp TOTP, qamqor.accounts.second_factor, docs/security.md):
# required for every staff role that sees personal data; off only for the local demo.
OTP_REQUIRED = env_bool("QAMQOR_OTP_REQUIRED", True)
if PRODUCTION and not OTP_REQUIRED and not env_bool("QAMQOR_OTP_ALLOW_OFF"):
    raise ImproperlyConfigured(
        "QAMQOR_OTP_REQUIRED=0 in production: staff who see children's data must use a "
        "second factor (set QAMQOR_OTP_ALLOW_OFF=1 only for a closed test installation)"
    )
OTP_FRESH_MINUTES = env_int("QAMQOR_OTP_FRESH_MINUTES", 15)  # a new code before exports
OTP_TOTP_ISSUER = env("QAMQOR_OTP_ISSUER", "Qamqor")
OTP_TOTP_THROTTLE_FACTOR = 1  # each wrong code doubles the wait before the next try

# Audit anchors (qamqor.audit, docs/security.md): the chain's head (count and last hash),
# every AUDIT_ANCHOR_HOURS, into an insert-only table and, if set, a file in a directory
# the application cannot rewrite; verify_audit checks the log against both.
AUDIT_ANCHOR_HOURS = env_int("QAMQOR_AUDIT_ANCHOR_HOURS", 24)
AUDIT_ANCHOR_DIR = env("QAMQOR_AUDIT_ANCHOR_DIR")
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env_int("QAMQOR_PROXY_COUNT", 0)

LANGUAGE_CODE = "ru"
LANGUAGES = [("kk", _("Kazakh")), ("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Kazakh number and date formats, which Django lacks (decimal comma as in Russian)
FORMAT_MODULE_PATH = ["qamqor.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Almaty"  # Kazakhstan's single zone, UTC+5 all year; stored in UTC

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise serves static files whether DEBUG is on or off. Production serves collected
# files (``manage.py collectstatic``, hashed names); elsewhere, the demo included (DEBUG
# off, `qamqor demo`), WhiteNoise finds them in the apps' folders on each request, so no
# collectstatic is needed and an edited file shows at the next reload.
STATIC_ROOT = Path(env("QAMQOR_STATIC_ROOT", str(VAR_DIR / "static"))) if PRODUCTION else None
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
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION  # by default it follows DEBUG, off in the demo

# Background work: django-tasks with the database backend; `qamqor worker` runs it.
TASKS = {
    "default": {
        "BACKEND": env("QAMQOR_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
SWEEP_INTERVAL_SECONDS = env_int("QAMQOR_SWEEP_INTERVAL_SECONDS", 30)

# Email goes over real SMTP; the outbox retries until the peer takes it.
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env("QAMQOR_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("QAMQOR_EMAIL_PORT", 1025)
EMAIL_HOST_USER = env("QAMQOR_EMAIL_USER")
EMAIL_HOST_PASSWORD = env("QAMQOR_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("QAMQOR_EMAIL_USE_TLS")
EMAIL_TIMEOUT = env_int("QAMQOR_EMAIL_TIMEOUT", 10)  # connect and each SMTP command
# The relay's answer to the end of the message: RFC 5321 §4.5.3.2.6 asks for 10 minutes.
# A client that gives up sooner cannot know whether the relay took the message.
EMAIL_DATA_TIMEOUT = env_int("QAMQOR_EMAIL_DATA_TIMEOUT", 600)
DEFAULT_FROM_EMAIL = env("QAMQOR_FROM_EMAIL", "Qamqor <no-reply@qamqor.invalid>")
# The outbox (docs/notifications.md): a failed try is repeated (30 s doubling to hourly)
# for this many days after the notification was queued; then it shows as undelivered.
OUTBOX_RETRY_DAYS = env_int("QAMQOR_OUTBOX_RETRY_DAYS", 3)
# A worker's claim on a notification; a crashed worker's claim is taken back after it.
# Must exceed the longest a transport can take (checked: manage.py check, notify.E001).
OUTBOX_LEASE_SECONDS = env_int("QAMQOR_OUTBOX_LEASE_SECONDS", 900)

# Screenings (qamqor.instruments, docs/instruments.md): an alert nobody acknowledges goes to
# the PSC after this many minutes; aggregates hide cells smaller than this.
ALERT_ESCALATION_MINUTES = env_int("QAMQOR_ALERT_ESCALATION_MINUTES", 30)
SCREENING_SMALL_CELL_MIN = env_int("QAMQOR_SCREENING_SMALL_CELL_MIN", 10)
# Canonical bases (besides SITE_URL/fhir/Questionnaire) whose Questionnaire URLs a FHIR
# import accepts, e.g. a regional health system's, or http://loinc.org/q for LOINC panels.
FHIR_QUESTIONNAIRE_BASES = [
    base.rstrip("/") for base in env_list("QAMQOR_FHIR_QUESTIONNAIRE_BASES")
]

# Psychological support (qamqor.care, qamqor.referrals; docs/psychological-support.md).
# Defaults marked [?] there are choices made where the law is not confirmed.
CONSENT_SELF_AGE = env_int("QAMQOR_CONSENT_SELF_AGE", 16)  # [?] a child this old consents alone
CRISIS_SESSION_LIMIT = env_int("QAMQOR_CRISIS_SESSION_LIMIT", 5)  # sessions without consent, 1.5.2
REFERRAL_RESPONSE_HOURS_EMERGENCY = env_int("QAMQOR_REFERRAL_RESPONSE_HOURS_EMERGENCY", 4)
REFERRAL_RESPONSE_DAYS_URGENT = env_int("QAMQOR_REFERRAL_RESPONSE_DAYS_URGENT", 1)  # working days
REFERRAL_RESPONSE_DAYS_ROUTINE = env_int("QAMQOR_REFERRAL_RESPONSE_DAYS_ROUTINE", 3)
PUPILS_PER_SCHOOL_PSYCHOLOGIST = env_int("QAMQOR_PUPILS_PER_PSYCHOLOGIST", 500)  # DESIGN §9
PSC_CASELOAD_NORM = env_int("QAMQOR_PSC_CASELOAD_NORM", 40)  # [?] active children each
NON_SPECIALIST_MAX_PERCENT = env_int("QAMQOR_NON_SPECIALIST_MAX_PERCENT", 10)  # [?] of hours
# A school's policy on violence and bullying counts as outdated after this many months, or
# when adopted before the current version of Order No. 506 (docs/prevention.md, brief 1.1.3)
PREVENTION_POLICY_MAX_AGE_MONTHS = env_int("QAMQOR_PREVENTION_POLICY_MAX_AGE_MONTHS", 36)
CASELOAD_ACTIVE_DAYS = env_int("QAMQOR_CASELOAD_ACTIVE_DAYS", 60)  # seen this recently = active
APPEAL_RELEASE_HOUR = env_int("QAMQOR_APPEAL_RELEASE_HOUR", 9)  # appeals appear once a day
CARE_FILE_MAX_BYTES = env_int("QAMQOR_CARE_FILE_MAX_BYTES", 5 * 1024 * 1024)  # scans, letters

# Intake (docs/intake.md): attachments, follow-up codes, rate limits, life safety.
# Rate limits are counted in the database (intake.RateLimitCounter), so every process and
# machine shares them without a cache server.
REPORT_ATTACHMENT_MAX_BYTES = env_int("QAMQOR_REPORT_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
REPORT_ATTACHMENT_MAX_FILES = env_int("QAMQOR_REPORT_ATTACHMENT_MAX_FILES", 3)
# Request bodies (docs/api.md, "Limits"; qamqor.request_limits): a body above them is a
# 413. Non-file data as Django's default; a multipart body may also carry the report
# form's files (REPORT_ATTACHMENT_MAX_FILES x REPORT_ATTACHMENT_MAX_BYTES).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("QAMQOR_MAX_BODY_BYTES", 2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 10  # no form takes more than 3
FOLLOWUP_EXPIRY_DAYS = env_int("QAMQOR_FOLLOWUP_EXPIRY_DAYS", 90)  # after the case closes
# How long a process may show a school's form from its cached lookup after another
# process changed the school (qamqor.intake.school_cache; its own changes apply at once).
SCHOOL_CACHE_SECONDS = env_int("QAMQOR_SCHOOL_CACHE_SECONDS", 60)
# Retention (qamqor.ops.retention, docs/security.md; `qamqor retention run`). [?] defaults:
# the periods the law sets for these records are not confirmed; set them per deployment.
RETENTION_CLOSED_CASE_YEARS = env_int("QAMQOR_RETENTION_CLOSED_CASE_YEARS", 5)  # pseudonymised
RETENTION_DISMISSED_REPORT_DAYS = env_int("QAMQOR_RETENTION_DISMISSED_REPORT_DAYS", 365)
RETENTION_TRANSCRIPT_DAYS = env_int("QAMQOR_RETENTION_TRANSCRIPT_DAYS", 180)  # threads, chats
RETENTION_CHAT_DRAFT_DAYS = env_int("QAMQOR_RETENTION_CHAT_DRAFT_DAYS", 30)  # unfinished chats
# Keyed blind indexes for exact-match lookups of encrypted fields (qamqor.ops.fields): a
# key of their own that never rotates with QAMQOR_DATA_KEYS; default: the secret key.
BLIND_INDEX_KEY = env("QAMQOR_BLIND_INDEX_KEY") or SECRET_KEY
REPORT_RATE_PER_HOUR = env_int("QAMQOR_REPORT_RATE_PER_HOUR", 10)  # per address / identifier
FOLLOWUP_RATE_PER_HOUR = env_int("QAMQOR_FOLLOWUP_RATE_PER_HOUR", 30)  # per address
# One-time codes (qamqor.intake.limits, docs/security.md): every try per address, wrong
# codes also in total over all addresses. A school's pupils share one address.
FOLLOWUP_FAILURES_PER_HOUR = env_int("QAMQOR_FOLLOWUP_FAILURES_PER_HOUR", 1000)
SCREENING_CODE_RATE_PER_HOUR = env_int("QAMQOR_SCREENING_CODE_RATE_PER_HOUR", 300)
SCREENING_CODE_FAILURES_PER_HOUR = env_int("QAMQOR_SCREENING_CODE_FAILURES_PER_HOUR", 1000)
# Trust survey answers per address per hour (docs/surveys.md): a class answers from one
# school address, so this is far above the report form's.
SURVEY_RATE_PER_HOUR = env_int("QAMQOR_SURVEY_RATE_PER_HOUR", 200)
LIFE_SAFETY_REPEAT_MINUTES = env_int("QAMQOR_LIFE_SAFETY_REPEAT_MINUTES", 5)
# The school and ministry sites that may frame /embed/report/… (CSP frame-ancestors), as
# origins: "https://school12.edu.kz,https://*.edu.gov.kz". Empty (default): nobody may.
EMBED_FRAME_ANCESTORS = env_list("QAMQOR_EMBED_FRAME_ANCESTORS")
for _origin in EMBED_FRAME_ANCESTORS:
    if not re.fullmatch(r"https://(\*\.)?[a-z0-9.-]+(:[0-9]{1,5})?", _origin.lower()):
        raise ImproperlyConfigured(
            f"QAMQOR_EMBED_FRAME_ANCESTORS: {_origin!r} is not an https origin such as "
            "https://school.edu.kz or https://*.edu.kz"
        )

# Channels (docs/channels.md): the Telegram bot, the mail listener, the 111 center.
TELEGRAM_TOKEN = env("QAMQOR_TELEGRAM_TOKEN")  # or QAMQOR_TELEGRAM_TOKEN_FILE
TELEGRAM_WEBHOOK_SECRET = env("QAMQOR_TELEGRAM_WEBHOOK_SECRET")  # empty: webhook refuses all
TELEGRAM_API_BASE = env("QAMQOR_TELEGRAM_API_BASE", "https://api.telegram.org").rstrip("/")
TELEGRAM_TIMEOUT = env_int("QAMQOR_TELEGRAM_TIMEOUT", 10)
CHANNEL_RECEIVER_CODE = env("QAMQOR_CHANNEL_RECEIVER_CODE")  # default: the first 111 center
MAIL_LISTENER_HOST = env("QAMQOR_MAIL_LISTENER_HOST", "127.0.0.1")
MAIL_LISTENER_PORT = env_int("QAMQOR_MAIL_LISTENER_PORT", 2525)
MAIL_DOMAIN = env("QAMQOR_MAIL_DOMAIN", "report.qamqor.invalid").lower()
MAIL_LOCAL_PART = env("QAMQOR_MAIL_LOCAL_PART", "report").lower()  # report+<code>@domain
MAIL_MAX_BYTES = env_int("QAMQOR_MAIL_MAX_BYTES", 45 * 1024 * 1024)

# SMS to legal representatives over SMPP 3.4 (qamqor.notify.sms, docs/notifications.md):
# the operator's or aggregator's SMSC. No host: SMS rows wait in the outbox, visibly failing.
SMS_SMPP_HOST = env("QAMQOR_SMS_SMPP_HOST")
SMS_SMPP_PORT = env_int("QAMQOR_SMS_SMPP_PORT", 2775)
SMS_SMPP_SYSTEM_ID = env("QAMQOR_SMS_SMPP_SYSTEM_ID")
SMS_SMPP_PASSWORD = env("QAMQOR_SMS_SMPP_PASSWORD")  # or QAMQOR_SMS_SMPP_PASSWORD_FILE
SMS_SMPP_SYSTEM_TYPE = env("QAMQOR_SMS_SMPP_SYSTEM_TYPE")
SMS_SMPP_SOURCE_ADDR = env("QAMQOR_SMS_SMPP_SOURCE_ADDR", "Qamqor")  # registered sender name
SMS_SMPP_TIMEOUT = env_int("QAMQOR_SMS_SMPP_TIMEOUT", 10)

# Where the quick-exit button on public pages leads: a neutral page.
QUICK_EXIT_URL = env("QAMQOR_QUICK_EXIT_URL", "https://www.google.com/search?q=weather")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("QAMQOR_SESSION_SECONDS", 8 * 3600)
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp; docs/security.md): scripts and styles only from our
# own static files, never inline, never eval; a script that must be inline carries the
# request's nonce ({{ request.csp_nonce }}). No page may be framed except the embed form,
# whose frame-ancestors come from EMBED_FRAME_ANCESTORS
# (qamqor.intake.views.reporting._embeddable).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", csp_constants.NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # Pico's form icons and the TOTP QR code are data: URIs
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("QAMQOR_SSL_REDIRECT", True)
    # The load balancer probes the process over plain HTTP, behind the TLS proxy.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("QAMQOR_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("QAMQOR_HSTS_PRELOAD", False)
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("QAMQOR_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# The public report (analytics.public_report, brief 3.1.2): counts below this are shown
# as "<N", with complementary cells hidden so that totals cannot reveal them.
QAMQOR_PUBLIC_REPORT_MIN_CELL = env_int("QAMQOR_PUBLIC_REPORT_MIN_CELL", 5)

# The ministry's DHIS2 mapping (a JSON file, docs/analytics.md "DHIS2"): with it,
# GET /api/v1/stats/dhis2 writes indicator values for its DHIS2; without it, 404.
QAMQOR_DHIS2_MAPPING = env("QAMQOR_DHIS2_MAPPING")
