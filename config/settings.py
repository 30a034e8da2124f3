"""Settings for every process (web, workers, scheduler, commands), read from the environment.

With nothing set, the embedded default runs without system services: one SQLite file per database
alias and a redis-server of the project's own as the Celery broker, all under the git-ignored `var/`
folder, which `make run` prepares (operations/embedded/var_folder.py): reading the settings
writes nothing.
"""

import os
import zoneinfo
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from billing_quantum.card_keys import PUBLIC_ENV_FILE
from config.quanta import QUANTA
from operations.embedded.broker import embedded_broker_url
from operations.embedded.var_folder import SECRET_KEY_FILE, STATIC_FOLDER

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

# What a process writes (the embedded default's databases, keys, mail and broker data under var/,
# and whatever else it creates) is readable by the account that runs it only: every process of
# the project reads these settings before it writes a file.
os.umask(0o077)
VAR_DIR = Path(env("SYSOPS_VAR_DIR", default=str(BASE_DIR / "var")))


def _embedded_secret_key() -> str:
    """The key `make run` generates once per var folder, so the embedded default needs no
    configuration."""
    key_file = VAR_DIR / SECRET_KEY_FILE
    if not key_file.is_file():
        raise ImproperlyConfigured(
            f"no secret key: set DJANGO_SECRET_KEY, or prepare the embedded default's {VAR_DIR} "
            "with `make run` or `python -m operations.embedded.var_folder`"
        )
    return key_file.read_text().strip()


SECRET_KEY = env("DJANGO_SECRET_KEY", default=None) or _embedded_secret_key()
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

# HTTPS only: on in production, off for the embedded default, which serves plain http on
# 127.0.0.1 (a browser would drop secure cookies there and HSTS would pin localhost to https).
SECURE = env.bool("DJANGO_SECURE", default=False)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE
# Load balancers probe over plain http inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=SECURE)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=SECURE)
# Behind a proxy that ends TLS, the header it sets to say the client used https, e.g.
# HTTP_X_FORWARDED_PROTO. Only with a proxy that always sets it: a client could send it otherwise.
if _proxy_ssl_header := env("DJANGO_SECURE_PROXY_SSL_HEADER", default=""):
    SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header, "https")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Request bodies are small JSON or forms; anything bigger is refused before it is parsed
# (413 on the API, 400 on forms).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", default=256 * 1024)
# The pages load only their own scripts, styles and images (django-csp): injected markup that got
# past escaping still cannot run or send data elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Shared by the web processes for the API's throttle counters; local memory serves one process.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "axes",
    "identity",
    "messaging",
    "operations",
    "customer_quantum",
    "billing_quantum",
    "ticketing",
    "analytics",
    "notifications",
]

