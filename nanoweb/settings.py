"""NanoWeb settings: every option comes from the environment, with defaults that work on a bare machine.

Embedded defaults: SQLite, Celery's filesystem broker and local media, all under NANOWEB_DATA_DIR.
DATABASE_URL, CELERY_BROKER_URL and NANOWEB_S3_BUCKET switch to PostgreSQL, Redis/RabbitMQ and object
storage, which is how NanoWeb runs on many machines.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from classifiers.ml.engine_choice import DEFAULT_ENGINE
from nanoweb.env import envbool, envchoices, envint, envlist, envrate, envstr, envurl

BASE_DIR = Path(__file__).resolve().parent.parent

DATA_DIR = Path(envstr("NANOWEB_DATA_DIR", str(BASE_DIR / "var"))).resolve()
# Commands that only use what `make run` made (manage.py names them) set this: where the data folder or its
# parts do not exist they create nothing, and say what is wrong (nanoweb/datafolder.py) instead of leaving an
# empty ./var behind.
DATA_DIR_MUST_EXIST = os.environ.get("NANOWEB_DATA_DIR_MUST_EXIST") == "1"
if not DATA_DIR_MUST_EXIST:
    try:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ImproperlyConfigured(f"NANOWEB_DATA_DIR={DATA_DIR} cannot be created: {exc.strerror}") from None

MEDIA_ROOT = DATA_DIR / "media"
ARTIFACTS_DIR = DATA_DIR / "models"
FEATURE_CACHE_DIR = DATA_DIR / "cache"


def _secret_key() -> str:
    """The key from the environment, or one generated once and kept in the data folder."""
    key = os.environ.get("NANOWEB_SECRET_KEY")
    if key is not None:
        if len(key) < 50:
            raise ImproperlyConfigured("NANOWEB_SECRET_KEY must be at least 50 characters long")
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists() and DATA_DIR_MUST_EXIST:
        return secrets.token_urlsafe(64)  # for this command only, which signs nothing that outlives it
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(64))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("NANOWEB_DEBUG", False)
ALLOWED_HOSTS = envlist("NANOWEB_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("NANOWEB_CSRF_TRUSTED_ORIGINS", [])
PORT = envint("PORT", 8000, minimum=1, maximum=65535)
SITE_NAME = "NanoWeb"

# Behind TLS (a proxy that terminates HTTPS), these make `manage.py check --deploy` clean.
HTTPS = envbool("NANOWEB_HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS and envbool("NANOWEB_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = envint("NANOWEB_HSTS_SECONDS", 31536000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "nanoweb",
    "accounts",
    "classifiers",
    "scraper",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "nanoweb.csp.ContentSecurityPolicyMiddleware",
    "nanoweb.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "nanoweb.urls"
WSGI_APPLICATION = "nanoweb.wsgi.application"

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
            ],
        },
    },
]


def _database() -> dict:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "nanoweb.sqlite3",
            # Web and worker processes share the file: wait for a lock instead of failing at once.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
        }
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL Django understands: {exc}") from None
    if not config.get("ENGINE"):
        raise ImproperlyConfigured(f"DATABASE_URL has an unknown scheme: {url.split(':', 1)[0]!r}")
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "landing"
LOGIN_FAILURE_LIMIT = envint("NANOWEB_LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_FAILURE_WINDOW_SECONDS = envint("NANOWEB_LOGIN_FAILURE_WINDOW", 900, minimum=1)
# Sign-up is open: one address may create this many accounts per window, so nobody scripts thousands.
SIGNUP_LIMIT = envint("NANOWEB_SIGNUP_LIMIT", 5, minimum=1)
SIGNUP_WINDOW_SECONDS = envint("NANOWEB_SIGNUP_WINDOW", 3600, minimum=1)

# Mail (only password-reset links): printed on the console of the process that sends it, unless a mail server
# is named; then sent through it by SMTP.
EMAIL_HOST = envstr("NANOWEB_EMAIL_HOST", "").strip()
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_USE_SSL = envbool("NANOWEB_EMAIL_USE_SSL", False)  # port 465; otherwise STARTTLS on 587
EMAIL_USE_TLS = envbool("NANOWEB_EMAIL_USE_TLS", not EMAIL_USE_SSL)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("NANOWEB_EMAIL_USE_TLS and NANOWEB_EMAIL_USE_SSL cannot both be on; choose one")
EMAIL_PORT = envint("NANOWEB_EMAIL_PORT", 465 if EMAIL_USE_SSL else 587, minimum=1, maximum=65535)
EMAIL_HOST_USER = envstr("NANOWEB_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = envstr("NANOWEB_EMAIL_PASSWORD", "")
EMAIL_TIMEOUT = envint("NANOWEB_EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = envstr("NANOWEB_DEFAULT_FROM_EMAIL", "NanoWeb <nanoweb@localhost>")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
if not DATA_DIR_MUST_EXIST:
    STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns at every start when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"

S3_BUCKET = envstr("NANOWEB_S3_BUCKET", "")
if S3_BUCKET:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": envstr("NANOWEB_S3_ENDPOINT_URL", "") or None,
            "region_name": envstr("NANOWEB_S3_REGION", "") or None,
            "access_key": envstr("NANOWEB_S3_ACCESS_KEY_ID", "") or None,
            "secret_key": envstr("NANOWEB_S3_SECRET_ACCESS_KEY", "") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": MEDIA_ROOT}}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True

# Uploads: Django refuses bodies over this size before reading them all (413 through our handler).
MAX_UPLOAD_BYTES = envint("NANOWEB_MAX_UPLOAD_MB", 25, minimum=1) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = envint("NANOWEB_MAX_FILES_PER_UPLOAD", 200, minimum=1)

# --- Celery -------------------------------------------------------------------------------------------
BROKER_DIR = DATA_DIR / "broker"
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", "").strip() or "filesystem://"
if not CELERY_BROKER_URL.startswith(("filesystem://", "redis://", "rediss://", "amqp://", "amqps://", "pyamqp://")):
    raise ImproperlyConfigured(
        "CELERY_BROKER_URL must start with redis://, rediss://, amqp:// or filesystem://; "
        f"got {CELERY_BROKER_URL.split('://', 1)[0]!r}"
    )
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _folder in ("queue", "control") if not DATA_DIR_MUST_EXIST else ():
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.5,
    }
else:
    # Redis: a task whose worker died is handed to another after this long (acks_late tasks).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": envint("NANOWEB_TASK_VISIBILITY_TIMEOUT", 3600, minimum=60),
    }
CELERY_TASK_SOFT_TIME_LIMIT = envint("NANOWEB_TASK_SOFT_TIME_LIMIT", 1800, minimum=10)
CELERY_TASK_TIME_LIMIT = envint("NANOWEB_TASK_TIME_LIMIT", CELERY_TASK_SOFT_TIME_LIMIT + 120, minimum=20)
if CELERY_TASK_TIME_LIMIT <= CELERY_TASK_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured("NANOWEB_TASK_TIME_LIMIT must be greater than NANOWEB_TASK_SOFT_TIME_LIMIT")
CELERY_TASK_ALWAYS_EAGER = envbool("NANOWEB_TASKS_EAGER", False)
CELERY_WORKER_CONCURRENCY = envint("NANOWEB_WORKER_CONCURRENCY", 2, minimum=1)
# Running rows refresh heartbeat_at this often (a thread beside the work); one silent for
# TRAINING_STALE_SECONDS lost its worker. Every worker reports itself and looks for such rows every
# RECOVERY_SECONDS (classifiers/services/recovery.py); the jobs of a process of its own that died, or of a
# worker that stopped reporting, are resumed at once without waiting for the stale threshold.
HEARTBEAT_SECONDS = envint("NANOWEB_HEARTBEAT_SECONDS", 5, minimum=1)
TRAINING_STALE_SECONDS = envint("NANOWEB_TRAINING_STALE_SECONDS", 30, minimum=2)
TRAINING_MAX_ATTEMPTS = envint("NANOWEB_TRAINING_MAX_ATTEMPTS", 3, minimum=1)
RECOVERY_SECONDS = envint("NANOWEB_RECOVERY_SECONDS", 5, minimum=1)
if TRAINING_STALE_SECONDS <= HEARTBEAT_SECONDS:
    raise ImproperlyConfigured("NANOWEB_TRAINING_STALE_SECONDS must be greater than NANOWEB_HEARTBEAT_SECONDS")
# A worker whose pool has had a free process this long without answering the ping it sent itself is not
# taking tasks (its processes were killed): /health/ and `checkworker` say so and `make run` restarts it.
WORKER_STUCK_SECONDS = envint("NANOWEB_WORKER_STUCK_SECONDS", 30, minimum=2)
# A queued job that no worker took this long, while a worker that takes tasks had a free process all that
# time, lost its message: it is sent again (a second delivery is harmless), and fails in words after a few.
QUEUED_RESEND_SECONDS = envint("NANOWEB_QUEUED_RESEND_SECONDS", 30, minimum=2)

# --- Engine and scraper -------------------------------------------------------------------------------
# New classifiers take these; each keeps its own afterwards, and each version answers with the backbone and
# precision it was trained with. The default is chosen by a rule from measured figures, kept with them in
# classifiers/ml/engine_choice.py (README, "Benchmarks"). An int8 twin is built and checked once per cache
# folder on first use, in a child process (half a minute to a minute on 2 cores).
DEFAULT_BACKBONE = envstr("NANOWEB_BACKBONE", DEFAULT_ENGINE[0])
DEFAULT_PRECISION = envstr("NANOWEB_PRECISION", DEFAULT_ENGINE[1])
if DEFAULT_PRECISION not in ("float", "int8"):
    raise ImproperlyConfigured(f"NANOWEB_PRECISION must be float or int8, not {DEFAULT_PRECISION!r}")
# A retraining with the new engine (offered when a classifier's active version uses another backbone or
# precision than the two above) becomes active by itself when it is at least as accurate as the version it
# is compared with, on the same folds; off: it waits until its person chooses it.
ENGINE_UPDATE_AUTO_ACTIVATE = envbool("NANOWEB_ENGINE_UPDATE_AUTO_ACTIVATE", False)
ENGINE_THREADS = envint("NANOWEB_ENGINE_THREADS", min(os.cpu_count() or 1, 4), minimum=1)
# The web processes `make run` starts (nanoweb/management/commands/runall.py) answer side by side, so each
# one's backbone session takes its share of the cores, not all of them: on the 2-core machine, 2 processes
# of 2 threads each fought over the cores (Lite0 int8 at 8 clients, benchmarks/predict_load.py: 105.7 req/s,
# p99 153 ms; with 1 thread each 121.6 req/s, p99 128 ms).
WEB_WORKERS = envint("NANOWEB_WEB_WORKERS", 2, minimum=1)
ANSWER_THREADS = envint("NANOWEB_ANSWER_THREADS", max(1, min(ENGINE_THREADS, (os.cpu_count() or 1) // WEB_WORKERS)),
                        minimum=1)
# Predictions running at the same time in one web process share backbone calls (classifiers/ml/batching.py);
# 0 answers each request on its own, as before (the load benchmark's "old path", and an escape hatch).
PREDICT_BATCHING = envbool("NANOWEB_PREDICT_BATCHING", True)
# The longest a prediction waits for others to join its backbone call, in milliseconds.
PREDICT_BATCH_WAIT_MS = envint("NANOWEB_PREDICT_BATCH_WAIT_MS", 5, minimum=0, maximum=100)
# The prediction log (classifiers/services/predictions_log.py): every answer is kept, written by a thread
# beside the answers so keeping one never slows or fails it; 0 keeps none (the load benchmark's "logging off").
PREDICTION_LOG = envbool("NANOWEB_PREDICTION_LOG", True)
# Days an answer and its photo are kept, for classifiers whose owner did not choose; the workers remove older
# ones in batches of PREDICTION_CLEANUP_BATCH rows (and their photos) a round.
PREDICTION_RETENTION_DAYS = envint("NANOWEB_PREDICTION_RETENTION_DAYS", 30, minimum=1, maximum=3650)
PREDICTION_CLEANUP_BATCH = envint("NANOWEB_PREDICTION_CLEANUP_BATCH", 2000, minimum=1)
COMMONS_API_URL = envurl(
    "NANOWEB_COMMONS_API_URL", "https://commons.wikimedia.org/w/api.php", schemes=("http", "https")
)
OPENVERSE_API_URL = envurl(
    "NANOWEB_OPENVERSE_API_URL", "https://api.openverse.org/v1/", schemes=("http", "https")
)
SEARCH_PROVIDER_NAMES = {"duckduckgo", "bing", "commons", "openverse"}
SEARCH_PROVIDERS = envchoices(
    "NANOWEB_SEARCH_PROVIDERS", ["duckduckgo", "bing", "commons", "openverse"], SEARCH_PROVIDER_NAMES
)
ALLOW_PRIVATE_URLS = envbool("NANOWEB_ALLOW_PRIVATE_URLS", False)

# --- API ----------------------------------------------------------------------------------------------
# Requests a minute per API key (or signed-in user), and for making keys with a password (per address).
API_RATE = envrate("NANOWEB_API_RATE", "120/min")
API_KEY_CREATE_RATE = envrate("NANOWEB_API_KEY_CREATE_RATE", "10/min")
# Answers one address may ask of share links (public try-it pages) in all; more get "wait" in words and 429.
SHARE_RATE = envrate("NANOWEB_SHARE_RATE", "30/min")
# Webhooks: tries per event (the first included), seconds before the first retry (doubled at each next one),
# and seconds one call may take in all.
WEBHOOK_ATTEMPTS = envint("NANOWEB_WEBHOOK_ATTEMPTS", 5, minimum=1, maximum=20)
WEBHOOK_RETRY_SECONDS = envint("NANOWEB_WEBHOOK_RETRY_SECONDS", 30, minimum=1)
WEBHOOK_TIMEOUT = envint("NANOWEB_WEBHOOK_TIMEOUT", 10, minimum=1, maximum=60)
# The "none of these" alert: judged over the last hour once this many answers were given in it (one odd
# photo among three is not a trend), at most once per classifier every this many seconds.
UNKNOWN_ALERT_MIN_ANSWERS = envint("NANOWEB_UNKNOWN_ALERT_MIN_ANSWERS", 20, minimum=1)
UNKNOWN_ALERT_CHECK_SECONDS = envint("NANOWEB_UNKNOWN_ALERT_CHECK_SECONDS", 30, minimum=1)
# Rate-limit counters live in the cache: give every web process the same Redis so limits hold across them.
CACHE_URL = envstr("NANOWEB_CACHE_URL", "").strip()
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured(f"NANOWEB_CACHE_URL must start with redis:// or rediss://; got {CACHE_URL!r}")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    # Without Redis, a cache in the data folder is shared by all web processes of one machine (make run
    # starts several), so log-in and API limits hold across them.
    else {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": DATA_DIR / "django-cache"}
}
if not CACHE_URL and DATA_DIR_MUST_EXIST and not (DATA_DIR / "django-cache").is_dir():
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}  # it would make the folder
# Reverse proxies in front of NanoWeb that each append the client's address to X-Forwarded-For. With 0 the
# connection's own address is the client's and X-Forwarded-For, which anyone can send, is ignored; otherwise
# the address that many entries from the end is. Rate limits and log-in throttling count per that address.
TRUSTED_PROXIES = envint("NANOWEB_TRUSTED_PROXIES", 0, minimum=0, maximum=10)
REST_FRAMEWORK = {
    "NUM_PROXIES": TRUSTED_PROXIES,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # API keys first: its WWW-Authenticate header makes a missing or bad key a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["classifiers.api.throttles.ApiRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["classifiers.api.parsers.BoundedJSONParser", "rest_framework.parsers.MultiPartParser"],
    "DEFAULT_PAGINATION_CLASS": "classifiers.api.pagination.Pagination",
    "EXCEPTION_HANDLER": "classifiers.api.errors.exception_handler",
    # No OPTIONS self-description: the OpenAPI schema is the description, and OPTIONS is then a plain 405.
    "DEFAULT_METADATA_CLASS": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "NanoWeb API",
    "DESCRIPTION": "Build an image classifier from a few photos a class.",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Separate request and response components, so uploads show as files and read-only fields as output.
    "COMPONENT_SPLIT_REQUEST": True,
    # Training runs and searches are both jobs with the same statuses: one enum in the schema.
    "ENUM_NAME_OVERRIDES": {"JobStatusEnum": "classifiers.models.Job.Status"},
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs page are public, whatever credentials a request carries.
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # /api/docs/ keeps the key given to Authorize across reloads, so trying the flow there is practical.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": True},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("NANOWEB_LOG_LEVEL", "INFO").upper()},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Scraper: downloads, image checks, zip caps (added for web data collection) --------------------------
# Every fetch of a URL a person or a search result names goes through scraper/safehttp.py with these limits.
FETCH_CONNECT_TIMEOUT = envint("NANOWEB_FETCH_CONNECT_TIMEOUT", 5, minimum=1)
FETCH_READ_TIMEOUT = envint("NANOWEB_FETCH_READ_TIMEOUT", 15, minimum=1)
# A server that trickles bytes slowly never trips the read timeout; this caps the whole download.
FETCH_TOTAL_TIMEOUT = envint("NANOWEB_FETCH_TOTAL_TIMEOUT", 30, minimum=1)
FETCH_MAX_REDIRECTS = envint("NANOWEB_FETCH_MAX_REDIRECTS", 5, minimum=0, maximum=20)
FETCH_MAX_IMAGE_BYTES = envint("NANOWEB_FETCH_MAX_IMAGE_MB", 20, minimum=1) * 1024 * 1024
FETCH_MAX_PAGE_BYTES = envint("NANOWEB_FETCH_MAX_PAGE_MB", 5, minimum=1) * 1024 * 1024
DOWNLOAD_WORKERS = envint("NANOWEB_DOWNLOAD_WORKERS", 16, minimum=1, maximum=64)
DOWNLOADS_PER_HOST = envint("NANOWEB_DOWNLOADS_PER_HOST", 4, minimum=1, maximum=64)
# Pictures are refused before decoding when larger than this (decompression bombs).
IMAGE_MAX_PIXELS = envint("NANOWEB_IMAGE_MAX_MEGAPIXELS", 50, minimum=1, maximum=80) * 1_000_000
IMAGE_MIN_SIDE = envint("NANOWEB_IMAGE_MIN_SIDE", 64, minimum=1)
IMAGE_MAX_SIDE = envint("NANOWEB_IMAGE_MAX_SIDE", 1024, minimum=64)
# What one upload request may cost to decode, in all: its files' pixels, read from their headers before any
# is decoded (a JPEG counts at the reduced size it is decoded at). 150 copies of a 7000 x 7000 PNG took 85 s
# of CPU before this; 1000 megapixels is about 300 phone photos.
UPLOAD_MAX_PIXELS = envint("NANOWEB_UPLOAD_MAX_MEGAPIXELS", 1000, minimum=1) * 1_000_000
# Heavy requests (uploads, imports by address, predictions by address) one web process works on at once, and
# how many more wait their turn (seconds at most); with gunicorn's 4 threads a thread stays free for the rest.
# See scraper/workload.py.
HEAVY_AT_ONCE = envint("NANOWEB_HEAVY_AT_ONCE", 2, minimum=1)
HEAVY_WAITING = envint("NANOWEB_HEAVY_WAITING", 1, minimum=0)
HEAVY_WAIT_SECONDS = envint("NANOWEB_HEAVY_WAIT", 30, minimum=1)
# A prediction request whose pictures hold more pixels to decode than this takes a heavy turn too.
PREDICT_LIGHT_PIXELS = envint("NANOWEB_PREDICT_LIGHT_PIXELS", 8_000_000, minimum=0)
# Perceptual hashes this many bits apart or closer count as the same picture (measured: different photos
# of one clothing set are 10+ bits apart, a resized recompressed copy 0-2).
NEAR_DUPLICATE_DISTANCE = envint("NANOWEB_NEAR_DUPLICATE_DISTANCE", 6, minimum=0, maximum=32)
ZIP_MAX_FILES = envint("NANOWEB_ZIP_MAX_FILES", 500, minimum=1)
ZIP_MAX_TOTAL_BYTES = envint("NANOWEB_ZIP_MAX_TOTAL_MB", 1024, minimum=1) * 1024 * 1024
ZIP_MAX_RATIO = envint("NANOWEB_ZIP_MAX_RATIO", 100, minimum=2)
IMPORT_MAX_URLS = envint("NANOWEB_IMPORT_MAX_URLS", 200, minimum=1)
SEARCH_MAX_COUNT = envint("NANOWEB_SEARCH_MAX_COUNT", 500, minimum=1)
# Search providers: per-request timeout and how many result pages one provider is asked for at most.
SEARCH_PROVIDER_TIMEOUT = envint("NANOWEB_SEARCH_PROVIDER_TIMEOUT", 15, minimum=1)
SEARCH_MAX_PAGES = envint("NANOWEB_SEARCH_MAX_PAGES", 10, minimum=1)
# Where the ddgs engines send their requests; the defaults are the real sites, tests point them at stand-ins.
DUCKDUCKGO_URL = envurl("NANOWEB_DUCKDUCKGO_URL", "https://duckduckgo.com", schemes=("http", "https"))
BING_URL = envurl("NANOWEB_BING_URL", "https://www.bing.com", schemes=("http", "https"))
# A running search job whose heartbeat is older than this was orphaned by a dead worker.
SEARCH_JOB_STALE_SECONDS = envint("NANOWEB_SEARCH_JOB_STALE_SECONDS", 30, minimum=2)
if SEARCH_JOB_STALE_SECONDS <= HEARTBEAT_SECONDS:
    raise ImproperlyConfigured("NANOWEB_SEARCH_JOB_STALE_SECONDS must be greater than NANOWEB_HEARTBEAT_SECONDS")
# ddgs's HTTP client logs every response at INFO; only its warnings are worth a line in the worker log.
LOGGING["loggers"]["primp"] = {"level": "WARNING"}
