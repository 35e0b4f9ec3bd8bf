"""Settings for livelihood. Everything deployment-specific comes from the environment.

Without any variables set this is the embedded default: SQLite in the checkout, Celery tasks
run eagerly in-process, console e-mail, a cache in each process's memory. Production sets
DATABASE_URL, CELERY_BROKER_URL, CELERY_RESULT_BACKEND, DJANGO_CACHE_URL, DJANGO_SECRET_KEY,
DJANGO_DEBUG=0 and DJANGO_ALLOWED_HOSTS, and optionally DJANGO_MEDIA_STORAGE=s3 (see .env.example).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "projects.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "simple_history",
    "captcha",
    "projects",
    "supervision",
    "selection",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "livelihood.urls"
WSGI_APPLICATION = "livelihood.wsgi.application"

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
                "projects.context_processors.roles",
                "supervision.messaging.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "projects.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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

# Failed-login throttling: 5 failures lock the username+IP pair for one hour.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文"))]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# Uploaded files are never served from MEDIA_URL: a view checks the reader's permission, then
# streams the file itself or, when this prefix is set (nginx in docker-compose.yml), hands it to
# the proxy's internal location with X-Accel-Redirect.
MEDIA_ACCEL_REDIRECT_PREFIX = os.environ.get("MEDIA_ACCEL_REDIRECT_PREFIX", "")


def media_storage(environ) -> dict:
    """STORAGES["default"] for an environment: uploads on the local file system (MEDIA_ROOT, a
    volume shared by every web and worker container) unless DJANGO_MEDIA_STORAGE=s3, which keeps
    them in an S3-compatible bucket (django-storages, the `s3` extra). Objects stay private: no
    ACL, and readers get a presigned URL that expires after AWS_QUERYSTRING_EXPIRE seconds, only
    once the photo view has checked them (core.media)."""
    kind = (environ.get("DJANGO_MEDIA_STORAGE") or "filesystem").strip().lower()
    if kind in {"filesystem", "local"}:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise RuntimeError(f"DJANGO_MEDIA_STORAGE must be 'filesystem' or 's3', not {kind!r}")
    bucket = environ.get("AWS_STORAGE_BUCKET_NAME", "")
    if not bucket:
        raise RuntimeError("DJANGO_MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME")
    options = {
        "bucket_name": bucket,
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": int(environ.get("AWS_QUERYSTRING_EXPIRE") or "300"),
        "file_overwrite": False,
    }
    # Unset ones are left to boto3 (its own environment variables, instance roles, defaults).
    for option, variable in (
        ("endpoint_url", "AWS_S3_ENDPOINT_URL"),
        ("region_name", "AWS_S3_REGION_NAME"),
        ("access_key", "AWS_ACCESS_KEY_ID"),
        ("secret_key", "AWS_SECRET_ACCESS_KEY"),
        ("addressing_style", "AWS_S3_ADDRESSING_STYLE"),
        ("signature_version", "AWS_S3_SIGNATURE_VERSION"),
    ):
        if environ.get(variable):
            options[option] = environ[variable]
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": media_storage(os.environ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Report photos: upload limit enforced by the forms, a little headroom here.
MAX_PHOTO_BYTES = int(os.environ.get("MAX_PHOTO_BYTES", str(8 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "livelihood@localhost")

# Notification channels (supervision/channels.py). SMS goes through an HTTP gateway taking a JSON
# POST {"phone", "text"} with a bearer token; WeCom/DingTalk group robots are set per unit in the
# admin. SITE_URL makes the links in outward messages absolute (e.g. https://minsheng.example.gov.cn).
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN", "")
SITE_URL = os.environ.get("SITE_URL", "")
NOTIFY_HTTP_TIMEOUT = float(os.environ.get("NOTIFY_HTTP_TIMEOUT", "5"))
NOTIFY_MAX_ATTEMPTS = int(os.environ.get("NOTIFY_MAX_ATTEMPTS", "5"))
NOTIFY_RETRY_SECONDS = int(os.environ.get("NOTIFY_RETRY_SECONDS", "60"))


def cache_settings(url: str) -> dict:
    """CACHES for a cache URL: Redis shared by every worker and process when set (the plan
    dashboard's cached figures), else memory local to each process."""
    if url:
        return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


CACHES = cache_settings(os.environ.get("DJANGO_CACHE_URL", ""))

# Celery: with no broker configured tasks run eagerly in-process (the embedded default).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
# Each task goes to the queue of its kind, so each kind has its own workers (docker-compose.yml
# starts one service per queue with -Q): a long export never delays the morning pace check or the
# reminders. Every task of the apps is named here (tests/test_celery_routes.py fails on one that
# is not); the default queue only catches a task sent by name that nobody routed.
TASKS_BY_QUEUE = {
    "checks": [
        "supervision.tasks.refresh_pace_rows",
        "supervision.tasks.refresh_region_figures",
        "supervision.tasks.run_daily_pace_check",
        "supervision.tasks.take_monthly_snapshots",
        "supervision.tasks.mark_overdue_rectifications",
        "projects.tasks.remove_abandoned_import_files",
        "supervision.tasks.remove_abandoned_photo_drafts",
        "projects.tasks.refill_captcha_pool",
    ],
    "notifications": [
        "supervision.tasks.send_report_reminders",
        "supervision.tasks.send_delivery",
        "supervision.tasks.send_due_deliveries",
    ],
    "exports": [
        "supervision.tasks.run_export",
        "supervision.tasks.remove_old_exports",
    ],
}
CELERY_TASK_ROUTES = {task: {"queue": queue} for queue, tasks in TASKS_BY_QUEUE.items() for task in tasks}
CELERY_TASK_DEFAULT_QUEUE = "checks"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Public forms (core.public_forms): a GET picks a challenge from a pool drawn ahead of time
# instead of storing a new one, so reading a page never writes; a challenge lives two hours and
# is picked only while it has at least ten minutes left.
CAPTCHA_GET_FROM_POOL = True
CAPTCHA_GET_FROM_POOL_TIMEOUT = 10
CAPTCHA_TIMEOUT = 120

CELERY_BEAT_SCHEDULE = {
    # Pages count today's figures from the pace rows when every one was checked today
    # (supervision.figures.counted): the rows move to the new day just after midnight, and the 07:00
    # check raises the flags and warnings.
    "midnight-pace-rows": {
        "task": "supervision.tasks.refresh_pace_rows",
        "schedule": crontab(hour=0, minute=2),
    },
    "daily-pace-check": {
        "task": "supervision.tasks.run_daily_pace_check",
        "schedule": crontab(hour=7, minute=0),
    },
    "daily-report-reminders": {
        "task": "supervision.tasks.send_report_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    # Stores the month-end snapshots not stored yet: new month-ends, and those a registry edit
    # dropped (pages never store them; they compute a missing one until this runs).
    "monthly-plan-snapshots": {
        "task": "supervision.tasks.take_monthly_snapshots",
        "schedule": crontab(hour=1, minute=0),
    },
    # Deliveries whose retry task was lost or never queued (a broker outage) are sent from here.
    "notification-delivery-sweep": {
        "task": "supervision.tasks.send_due_deliveries",
        "schedule": crontab(minute="*/2"),
    },
    "daily-rectification-check": {
        "task": "supervision.tasks.mark_overdue_rectifications",
        "schedule": crontab(hour=7, minute=30),
    },
    # Uploaded lists wait in the media storage under imports/ between preview and confirmation;
    # those never confirmed are removed after a day.
    "hourly-abandoned-import-cleanup": {
        "task": "projects.tasks.remove_abandoned_import_files",
        "schedule": crontab(minute=40),
    },
    # Photos chosen on a form that came back with an error wait as drafts; unsaved ones go
    # after two days (supervision.photos.uploads.DRAFT_MAX_AGE).
    # The public forms' captcha challenges are drawn ahead from a pool, so showing a form
    # writes nothing (core.public_forms); the pool is topped up and its expired ones removed.
    "captcha-pool-refill": {
        "task": "projects.tasks.refill_captcha_pool",
        "schedule": crontab(minute="*/10"),
    },
    "daily-photo-draft-cleanup": {
        "task": "supervision.tasks.remove_abandoned_photo_drafts",
        "schedule": crontab(hour=3, minute=20),
    },
    # Export files built by workers are kept EXPORT_JOB_MAX_AGE_DAYS, then removed with their jobs.
    "daily-old-export-cleanup": {
        "task": "supervision.tasks.remove_old_exports",
        "schedule": crontab(hour=3, minute=20),
    },
}

# Exports reading more rows than this (sub-items, or rectifications) are built by a worker as an
# ExportJob, with a progress page, instead of in the request.
EXPORT_INLINE_MAX_ROWS = int(os.environ.get("EXPORT_INLINE_MAX_ROWS", "5000"))
EXPORT_JOB_MAX_AGE_DAYS = int(os.environ.get("EXPORT_JOB_MAX_AGE_DAYS", "7"))

# Report reminders (催报): days before the due day, and days after it, that liaisons are reminded.
REPORT_REMINDER_DAYS_BEFORE = int(os.environ.get("REPORT_REMINDER_DAYS_BEFORE", "2"))
REPORT_REMINDER_DAYS_AFTER = int(os.environ.get("REPORT_REMINDER_DAYS_AFTER", "1"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "projects.api.authentication.SessionAuthentication",
        "knox.auth.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# API tokens (knox): stored hashed, sent as "Authorization: Token <key>", and expire after
# API_TOKEN_IDLE_DAYS without use (each use pushes the expiry on). Logging out of the site, a
# password change and /api/logout/ revoke them (projects.api.tokens).
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=int(os.environ.get("API_TOKEN_IDLE_DAYS", "30"))),
    "AUTO_REFRESH": True,
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "民生实事管理 API",
    "DESCRIPTION": "Livelihood project registry, progress reports and supervision.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"FundingSourceEnum": "projects.models.FundingLine.Source"},
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD")
    if not SECURE_HSTS_PRELOAD:
        # Intranet hosts are not on the public preload list; opting in is a deliberate choice.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
    SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # urllib3 logs each request's full address at DEBUG, and robot webhooks carry their key in it.
    "loggers": {"urllib3": {"level": "WARNING"}},
}