MIDDLEWARE = [
    "config.correlation.CorrelationIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "customer_quantum.middleware.CustomerTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: it answers a locked-out login after the others have run.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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

# Each quantum owns one database; `default` plays the identity provider (users, sessions, admin log).
# Every alias has its own URL so each database can live on its own server.
DATABASE_ALIASES = ("default", *QUANTA)


def _database(alias: str) -> dict:
    variable = "DATABASE_URL" if alias == "default" else f"{alias.upper()}_DATABASE_URL"
    config = env.db_url(variable, default=f"sqlite:///{VAR_DIR / f'{alias}.sqlite3'}")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Web, workers and commands write the same files: wait for the lock instead of failing,
        # and take the write lock up front so two writers never deadlock on an upgrade.
        config["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return config


DATABASES = {alias: _database(alias) for alias in DATABASE_ALIASES}
DATABASE_ROUTERS = ["config.database_router.QuantumRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "identity.password_validation.PasswordChangeRevokesApiTokens"},
]
# Argon2 (the Password Hashing Competition's winner) for new hashes; older hashes still verify and
# are upgraded at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# django-axes counts failed logins (portal, admin, API token) in the identity database, so every
# web process sees the same count: after AXES_FAILURE_LIMIT failures a username is locked out from
# that address for AXES_COOLOFF_MINUTES. Username and address together, so a stranger cannot lock
# a customer out from everywhere by guessing at their username.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("AXES_COOLOFF_MINUTES", default=15.0))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Failures and lockouts are still logged; not a banner at every process start, nor the user agent.
AXES_VERBOSE = False
# The address is read as the API's throttles read it: through trusted proxies only.
AXES_CLIENT_IP_CALLABLE = "config.client_address.client_address"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:ticket-list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# A new customer's time zone (an IANA name) until they choose theirs on their profile: the portal
# shows every time in the customer's zone, named.
CUSTOMER_DEFAULT_TIME_ZONE = env("CUSTOMER_DEFAULT_TIME_ZONE", default="UTC")
if CUSTOMER_DEFAULT_TIME_ZONE not in zoneinfo.available_timezones():
    raise ImproperlyConfigured(
        f"CUSTOMER_DEFAULT_TIME_ZONE={CUSTOMER_DEFAULT_TIME_ZONE!r} is not a time zone name "
        "(IANA, such as Europe/Paris)"
    )

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / STATIC_FOLDER
STATICFILES_DIRS = [BASE_DIR / "static"]
# Served at the site's root: browsers ask for /favicon.ico whatever the page links to.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
STORAGES = {
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the apps' folders so the embedded default needs no collectstatic step.
WHITENOISE_USE_FINDERS = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "identity.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api_errors.api_exception_handler",
    # JSON only (forms are the portal's): one input format to validate, and a form or multipart
    # body is a clear 415 instead of parsed with its own rules for blank and missing fields.
    "DEFAULT_PARSER_CLASSES": ["config.api_parsers.CheckedJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # How many proxies in front of the web processes append the address they saw to
    # X-Forwarded-For; nothing else in that header is believed (config/client_address.py).
    "NUM_PROXIES": env.int("TRUSTED_PROXY_COUNT", default=0),
    # Per client address when anonymous, per user when signed in; views naming the `credentials`
    # scope (registration, token) get a far stricter limit against password guessing and spam.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/minute"),
        "user": env("API_THROTTLE_USER", default="600/minute"),
        "credentials": env("API_THROTTLE_CREDENTIALS", default="10/minute"),
    },
}
# API tokens (django-rest-knox): stored as digests, refused after their lifetime; a password change
# or a logout revokes them (identity/).
KNOX_TOKEN_MODEL = "identity.ApiToken"  # noqa: S105 (a model, not a secret)
# knox's own migrations would create its table even with its model swapped out: unused, and its
# key to users makes `flush` (and every test that empties the identity database) fail.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {"TOKEN_TTL": timedelta(hours=env.float("API_TOKEN_LIFETIME_HOURS", default=24 * 7))}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sysops Squad API",
    "DESCRIPTION": "Customer portal and expert APIs of the Sysops Squad quanta.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request bodies get components of their own, which state what input refuses (a blank text is
    # `minLength: 1`) and leave out what only answers carry (ids, statuses).
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api_schema.document_error_responses",
    ],
}

# Card keys. The customer quantum seals card data with billing's public key; billing opens it with
# the private key of the same id (older ids stay in its keyring, so a rotated key still opens what
# it sealed) and encrypts numbers at rest under separate keys. Each variable may instead name a file
# as VARIABLE_FILE. Only billing's worker may hold the private and at-rest keys (PCI DSS 4.0 §3.6):
# billing's values come from the environment or from the file BILLING_CARD_KEYS_FILE names, which
# only billing's worker is given. The public key and its id come from the environment or, on the
# embedded default, from the public file that `manage.py generate_card_keys --embedded` writes
# (`make run` calls it). Loading settings never creates keys.
CARD_KEYS_FOLDER = VAR_DIR / "keys"


def card_keys_read(env_files: list[Path]) -> tuple[str, str, str, str, str]:
    """The five card-key settings from the environment, then from `env_files` (the environment
    wins). The files are read into a copy of the environment, never into os.environ, so no process
    this one starts inherits billing's keys from them."""

    class CardKeysEnvironment(environ.FileAwareEnv):
        ENVIRON = environ.FileAwareMapping(env=dict(os.environ))

    for env_file in env_files:
        CardKeysEnvironment.read_env(env_file)
    read = CardKeysEnvironment()
    return (
        read("CARD_SEALING_KEY_ID", default="").strip(),
        read("CARD_SEALING_PUBLIC_KEY", default="").strip(),
        read("CARD_SEALING_PRIVATE_KEYS", default=""),
        read("CARD_STORAGE_KEY_ID", default="").strip(),
        read("CARD_STORAGE_KEYS", default=""),
    )


