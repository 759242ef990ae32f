"""ClientDesk settings: one module, every value from the environment.

Development is the default and needs nothing set. With ``CLIENTDESK_ENV=production`` the
process refuses to start unless the secrets below are real (see ``_require``).
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("CLIENTDESK_VAR_DIR", REPO_DIR / "var"))

ENV = os.environ.get("CLIENTDESK_ENV", "development")
PRODUCTION = ENV == "production"
TESTING = ENV == "test"


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    return default if raw is None else raw.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _dev_key(label: str) -> str:
    """A fixed, public development key. Never accepted in production (see below)."""
    digest = hashlib.sha256(f"clientdesk-development-{label}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


_DEV_SECRET = "django-insecure-clientdesk-development-only"  # noqa: S105 - dev default, refused in prod

SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET)
DEBUG = env_bool("DEBUG", not PRODUCTION and not TESTING)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Reverse proxies whose X-Real-IP header is believed for the audit trail's client address.
TRUSTED_PROXY_IPS = env_list("TRUSTED_PROXY_IPS")

# Field encryption: a comma-separated list of Fernet keys, newest first. Encryption uses the
# first; decryption tries them all, so an old key can be rotated out with `rotate_field_keys`.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS") or [_dev_key("fernet")]
# Key for the keyed (HMAC) hashes that make exact search on encrypted values possible.
FIELD_HASH_KEY = os.environ.get("FIELD_HASH_KEY", _dev_key("hmac"))

if PRODUCTION:
    missing = [
        name
        for name, bad in (
            ("SECRET_KEY", SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50),
            ("FIELD_ENCRYPTION_KEYS", FIELD_ENCRYPTION_KEYS == [_dev_key("fernet")]),
            ("FIELD_HASH_KEY", FIELD_HASH_KEY == _dev_key("hmac") or len(FIELD_HASH_KEY) < 32),
            ("ALLOWED_HOSTS", not ALLOWED_HOSTS),
            ("DATABASE_URL", not os.environ.get("DATABASE_URL")),
        )
        if bad
    ]
    if missing:
        raise ImproperlyConfigured(
            "CLIENTDESK_ENV=production refuses to start without real values for: "
            + ", ".join(missing)
        )

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_rq",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "clientdesk.core",
    "clientdesk.accounts",
    "clientdesk.customers",
    "clientdesk.activities",
    "clientdesk.notifications",
    "clientdesk.leads",
    "clientdesk.tickets",
    "clientdesk.calls",
    "clientdesk.followups",
    "clientdesk.comms",
    "clientdesk.kyc",
    "clientdesk.screening",
    "clientdesk.transactions",
    "clientdesk.reports",
    "clientdesk.webhooks",
    "clientdesk.cases",
    "clientdesk.privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy with a per-request nonce
    "clientdesk.core.middleware.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "clientdesk.core.middleware.NoStoreForSignedInMiddleware",  # after auth: reads request.user
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "clientdesk.core.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "clientdesk.urls"
WSGI_APPLICATION = "clientdesk.wsgi.application"

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
                "clientdesk.core.context_processors.navigation",
            ],
        },
    },
]

# Form widgets: Django's markup, the hot widgets rendered in Python (see core/form_renderer.py).
FORM_RENDERER = "clientdesk.core.form_renderer.FastRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'clientdesk.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside a writer; IMMEDIATE avoids lock-upgrade deadlocks.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")
# PostgreSQL: one psycopg connection pool per process (gunicorn's threads share it) instead
# of a connection held per thread; DB_POOL=false goes back to persistent connections.
if IS_POSTGRES and env_bool("DB_POOL", True):
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DB_POOL_MIN_SIZE", "1")),
        "max_size": int(os.environ.get("DB_POOL_MAX_SIZE", "8")),
        "timeout": int(os.environ.get("DB_POOL_TIMEOUT", "10")),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2id at OWASP's cost (accounts/hashers.py); PBKDF2 hashes made before still verify and
# are upgraded at the next sign-in.
PASSWORD_HASHERS = [
    "clientdesk.accounts.hashers.ClientDeskArgon2Hasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Kolkata")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Outside production, serve static files straight from the app and vendor folders.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media-not-public/"  # documents are never served from a public URL

STORAGE_BACKEND = os.environ.get("CLIENTDESK_STORAGE", "local")
STORAGES = {
    "default": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": os.environ.get("S3_BUCKET", ""),
                "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
                "access_key": os.environ.get("S3_ACCESS_KEY_ID", ""),
                "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY", ""),
                "region_name": os.environ.get("S3_REGION") or None,
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        }
        if STORAGE_BACKEND == "s3"
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHE_BACKEND = os.environ.get("CACHE_BACKEND", "redis" if PRODUCTION else "locmem")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if CACHE_BACKEND == "redis"
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Background work: the database backend needs no server; RQ on Redis scales out.
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "immediate" if TESTING else "database")
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "rq": "django_tasks_rq.RQBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[TASKS_BACKEND],
        "QUEUES": ["default"],
    }
}
RQ_QUEUES = {"default": {"URL": REDIS_URL}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "clientdesk.accounts.tokens.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "clientdesk.core.api.DefaultCursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "clientdesk.core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS: dict[str, Any] = {
    "TITLE": "ClientDesk API",
    "DESCRIPTION": "Customer management for regulated financial-services firms.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The API's shape is not public information: staff sign in to read it.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from the installed sidecar package, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

DJANGO_TABLES2_TEMPLATE = "core/table.html"

# Business settings.
# Absolute base URL for links that leave the app (survey links in messages to customers).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CLIENT_ID_PREFIX = os.environ.get("CLIENT_ID_PREFIX", "CD")
MIN_CUSTOMER_AGE = int(os.environ.get("MIN_CUSTOMER_AGE", "18"))
DEFAULT_PHONE_REGION = os.environ.get("DEFAULT_PHONE_REGION", "IN")
LIST_PAGE_SIZE = int(os.environ.get("LIST_PAGE_SIZE", "50"))

# Messages to customers (comms). Email goes through Django's email API: SMTP when EMAIL_HOST
# is set, otherwise files under var/outbox/email (development). Tests use Django's locmem.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "outbox" / "email"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ClientDesk <no-reply@clientdesk.local>")
COMMS_SENDER_NAME = os.environ.get("COMMS_SENDER_NAME", "ClientDesk")
COMMS_SUPPORT_EMAIL = os.environ.get("COMMS_SUPPORT_EMAIL", "support@clientdesk.local")
COMMS_OUTBOX_DIR = Path(os.environ.get("COMMS_OUTBOX_DIR", VAR_DIR / "outbox"))


def _comms_channel(name: str, real: str) -> dict[str, Any]:
    """One channel: its adapter (COMMS_<NAME>_PROVIDER), whether it is on at all
    (COMMS_<NAME>_ENABLED, default on) and the generic HTTP relay's settings.

    Real providers: ``email`` (SMTP) and ``postmark`` for email; ``twilio`` and ``msg91``
    for SMS; ``whatsapp_cloud`` for WhatsApp; ``fcm`` for push; ``http`` (a relay) for
    any of the three. ``file`` is the development stand-in (messages "Not sent"), ``memory``
    the test stand-in. Secrets of each provider are read from their own variables below.
    """
    url = os.environ.get(f"COMMS_{name}_URL", "")
    fallback = "memory" if TESTING else "file"
    return {
        "provider": os.environ.get(f"COMMS_{name}_PROVIDER", "http" if url else fallback),
        "enabled": env_bool(f"COMMS_{name}_ENABLED", True),
        "real": real,
        "url": url,
        "token": os.environ.get(f"COMMS_{name}_TOKEN", ""),
        "auth_header": os.environ.get(f"COMMS_{name}_AUTH_HEADER", "Authorization"),
        "auth_scheme": os.environ.get(f"COMMS_{name}_AUTH_SCHEME", "Bearer"),
        "timeout": float(os.environ.get(f"COMMS_{name}_TIMEOUT", "10")),
    }


COMMS_CHANNELS: dict[str, dict[str, Any]] = {
    "email": {
        "provider": os.environ.get("COMMS_EMAIL_PROVIDER", "email"),
        "enabled": env_bool("COMMS_EMAIL_ENABLED", True),
        "timeout": float(os.environ.get("COMMS_EMAIL_TIMEOUT", "10")),
    },
    "sms": _comms_channel("SMS", "twilio or msg91"),
    "whatsapp": _comms_channel("WHATSAPP", "whatsapp_cloud"),
    "push": _comms_channel("PUSH", "fcm"),
    "in_app": {"provider": "in_app", "enabled": True},
}
# Provider secrets: only from the environment (docs/integrations.md).
POSTMARK_SERVER_TOKEN = os.environ.get("POSTMARK_SERVER_TOKEN", "")
POSTMARK_API_URL = os.environ.get("POSTMARK_API_URL", "https://api.postmarkapp.com")
POSTMARK_MESSAGE_STREAM = os.environ.get("POSTMARK_MESSAGE_STREAM", "outbound")
POSTMARK_WEBHOOK_USER = os.environ.get("POSTMARK_WEBHOOK_USER", "")
POSTMARK_WEBHOOK_PASSWORD = os.environ.get("POSTMARK_WEBHOOK_PASSWORD", "")
TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM = os.environ.get("TWILIO_FROM", "")  # a number, or a Messaging Service SID (MG...)
TWILIO_API_URL = os.environ.get("TWILIO_API_URL", "https://api.twilio.com")
MSG91_AUTH_KEY = os.environ.get("MSG91_AUTH_KEY", "")
MSG91_SENDER_ID = os.environ.get("MSG91_SENDER_ID", "")  # the 6-letter DLT header
MSG91_DLT_ENTITY_ID = os.environ.get("MSG91_DLT_ENTITY_ID", "")  # principal entity id (TRAI)
MSG91_API_URL = os.environ.get("MSG91_API_URL", "https://api.msg91.com")
MSG91_WEBHOOK_TOKEN = os.environ.get("MSG91_WEBHOOK_TOKEN", "")
WHATSAPP_TOKEN = os.environ.get("WHATSAPP_TOKEN", "")
WHATSAPP_PHONE_NUMBER_ID = os.environ.get("WHATSAPP_PHONE_NUMBER_ID", "")
WHATSAPP_APP_SECRET = os.environ.get("WHATSAPP_APP_SECRET", "")
WHATSAPP_VERIFY_TOKEN = os.environ.get("WHATSAPP_VERIFY_TOKEN", "")
WHATSAPP_API_URL = os.environ.get("WHATSAPP_API_URL", "https://graph.facebook.com/v21.0")
# The service-account key (JSON) as a path or inline; FCM_PROJECT_ID defaults to the key's.
FCM_SERVICE_ACCOUNT_FILE = os.environ.get("FCM_SERVICE_ACCOUNT_FILE", "")
FCM_SERVICE_ACCOUNT_JSON = os.environ.get("FCM_SERVICE_ACCOUNT_JSON", "")
FCM_PROJECT_ID = os.environ.get("FCM_PROJECT_ID", "")
FCM_API_URL = os.environ.get("FCM_API_URL", "https://fcm.googleapis.com")
# Resilience of every provider call (clientdesk.comms.resilience): retries inside one
# attempt for retryable errors, exponential backoff with full jitter, a circuit breaker.
COMMS_HTTP_RETRIES = int(os.environ.get("COMMS_HTTP_RETRIES", "2"))
COMMS_HTTP_BACKOFF = float(os.environ.get("COMMS_HTTP_BACKOFF", "0.5"))
COMMS_HTTP_RETRY_AFTER_MAX = float(os.environ.get("COMMS_HTTP_RETRY_AFTER_MAX", "5"))
COMMS_BREAKER_THRESHOLD = int(os.environ.get("COMMS_BREAKER_THRESHOLD", "5"))
COMMS_BREAKER_COOLDOWN = float(os.environ.get("COMMS_BREAKER_COOLDOWN", "60"))
# Inbound webhooks: events older than this are refused as replays.
COMMS_WEBHOOK_MAX_AGE = int(os.environ.get("COMMS_WEBHOOK_MAX_AGE", "300"))


def _comms_problems() -> list[str]:
    """Settings that keep production from starting: an enabled channel without a real
    provider, or a real provider without its secrets."""
    needs = {
        "postmark": ("POSTMARK_SERVER_TOKEN",),
        "twilio": ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"),
        "msg91": ("MSG91_AUTH_KEY", "MSG91_SENDER_ID", "MSG91_DLT_ENTITY_ID"),
        "whatsapp_cloud": (
            "WHATSAPP_TOKEN",
            "WHATSAPP_PHONE_NUMBER_ID",
            "WHATSAPP_APP_SECRET",
            "WHATSAPP_VERIFY_TOKEN",
        ),
        "fcm": ("FCM_SERVICE_ACCOUNT_FILE",),
    }
    problems = []
    for channel, config in COMMS_CHANNELS.items():
        if not config.get("enabled", True) or channel == "in_app":
            continue
        name, kind = channel.upper(), config["provider"]
        if kind in ("file", "memory", "console"):
            problems.append(f"COMMS_{name}_PROVIDER (or COMMS_{name}_ENABLED=false)")
        elif kind == "email" and (not EMAIL_HOST or "smtp" not in EMAIL_BACKEND):
            problems.append(
                "EMAIL_HOST (or COMMS_EMAIL_PROVIDER=postmark, COMMS_EMAIL_ENABLED=false)"
            )
        elif kind == "fcm" and not (FCM_SERVICE_ACCOUNT_FILE or FCM_SERVICE_ACCOUNT_JSON):
            problems.append("FCM_SERVICE_ACCOUNT_FILE (or FCM_SERVICE_ACCOUNT_JSON)")
        elif kind in needs and kind != "fcm":
            problems.extend(n for n in needs[kind] if not globals()[n])
    return problems


if PRODUCTION and _comms_problems():
    raise ImproperlyConfigured(
        "CLIENTDESK_ENV=production refuses to start while a message channel has no real "
        "provider: set " + "; ".join(_comms_problems()) + " (docs/integrations.md)"
    )
# Seconds to wait after attempt 1, 2, 3 ... fails; a message is failed after MAX_ATTEMPTS.
COMMS_RETRY_DELAYS = [int(s) for s in env_list("COMMS_RETRY_DELAYS", "60,300,1500")]
# Call intake: a batch touching more customers/leads than this moves their last-activity
# dates in a background task after commit (see activities.services.touch_last_activity).
CALL_INTAKE_DEFER_LAST_ACTIVITY = int(os.environ.get("CALL_INTAKE_DEFER_LAST_ACTIVITY", "50"))
COMMS_MAX_ATTEMPTS = int(os.environ.get("COMMS_MAX_ATTEMPTS", "4"))

# Data protection: days to answer a data subject's request under each regime (GDPR art. 12:
# one month; DPDP: the period the Rules prescribe, 90 days for grievances by default), and
# hours to report a personal-data breach to the Data Protection Board (DPDP Rules: 72).
PRIVACY_DUE_DAYS = {
    "gdpr": int(os.environ.get("PRIVACY_DUE_DAYS_GDPR", "30")),
    "dpdp": int(os.environ.get("PRIVACY_DUE_DAYS_DPDP", "90")),
}
PRIVACY_DPDP_BREACH_HOURS = int(os.environ.get("PRIVACY_DPDP_BREACH_HOURS", "72"))
# Years KYC and transaction records are kept after the relationship ends (PMLA s.12).
PRIVACY_PMLA_YEARS = int(os.environ.get("PRIVACY_PMLA_YEARS", "5"))
# Hours an access export's one-time download link stays valid.
PRIVACY_EXPORT_HOURS = int(os.environ.get("PRIVACY_EXPORT_HOURS", "72"))
# API enum names: status, priority, source ... exist in several modules, so each gets its own
# name and `check --deploy` (which builds the schema) reports no naming collision.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    "MessageStatusEnum": "clientdesk.comms.models.MessageStatus",
    "TicketStatusEnum": "clientdesk.tickets.models.Status",
    "TicketPriorityEnum": "clientdesk.tickets.models.Priority",
    "TicketSourceEnum": "clientdesk.tickets.models.Source",
    "TicketSLAStatusEnum": "clientdesk.tickets.models.SLAStatus",
    "CustomerStatusEnum": "clientdesk.customers.models.Status",
    "KycStatusEnum": "clientdesk.customers.models.KycStatus",
    "LeadStatusEnum": "clientdesk.leads.models.LeadStatus",
    "CallStatusEnum": "clientdesk.calls.models.CallStatus",
    "TaskStatusEnum": "clientdesk.followups.models.TaskStatus",
    "TaskPriorityEnum": "clientdesk.followups.models.Priority",
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "PrivacyRequestKindEnum": "clientdesk.privacy.models.Kind",
        "PrivacyRequestStatusEnum": "clientdesk.privacy.models.RequestStatus",
        "PrivacyRegimeEnum": "clientdesk.privacy.models.Regime",
        "PrivacyIdentityMethodEnum": "clientdesk.privacy.models.IdentityMethod",
        "PrivacyBreachStatusEnum": "clientdesk.privacy.models.BreachStatus",
    }
)

# Security. Production values; development keeps plain HTTP on localhost working.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less meta tag; keep default
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy, Permissions-Policy, Cache-Control (issue 11; docs/ui.md "Content
# Security Policy", docs/decisions.md). Scripts and styles come from our own origin;
# an inline block that must stay carries the request's nonce ({{ request.csp_nonce }}). There is
# no 'unsafe-inline' and no 'unsafe-eval'. CSP_REPORT_ONLY=true sends the same policy as
# Content-Security-Policy-Report-Only instead (to try a change on live traffic first); either
# way browsers POST what they refused to CSP_REPORT_URI (default: our own /csp-report/ view,
# which logs it).
CSP_REPORT_ONLY_MODE = env_bool("CSP_REPORT_ONLY", False)
_CSP_REPORT_URI = os.environ.get("CSP_REPORT_URI", "/csp-report/")
_CSP_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        **({"report-uri": [_CSP_REPORT_URI]} if _CSP_REPORT_URI else {}),
    },
}
CONTENT_SECURITY_POLICY = None if CSP_REPORT_ONLY_MODE else _CSP_POLICY
CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP_POLICY if CSP_REPORT_ONLY_MODE else None
# Browser features no page of ours uses, switched off for the page and anything it embeds.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask": {"()": "clientdesk.core.masking.MaskingLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask"], "formatter": "plain"}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Sensitive data (docs/security-data.md): request lines of runserver (django.server),
        # Django's request errors and gunicorn's access log go through the masking console
        # handler, never through Django's or gunicorn's own unfiltered handlers.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --------------------------------------------------------------------------------------------
# Transactions and monitoring (clientdesk.transactions). Documented in docs/transactions.md.
# --------------------------------------------------------------------------------------------
import json  # noqa: E402 - kept inside this block, which owns it

# Customer.transaction_volume, rule thresholds and the "large transaction" line are in this
# ISO 4217 currency.
BASE_CURRENCY = os.environ.get("BASE_CURRENCY", "INR").upper()
# Units of BASE_CURRENCY for one unit of each other currency, as a JSON object in the
# environment, e.g. TRANSACTION_FX_RATES='{"USD": "83.25", "EUR": "90.10"}'. The defaults are
# indicative only; set real rates in production. A transaction in a currency without a rate
# is refused by the intake (field error on "currency"), never stored with a guessed value.
TRANSACTION_FX_RATES: dict[str, str] = json.loads(
    os.environ.get(
        "TRANSACTION_FX_RATES",
        '{"USD": "83.00", "EUR": "90.00", "GBP": "105.00", "AED": "22.60", "SGD": "61.50"}',
    )
)
# A successful or attempted transaction at or above this base-currency amount is "large":
# it goes on the customer's timeline and the customer gets an SMS alert.
TRANSACTION_LARGE_AMOUNT = os.environ.get("TRANSACTION_LARGE_AMOUNT", "200000")
# Most rows one intake call (JSON list or CSV upload) may carry.
TRANSACTION_MAX_BATCH = int(os.environ.get("TRANSACTION_MAX_BATCH", "5000"))
# Interval of the aggregate monitoring rules (volume, structuring, income): nightly.
TRANSACTION_NIGHTLY_EVERY_HOURS = int(os.environ.get("TRANSACTION_NIGHTLY_EVERY_HOURS", "24"))
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "TransactionStatusEnum": "clientdesk.transactions.models.TransactionStatus",
        "TransactionTypeEnum": "clientdesk.transactions.models.TransactionType",
        "TransactionDirectionEnum": "clientdesk.transactions.models.Direction",
        "TransactionChannelEnum": "clientdesk.transactions.models.Channel",
        "DeviceStatusEnum": "clientdesk.transactions.models.DeviceStatus",
        "DeviceTypeEnum": "clientdesk.transactions.models.DeviceType",
        "AlertStatusEnum": "clientdesk.transactions.models.AlertStatus",
        "AlertKindEnum": "clientdesk.transactions.models.AlertKind",
        "AlertSeverityEnum": "clientdesk.transactions.models.Severity",
        "RuleTypeEnum": "clientdesk.transactions.models.RuleType",
        "AccountKindEnum": "clientdesk.transactions.models.AccountKind",
        # Named here because this module's "direction" and "channel" made them collide.
        "CallDirectionEnum": "clientdesk.calls.models.Direction",
        "MessageChannelEnum": "clientdesk.comms.models.Channel",
    }
)
# ------------------------------------------------------------------ end of transactions block

# --- Screening & risk (clientdesk.screening; see docs/screening.md) --------------------------
# Sanctions/PEP matching: a hit is a score (0-100) at or above the threshold.
SCREENING_THRESHOLD = float(os.environ.get("SCREENING_THRESHOLD", "85"))
# Bulk re-screening after a list change: customers read per chunk, worker processes forked
# per chunk, and how long one task runs before it re-enqueues itself (it resumes by cursor).
SCREENING_CHUNK_SIZE = int(os.environ.get("SCREENING_CHUNK_SIZE", "20000"))
SCREENING_PROCESSES = int(os.environ.get("SCREENING_PROCESSES", "2"))
SCREENING_RUN_BUDGET_SECONDS = int(os.environ.get("SCREENING_RUN_BUDGET_SECONDS", "600"))
# Risk score (sum of factor points, capped at 100) -> level.
RISK_LEVEL_THRESHOLDS = {
    "high": int(os.environ.get("RISK_HIGH_FROM", "50")),
    "medium": int(os.environ.get("RISK_MEDIUM_FROM", "25")),
}
# Periodic re-verification: years after the last review (or account opening) per level.
RISK_REVERIFICATION_YEARS = {
    "high": int(os.environ.get("RISK_REVERIFY_HIGH_YEARS", "2")),
    "medium": int(os.environ.get("RISK_REVERIFY_MEDIUM_YEARS", "8")),
    "low": int(os.environ.get("RISK_REVERIFY_LOW_YEARS", "10")),
}
# Points of a confirmed screening hit, by list category.
RISK_HIT_POINTS = {"sanctions": 60, "pep": 30, "internal": 40}
# Country risk (ISO codes). Defaults: FATF "call for action" and "increased monitoring"
# lists as of 2025; compliance keeps them current through the environment.
RISK_COUNTRY_LISTS = {
    "high": {
        "points": 50,
        "countries": env_list("RISK_HIGH_RISK_COUNTRIES", "KP,IR,MM"),
    },
    "monitored": {
        "points": 20,
        "countries": env_list(
            "RISK_MONITORED_COUNTRIES",
            "DZ,AO,BO,BG,BF,CM,CI,CD,HT,KE,LA,LB,MC,MZ,NA,NP,NG,ZA,SS,SY,VE,VN,VG,YE",
        ),
    },
}
# State / region risk within a country: {country: {state name (any case): points}}.
RISK_STATE_POINTS: dict[str, dict[str, int]] = {
    "IN": {"jammu and kashmir": 10, "ladakh": 5, "manipur": 10, "nagaland": 5, "mizoram": 5},
}
# Occupation keywords (case-insensitive substring) -> points; the highest match counts.
RISK_OCCUPATION_POINTS = {
    "politic": 25,
    "minister": 25,
    "money changer": 20,
    "forex": 15,
    "hawala": 30,
    "casino": 20,
    "gaming": 10,
    "arms": 20,
    "jewel": 15,
    "bullion": 15,
    "real estate": 10,
    "crypto": 15,
    "cash": 5,
}
# Declared annual income band -> points ("" = not declared).
RISK_INCOME_POINTS = {"above_1cr": 10, "25l_1cr": 5, "": 5}
# API enum names (RiskLevel shares its values with transactions' Severity, named there).
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "ScreeningHitStatusEnum": "clientdesk.screening.models.HitStatus",
        "ScreeningTriggerEnum": "clientdesk.screening.models.Trigger",
    }
)
# ------------------------------------------------------------------- end of screening block

# --- KYC documents (clientdesk.kyc; see docs/kyc.md) ------------------------------------------
# Uploads larger than this are refused before anything is stored.
KYC_MAX_UPLOAD_BYTES = int(os.environ.get("KYC_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
# Images: shorter side below half of this is refused, below it a warning; Laplacian-variance
# sharpness below the threshold is a "blurred" warning; more pixels than this is a bomb.
KYC_MIN_IMAGE_SIDE = int(os.environ.get("KYC_MIN_IMAGE_SIDE", "600"))
KYC_BLUR_THRESHOLD = float(os.environ.get("KYC_BLUR_THRESHOLD", "100"))
KYC_MAX_PIXELS = int(os.environ.get("KYC_MAX_PIXELS", "50000000"))
KYC_MAX_PDF_PAGES = int(os.environ.get("KYC_MAX_PDF_PAGES", "50"))
# A proof of address older than this (about 3 months) fails its date check.
KYC_ADDRESS_PROOF_MAX_AGE_DAYS = int(os.environ.get("KYC_ADDRESS_PROOF_MAX_AGE_DAYS", "92"))
# Fuzzy name match (0-100) that counts as the same name on a document.
KYC_NAME_MATCH_THRESHOLD = float(os.environ.get("KYC_NAME_MATCH_THRESHOLD", "85"))
# Tesseract OCR (Debian package tesseract-ocr) and its time limit per run, in seconds.
KYC_OCR = env_bool("KYC_OCR", True)
KYC_OCR_TIMEOUT = float(os.environ.get("KYC_OCR_TIMEOUT", "20"))
# Pending -> Active needs an approved KYC (ID proof and proof of address). Off by default
# only under CLIENTDESK_ENV=test, where older suites activate customers without documents;
# the KYC tests switch it on.
KYC_REQUIRED_FOR_ACTIVATION = env_bool("KYC_REQUIRED_FOR_ACTIVATION", not TESTING)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "KycDocumentKindEnum": "clientdesk.kyc.models.DocumentKind",
        "KycCheckOutcomeEnum": "clientdesk.kyc.models.CheckOutcome",
        "KycCheckStatusEnum": "clientdesk.kyc.models.CheckStatus",
        "KycReviewStatusEnum": "clientdesk.kyc.models.ReviewStatus",
        "KycDecisionEnum": "clientdesk.kyc.models.Decision",
        "KycReasonCodeEnum": "clientdesk.kyc.models.ReasonCode",
    }
)

# --- Authentication and sessions (clientdesk.accounts; see docs/operations.md) ---------------
import datetime as _dt  # noqa: E402 - kept inside this block, which owns it

INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "axes"]
# After the auth and messages middleware: idle / absolute session timeouts, two-factor gate.
# AxesMiddleware last, as django-axes asks: it turns a locked-out attempt into the lockout page.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "clientdesk.accounts.middleware.SignInMiddleware",
)
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
# Axes checks the lockout first; it needs the request in authenticate() (LoginView passes it).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Two-factor sign-in (TOTP apps, plus one-time recovery codes). Which roles must enrol is a
# flag per role in the role matrix (Admin and Compliance Officer by default); this switch
# turns the requirement on or off as a whole. Off by default only under CLIENTDESK_ENV=test,
# where the older suites sign users in without a second factor (the 2FA tests switch it on).
# A user who has enrolled is always asked for a code, whatever this says.
TWO_FACTOR_ENFORCED = env_bool("TWO_FACTOR_ENFORCED", not TESTING)
OTP_TOTP_ISSUER = os.environ.get("TWO_FACTOR_ISSUER", "ClientDesk")
TWO_FACTOR_RECOVERY_CODES = int(os.environ.get("TWO_FACTOR_RECOVERY_CODES", "10"))
# Wrong codes in a row at the verify step before that half-signed-in session is ended.
TWO_FACTOR_MAX_ATTEMPTS = int(os.environ.get("TWO_FACTOR_MAX_ATTEMPTS", "5"))
# Brute-force protection (django-axes): LOGIN_FAILURE_LIMIT failed passwords within the
# cool-off, counted per account and per client address (LOGIN_LOCKOUT_BY), lock sign-in
# for LOGIN_COOLOFF_MINUTES; an Admin can unlock earlier from the user's page. Off by default
# only under CLIENTDESK_ENV=test (Django's test client.login() passes no request to axes);
# the lockout tests switch it on.
AXES_ENABLED = env_bool("LOGIN_LOCKOUT_ENABLED", not TESTING)
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = _dt.timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = env_list("LOGIN_LOCKOUT_BY", "username,ip_address")
AXES_RESET_ON_SUCCESS = True
# Attempts while locked do not push the end of the lock further out: it ends when announced.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are recorded in the audit trail instead
AXES_CLIENT_IP_CALLABLE = "clientdesk.core.middleware.client_ip"  # honours TRUSTED_PROXY_IPS
AXES_LOCKOUT_CALLABLE = "clientdesk.accounts.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
_loggers: dict[str, Any] = LOGGING["loggers"]  # type: ignore[assignment]
_loggers["axes"] = {"level": "WARNING"}  # lockouts logged; each attempt is audited anyway
# Sessions: signed out after SESSION_IDLE_MINUTES without a request, and SESSION_MAX_HOURS
# after signing in whatever the activity. The cookie lives no longer than the session.
SESSION_IDLE_TIMEOUT = _dt.timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "30")))
SESSION_ABSOLUTE_LIFETIME = _dt.timedelta(hours=float(os.environ.get("SESSION_MAX_HOURS", "12")))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_LIFETIME.total_seconds())
# ------------------------------------------------------------------------ end of auth block

# --- KYC external programs (opsrun; docs/operations.md, "System packages") --------------------
# The tesseract and pdftoppm programs the KYC checks run: a name found on PATH, or a full
# path. When the program is missing the checks that need it are shown as "not run" with the
# reason ("tesseract is not installed"), never as passed.
KYC_TESSERACT_PATH = os.environ.get("KYC_TESSERACT_PATH", "tesseract")
KYC_PDFTOPPM_PATH = os.environ.get("KYC_PDFTOPPM_PATH", "pdftoppm")
# ------------------------------------------------------------- end of KYC external programs

# --- Operations: backups (clientdesk.ops.backup; see docs/operations.md "Backup and restore") --
INSTALLED_APPS.append("clientdesk.ops")
# Key of the archives' AES-256-GCM encryption (any long random string; keep it in the secret
# manager, apart from the archives). Required in production when BACKUP_ENABLED is on.
BACKUP_ENCRYPTION_KEY = os.environ.get("BACKUP_ENCRYPTION_KEY", _dev_key("backup"))
# Scheduled daily backup (task ops.scheduled_backup, run by a worker) with pruning.
BACKUP_ENABLED = env_bool("BACKUP_ENABLED", False)
BACKUP_EVERY_HOURS = int(os.environ.get("BACKUP_EVERY_HOURS", "24"))
# Where archives go: "folder" (BACKUP_DIR) or "s3" (an S3-compatible bucket; the S3_*
# values of the file storage are used unless BACKUP_S3_* are set).
BACKUP_STORAGE = os.environ.get("BACKUP_STORAGE", "folder")
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", VAR_DIR / "backups"))
BACKUP_S3_BUCKET = os.environ.get("BACKUP_S3_BUCKET", "")
BACKUP_S3_PREFIX = os.environ.get("BACKUP_S3_PREFIX", "clientdesk-backups/")
BACKUP_S3_ENDPOINT_URL = os.environ.get("BACKUP_S3_ENDPOINT_URL") or os.environ.get(
    "S3_ENDPOINT_URL"
)
BACKUP_S3_ACCESS_KEY_ID = os.environ.get(
    "BACKUP_S3_ACCESS_KEY_ID", os.environ.get("S3_ACCESS_KEY_ID", "")
)
BACKUP_S3_SECRET_ACCESS_KEY = os.environ.get(
    "BACKUP_S3_SECRET_ACCESS_KEY", os.environ.get("S3_SECRET_ACCESS_KEY", "")
)
BACKUP_S3_REGION = os.environ.get("BACKUP_S3_REGION") or os.environ.get("S3_REGION")
# Retention: the newest archive of each of the last N days / ISO weeks / months.
BACKUP_KEEP_DAILY = int(os.environ.get("BACKUP_KEEP_DAILY", "7"))
BACKUP_KEEP_WEEKLY = int(os.environ.get("BACKUP_KEEP_WEEKLY", "4"))
BACKUP_KEEP_MONTHLY = int(os.environ.get("BACKUP_KEEP_MONTHLY", "12"))
# Scratch space for the dump and the archive before upload (default: the system temp dir).
BACKUP_TMP_DIR = os.environ.get("BACKUP_TMP_DIR") or None
if PRODUCTION and BACKUP_ENABLED and BACKUP_ENCRYPTION_KEY == _dev_key("backup"):
    raise ImproperlyConfigured("BACKUP_ENABLED needs a real BACKUP_ENCRYPTION_KEY in production.")
# ------------------------------------------------------------------------ end of backups block

# --- Operations: logs (clientdesk.core.logging; see docs/operations.md "Logs") ---------------
# Every record gets request_id and user_id, and loses PAN, Aadhaar, passport numbers, e-mail
# addresses and mobile numbers. One JSON object per line in production (LOG_FORMAT=json|plain).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "plain")
LOGGING["filters"].update(
    {
        "request_context": {"()": "clientdesk.core.logging.RequestContextFilter"},
        "redact": {"()": "clientdesk.core.logging.RedactingFilter"},
    }
)
LOGGING["formatters"].update(
    {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
    }
)
LOGGING["handlers"]["console"].update(
    {"filters": ["request_context", "redact", "mask"], "formatter": LOG_FORMAT}
)
MIDDLEWARE.insert(0, "clientdesk.core.logging.LogUserMiddleware")
# Refused requests (403) are logged as one warning line on django.request, without a stack.
LOGGING["filters"]["expected_refusal"] = {"()": "clientdesk.core.logging.ExpectedRefusalFilter"}
LOGGING["loggers"]["django.request"] = {"filters": ["expected_refusal"], "level": "INFO"}
# ---------------------------------------------------------------------------- end of logs block

# --- Operations: health probes and metrics (clientdesk.ops; docs/operations.md) --------------
# /readyz answers 503 when one of these checks fails (others are reported, not failing):
# database, redis, storage, queue, scheduler, worker.
READYZ_REQUIRED = env_list("READYZ_REQUIRED", "database,redis,storage")
READYZ_MAX_QUEUE_DEPTH = int(os.environ.get("READYZ_MAX_QUEUE_DEPTH", "1000"))
READYZ_SCHEDULER_MAX_AGE = int(os.environ.get("READYZ_SCHEDULER_MAX_AGE", "180"))
READYZ_WORKER_MAX_AGE = int(os.environ.get("READYZ_WORKER_MAX_AGE", "300"))
# /metrics: a scraper sends "Authorization: Bearer <METRICS_TOKEN>", or scrapes from an
# address or network in METRICS_ALLOWED_IPS (development: this machine). Neither: no access.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "" if PRODUCTION else "127.0.0.1,::1")
MIDDLEWARE.insert(1, "clientdesk.ops.metrics.MetricsMiddleware")
# Probes come over plain HTTP from the load balancer, inside the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# ------------------------------------------------------------ end of health and metrics block

# --- API access security (clientdesk.accounts.tokens, core.api; see docs/api.md) -------------
# API tokens: default and longest lifetime in days (a token is always issued with an expiry),
# and how often at most a token's last-used time and IP are written (seconds).
API_TOKEN_DEFAULT_DAYS = int(os.environ.get("API_TOKEN_DEFAULT_DAYS", "90"))
API_TOKEN_MAX_DAYS = int(os.environ.get("API_TOKEN_MAX_DAYS", "365"))
API_TOKEN_TOUCH_SECONDS = int(os.environ.get("API_TOKEN_TOUCH_SECONDS", "60"))
# Request rates (DRF throttles, "N/second|minute|hour|day"): per API token, and per client IP
# for requests without valid credentials (these also count failed token guesses). Empty = off.
# Off by default under CLIENTDESK_ENV=test; the throttling tests switch them on.
API_THROTTLE_RATES: dict[str, str | None] = {
    "token": os.environ.get("API_THROTTLE_TOKEN", "" if TESTING else "1200/minute") or None,
    "anon": os.environ.get("API_THROTTLE_ANON", "" if TESTING else "60/minute") or None,
}
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [
    "clientdesk.accounts.tokens.HashedTokenAuthentication",
    "rest_framework.authentication.SessionAuthentication",
    # Last: reached only by requests nobody authenticated; counts them per client IP.
    "clientdesk.accounts.tokens.AnonymousThrottleAuthentication",
]
# JSON request bodies nested deeper than this are refused (400) before any code reads them.
API_MAX_JSON_DEPTH = int(os.environ.get("API_MAX_JSON_DEPTH", "32"))
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = [
    "clientdesk.core.parsers.JSONParser",
    "rest_framework.parsers.FormParser",
    "rest_framework.parsers.MultiPartParser",
]
# The document describes the two real credentials; the throttle class authenticates nobody.
SPECTACULAR_SETTINGS["AUTHENTICATION_WHITELIST"] = [
    "clientdesk.accounts.tokens.HashedTokenAuthentication",
    "rest_framework.authentication.SessionAuthentication",
]
SPECTACULAR_SETTINGS["GET_MOCK_REQUEST"] = "clientdesk.core.openapi.build_mock_request"
# Every operation documents the shared error answers (400/401/403/404/413/429).
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] = [
    "drf_spectacular.hooks.postprocess_schema_enums",
    "clientdesk.core.openapi.add_error_responses",
]
# ------------------------------------------------------------- end of API access security block

# ------------------------------------------------------------- approvals and re-verification
INSTALLED_APPS.append("clientdesk.approvals")
MIDDLEWARE.append("clientdesk.approvals.middleware.PendingApprovalMiddleware")
# Maker-checker as a whole (each action is switched on or off on Admin → Approvals).
APPROVALS_ENABLED = env_bool("APPROVALS_ENABLED", True)
# How long a request waits for a checker unless its action's policy says otherwise.
APPROVALS_EXPIRY_HOURS = int(os.environ.get("APPROVALS_EXPIRY_HOURS", "72"))
# A CSV export of more rows than this needs a second person's approval.
APPROVALS_EXPORT_ROWS = int(os.environ.get("APPROVALS_EXPORT_ROWS", "5000"))
# Re-verification: notice before the due date, grace after it, and whether an overdue
# customer is restricted (the transaction intake refuses their new transactions).
REVERIFICATION_NOTICE_DAYS = int(os.environ.get("REVERIFICATION_NOTICE_DAYS", "30"))
REVERIFICATION_GRACE_DAYS = int(os.environ.get("REVERIFICATION_GRACE_DAYS", "30"))
REVERIFICATION_RESTRICT = env_bool("REVERIFICATION_RESTRICT", False)

# --- Outbound webhooks (clientdesk.webhooks; docs/webhooks.md) --------------------------------
# Private, loopback and link-local targets (and plain http) are refused in production; development
# and tests allow them so that a local receiver works.
WEBHOOKS_ALLOW_PRIVATE_URLS = env_bool("WEBHOOKS_ALLOW_PRIVATE_URLS", not PRODUCTION)
WEBHOOKS_TIMEOUT = float(os.environ.get("WEBHOOKS_TIMEOUT", "10"))
# Retries: wait BASE * 2**(n-1) seconds after failed attempt n, at most MAX (a day); a delivery
# is failed after MAX_ATTEMPTS (13: 1 min, 2, 4 ... 17 h, then a day; about 2.4 days in all).
WEBHOOKS_RETRY_BASE_SECONDS = int(os.environ.get("WEBHOOKS_RETRY_BASE_SECONDS", "60"))
WEBHOOKS_RETRY_MAX_SECONDS = int(os.environ.get("WEBHOOKS_RETRY_MAX_SECONDS", "86400"))
WEBHOOKS_MAX_ATTEMPTS = int(os.environ.get("WEBHOOKS_MAX_ATTEMPTS", "13"))
# An endpoint is disabled (Admins notified) after this many failed attempts in a row spanning
# at least this many hours.
WEBHOOKS_DISABLE_AFTER_FAILURES = int(os.environ.get("WEBHOOKS_DISABLE_AFTER_FAILURES", "20"))
WEBHOOKS_DISABLE_AFTER_HOURS = float(os.environ.get("WEBHOOKS_DISABLE_AFTER_HOURS", "24"))
# After a secret rotation the previous secret keeps signing (both signatures sent) this long.
WEBHOOKS_ROTATION_OVERLAP = int(os.environ.get("WEBHOOKS_ROTATION_OVERLAP", str(24 * 3600)))
# How long a process trusts its cached list of subscribed event types (changes drop it at once).
WEBHOOKS_SUBSCRIPTIONS_TTL = int(os.environ.get("WEBHOOKS_SUBSCRIPTIONS_TTL", "30"))
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "WebhookDeliveryStatusEnum": "clientdesk.webhooks.models.DeliveryStatus",
        "WebhookEventTypeEnum": "clientdesk.webhooks.models.EventType",
    }
)
# ------------------------------------------------------------------- end of webhooks block
# ------------------------------------------------------------- cases and regulatory reports
# Working days for the STR deadline: Monday-Friday minus this country's public holidays
# (the ``holidays`` package) and CASES_EXTRA_HOLIDAYS (comma-separated ISO dates).
CASES_HOLIDAY_COUNTRY = os.environ.get("CASES_HOLIDAY_COUNTRY", "IN")
CASES_EXTRA_HOLIDAYS = [
    d.strip() for d in os.environ.get("CASES_EXTRA_HOLIDAYS", "").split(",") if d.strip()
]
# CTR: cash means these channels (deposits and withdrawals at a branch or an ATM).
CTR_CASH_CHANNELS = [
    c.strip() for c in os.environ.get("CTR_CASH_CHANNELS", "branch,atm").split(",") if c.strip()
]
CTR_THRESHOLD = os.environ.get("CTR_THRESHOLD", "1000000")  # INR 10 lakh; "above" is strict
# The reporting entity and principal officer printed on STR/CTR outputs (goAML header).
REPORTING_ENTITY_ID = os.environ.get("REPORTING_ENTITY_ID", "FIUREID-DEMO")
REPORTING_ENTITY_NAME = os.environ.get("REPORTING_ENTITY_NAME", "ClientDesk Demo Broking Ltd")
PRINCIPAL_OFFICER_NAME = os.environ.get("PRINCIPAL_OFFICER_NAME", "Principal Officer")
PRINCIPAL_OFFICER_EMAIL = os.environ.get("PRINCIPAL_OFFICER_EMAIL", "po@example.invalid")
PRINCIPAL_OFFICER_DESIGNATION = os.environ.get("PRINCIPAL_OFFICER_DESIGNATION", "Principal Officer")
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "CaseStatusEnum": "clientdesk.cases.models.CaseStatus",
        "CaseOutcomeEnum": "clientdesk.cases.models.CaseOutcome",
        "StrStatusEnum": "clientdesk.cases.models.StrStatus",
        "CtrStatusEnum": "clientdesk.cases.models.CtrStatus",
        "CaseEventKindEnum": "clientdesk.cases.models.CaseEvent.Kind",
    }
)