_card_key_files = [CARD_KEYS_FOLDER / PUBLIC_ENV_FILE]
if _billing_card_keys_file := env("BILLING_CARD_KEYS_FILE", default=""):
    if not Path(_billing_card_keys_file).is_file():
        raise ImproperlyConfigured(
            f"BILLING_CARD_KEYS_FILE names {_billing_card_keys_file}, which does not exist"
        )
    _card_key_files.insert(0, Path(_billing_card_keys_file))
(
    CARD_SEALING_KEY_ID,
    CARD_SEALING_PUBLIC_KEY,
    CARD_SEALING_PRIVATE_KEYS,
    CARD_STORAGE_KEY_ID,
    CARD_STORAGE_KEYS,
) = card_keys_read([path for path in _card_key_files if path.is_file()])

# The kernel's tables (outbox, inbox, dead letters, replays, job runs) are in each of these databases.
MESSAGING_QUANTA = QUANTA
# Messaging: a quantum's outbox is swept for messages the fast path could not hand to the broker.
MESSAGING_MAX_DELIVERIES = env.int("MESSAGING_MAX_DELIVERIES", default=5)
# A worker applying a message's first delivery takes the first deliveries queued behind it, up to
# this many in all, and applies them in one transaction; 1 applies each on its own.
MESSAGING_APPLY_TOGETHER = env.int("MESSAGING_APPLY_TOGETHER", default=50)
MESSAGING_RETRY_BASE_SECONDS = env.float("MESSAGING_RETRY_BASE_SECONDS", default=1.0)
MESSAGING_RETRY_MAX_SECONDS = env.float("MESSAGING_RETRY_MAX_SECONDS", default=300.0)
# Each sweep also sends the quantum's confirmations, so it bounds how long a healed message waits
# to be confirmed.
MESSAGING_SWEEP_INTERVAL_SECONDS = env.float("MESSAGING_SWEEP_INTERVAL_SECONDS", default=2.0)
# A message handed over before its receiver was seen with nothing queued or in hand, and still
# unconfirmed this long after that look, was lost (its sender died before handing it over, or the
# broker dropped it) and is handed over again at once. Above the sweep interval, or a receiver's
# next confirmation would race the copy.
MESSAGING_LOST_AFTER_SECONDS = env.float(
    "MESSAGING_LOST_AFTER_SECONDS", default=3 * MESSAGING_SWEEP_INTERVAL_SECONDS
)
# A message the receiver has not confirmed within this time is handed over again (it may have been
# lost with a broker's data, or with a killed worker): keep it above the retries' total delay.
MESSAGING_CONFIRM_TIMEOUT_SECONDS = env.float("MESSAGING_CONFIRM_TIMEOUT_SECONDS", default=120.0)
MESSAGING_RESEND_MAX_SECONDS = env.float("MESSAGING_RESEND_MAX_SECONDS", default=3600.0)
# Confirmed outbox rows and applied inbox rows are forgotten after this many days.
MESSAGING_RETENTION_DAYS = env.int("MESSAGING_RETENTION_DAYS", default=7)
# quanta_status reports a problem (and exits non-zero) past these. A message is confirmed within a
# sweep interval or two of its sending when all is well, so a minute means something is stuck.
QUANTA_STATUS_MAX_UNCONFIRMED_SECONDS = env.float(
    "QUANTA_STATUS_MAX_UNCONFIRMED_SECONDS", default=60.0
)
QUANTA_STATUS_MAX_QUEUE_DEPTH = env.int("QUANTA_STATUS_MAX_QUEUE_DEPTH", default=10_000)
# /metrics asks for this bearer token when set; without it, only this host may scrape.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# Celery: one queue per quantum, named after it; JSON only; a message is acknowledged only after its
# handler committed, and re-queued if the worker dies. The embedded default's broker is the
# redis-server `make run` starts on a socket in the var folder (operations/embedded/broker.py).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=embedded_broker_url(VAR_DIR))
# Redis only emulates acknowledgements: an unacknowledged message comes back after the visibility
# timeout. Retry delays stay well under it, or the message would be delivered again.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "global_keyprefix": env("CELERY_BROKER_KEY_PREFIX", default=""),
    # A publisher that cannot reach Redis gives up at once instead of retrying for the connection
    # timeout: the outbox keeps the message for the sweep, and the portal request that published it
    # answers in milliseconds (workers keep their own reconnect policy).
    "max_retries": 0,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery would close every database connection around every task; Django's own rule decides
# instead (config/celery.py), and Celery only recycles a connection after this many tasks.
CELERY_DB_REUSE_MAX = 1000
# A worker runs its tasks one at a time on a thread of its own process: a message costs its worker
# about a quarter less CPU than through a prefork child, which pickles each task and its result
# across a pipe (make bench: one worker's rates by pool). Nothing is lost with the child: a killed
# worker's message is put back by the next worker of its queue to start (messaging/tasks.py), a
# message that keeps killing it is buried by its delivery count, and the main thread still
# answers the health probe's ping while a task runs (the solo pool could not).
CELERY_WORKER_POOL = env("CELERY_WORKER_POOL", default="threads")
# On a lost broker connection the task in hand runs to its end (a thread cannot be stopped): its
# acknowledgement is lost with the connection, so the message is delivered again, and the inbox
# makes that second delivery harmless.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BEAT_SCHEDULER = "config.beat:Scheduler"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    f"sweep-{quantum}-outbox": {
        "task": "messaging.sweep_outbox",
        "schedule": MESSAGING_SWEEP_INTERVAL_SECONDS,
        "args": [quantum],
        # A sweep that waited longer than one interval is superseded by the next one.
        "options": {"queue": quantum, "expires": MESSAGING_SWEEP_INTERVAL_SECONDS},
    }
    for quantum in QUANTA
} | {
    f"prune-{quantum}-messages": {
        "task": "messaging.prune",
        "schedule": 24 * 3600,
        "args": [quantum],
        "options": {"queue": quantum},
    }
    for quantum in QUANTA
}
# The customer quantum's replica of the support-contract catalog: a table replication, not events.
SUPPORT_CONTRACT_SYNC_INTERVAL_SECONDS = env.float(
    "SUPPORT_CONTRACT_SYNC_INTERVAL_SECONDS", default=300.0
)
CELERY_BEAT_SCHEDULE["sync-support-contracts"] = {
    "task": "operations.sync_support_contracts",
    "schedule": SUPPORT_CONTRACT_SYNC_INTERVAL_SECONDS,
    "options": {"queue": "customer", "expires": SUPPORT_CONTRACT_SYNC_INTERVAL_SECONDS},
}

# The ticket processor is a periodic batch, so priorities are honoured across tickets.
ASSIGNMENT_INTERVAL_SECONDS = env.float("ASSIGNMENT_INTERVAL_SECONDS", default=60.0)
ASSIGNMENT_ALERT_AFTER_MINUTES = env.float("ASSIGNMENT_ALERT_AFTER_MINUTES", default=60.0)
CELERY_BEAT_SCHEDULE["assign-tickets"] = {
    "task": "ticketing.assign_tickets",
    "schedule": ASSIGNMENT_INTERVAL_SECONDS,
    "options": {"queue": "ticketing", "expires": ASSIGNMENT_INTERVAL_SECONDS},
}

# The monthly Payment job bills the month just ended, on the first of the next one (billing's queue).
CELERY_BEAT_SCHEDULE["run-payment-job"] = {
    "task": "billing.run_payment_job",
    "schedule": crontab(minute=0, hour=2, day_of_month=1),
    "options": {"queue": "billing"},
}
# The simulated payment provider answers after this many seconds, as a real one takes its time.
PAYMENT_PROVIDER_LATENCY_SECONDS = env.float("PAYMENT_PROVIDER_LATENCY_SECONDS", default=0.0)
# How many charges each billing worker process has in flight with the provider at once: threads
# that mostly wait for its answer. Each holds a database connection for its chunk, so billing's
# database must allow (worker processes x this) connections more.
PAYMENT_JOB_CONCURRENT_CHARGES = env.int("PAYMENT_JOB_CONCURRENT_CHARGES", default=32)
# Accounts per chunk of a month's run, one task on billing's queue each: small enough that a
# killed worker's chunk is taken up again quickly and that workers share the month's tail evenly.
PAYMENT_JOB_CHUNK_SIZE = env.int("PAYMENT_JOB_CHUNK_SIZE", default=1000)
# A chunk delivered this many times without finishing (its worker kept dying) is given up.
PAYMENT_JOB_CHUNK_MAX_DELIVERIES = env.int("PAYMENT_JOB_CHUNK_MAX_DELIVERIES", default=5)

# Managers' reports (UC-6): a ticket is overdue while it stays open longer than its priority's
# target resolution time, counted from its submission.
ANALYTICS_RESOLUTION_TARGET_HOURS = {"urgent": 8, "high": 24, "normal": 72, "low": 168}

# Notifications (UC-8). E-mail goes through Django's e-mail framework: the console by default, a
# folder (django.core.mail.backends.filebased.EmailBackend and EMAIL_FILE_PATH) or an SMTP server.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = environ.FileAwareEnv()("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Sysops Squad <sysops@localhost>")
# SMS through a pluggable backend (notifications.sms): the console by default, or a folder.
SMS_BACKEND = env("SMS_BACKEND", default="notifications.sms.ConsoleSmsBackend")
SMS_FILE_PATH = env("SMS_FILE_PATH", default=str(VAR_DIR / "sms"))
# A failed send is tried again after the base delay, doubled each time up to the maximum, and
# marked failed (resendable from admin) after the last attempt allowed.
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=5)
NOTIFICATIONS_RETRY_BASE_SECONDS = env.float("NOTIFICATIONS_RETRY_BASE_SECONDS", default=30.0)
NOTIFICATIONS_RETRY_MAX_SECONDS = env.float("NOTIFICATIONS_RETRY_MAX_SECONDS", default=3600.0)
NOTIFICATIONS_SEND_INTERVAL_SECONDS = env.float("NOTIFICATIONS_SEND_INTERVAL_SECONDS", default=5.0)
CELERY_BEAT_SCHEDULE["send-notifications"] = {
    "task": "notifications.send_due",
    "schedule": NOTIFICATIONS_SEND_INTERVAL_SECONDS,
    "options": {"queue": "notifications", "expires": NOTIFICATIONS_SEND_INTERVAL_SECONDS},
}

# Surveys (UC-4): links in e-mails must be absolute, and the workers that write them serve no
# request to take the host from, so the portal's public address is configured.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# A survey link works once, for this many days after the ticket is completed: long enough for a
# customer back from a trip, short enough that the answer is still about this repair.
SURVEY_LINK_MAX_AGE_DAYS = env.int("SURVEY_LINK_MAX_AGE_DAYS", default=14)

# Every line names its flow (correlation id) and the message being handled, in every process;
# LOG_FORMAT=json writes one JSON object a line for a log collector.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# What a worker prints (the console e-mail and SMS backends print every message they send) is
# logged as information, not as Celery's default WARNING, which made each e-mail look like a fault.
CELERY_WORKER_REDIRECT_STDOUTS_LEVEL = "INFO"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"flow": {"()": "messaging.flow.FlowLogFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s "
            "[correlation=%(correlation_id)s message=%(message_id)s] %(message)s"
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(correlation_id)s %(message_id)s "
            "%(process)d %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env("LOG_FORMAT", default="plain"),
            "filters": ["flow"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # Celery's line per task received and succeeded, and the scheduler's per task sent, come every
    # few seconds from the periodic jobs even when they find nothing to do: an idle system would
    # fill the terminal. Each job logs what it did instead; failures still show (WARNING, ERROR).
    # TASK_LOG_LEVEL=INFO shows them again, for whoever counts task runs (the integration tests).
    "loggers": {
        name: {"level": env("TASK_LOG_LEVEL", default="WARNING")}
        for name in ("celery.app.trace", "celery.worker.strategy", "celery.beat")
    },
}
