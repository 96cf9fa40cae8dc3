"""
Ribbon's settings.

Every knob that differs between a laptop and production is read from the
environment, with defaults that are safe for local development: debug on,
a SQLite file beside this project, media in ./media. Production sets
DJANGO_DEBUG=0 and must then provide a real secret key; see README.md.
"""

import datetime
import math
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    """Read a yes/no variable; anything unrecognised is an error, not a guess."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0 (got {raw!r}).")


def env_number(name, default, *, kind=int, minimum=0):
    """
    Read a number. A value that is not one (RIBBON_PAGE_CACHE_SECONDS=five) stops
    every command with one line naming the variable, instead of a traceback.
    """
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    what = "a whole number" if kind is int else "a number"
    try:
        value = kind(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be {what} (got {raw!r}).") from None
    if not math.isfinite(value) or value < minimum:
        raise ImproperlyConfigured(f"{name} must be {what} of at least {minimum} (got {raw!r}).")
    return value


def env_float(name, default, *, minimum=0):
    return env_number(name, default, kind=float, minimum=minimum)


def env_list(name, default):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "").strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set: with DJANGO_DEBUG=0 set DJANGO_SECRET_KEY "
            "to a long random string (for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
        )
    # Only ever used with DEBUG on, so it protects nothing real.
    SECRET_KEY = "insecure-development-only-key-never-used-in-production"

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS",
    ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else [],
)

# The public address of the site, used for canonical and Open Graph URLs so
# that they do not depend on whatever Host header a request carried.
SITE_URL = os.environ.get("RIBBON_SITE_URL", "").strip().rstrip("/")
SITE_NAME = os.environ.get("RIBBON_SITE_NAME", "Ribbon").strip() or "Ribbon"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "csp",
    "axes",
    "markdownx",
    "reversion",
    "reversion_compare",
    # Content infrastructure every app builds on (abstract models, markdown, images, text).
    "core",
    # Infrastructure on top of it, each one idea: reading staff's files, the anonymous page cache,
    # how hard a text is to read, search, and running the site (backups, health, logs, error reports,
    # deployment checks).
    "importing",
    "pagecache",
    "readability",
    "search",
    "operations",
    # Medical sign-off: reviewers and the approval rule; the content apps below use it.
    "review",
    "treatments",
    "faq",
    "glossary",
    "feedback",
    "donations",
    "articles",
    # Assembles the site from the apps above (home page, demo content); nothing imports it.
    "pages",
]

MIDDLEWARE = [
    # Outermost, so that its one line per request times everything below it (operations.request_log).
    "operations.request_log.RequestLogMiddleware",
    # Then: probes by load balancers and supervisors (/healthz, /healthz/live) skip the host check,
    # the HTTPS redirect and the page cache (operations.health).
    "operations.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the request: a NUL anywhere in it, or a huge parameter, is a 400.
    "operations.request_guard.RequestGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The page's language, from its address alone: before the page cache, which stores pages by address.
    "core.languages.PathLanguageMiddleware",
    # Before sessions, CSRF and auth: a cache hit for an anonymous visitor skips them all.
    "pagecache.middleware.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "core.context_processors.site",
                "pages.context_processors.sections",
                "donations.context_processors.donate_source",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_number("DJANGO_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A transaction on SQLite takes the write lock when it begins, not at its
    # first write: two workers saving the same page then queue (up to the
    # timeout) instead of failing with "database is locked", and the second
    # save's no-lost-updates check sees the first (core.admin.VersionedAdmin).
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database server that does not answer fails a request (and /healthz) within seconds
    # instead of holding a worker until the operating system gives up.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_number("DJANGO_DB_CONNECT_TIMEOUT", 5, minimum=1)
    )

# How many application servers (machines) run this site. One is the default
# and needs nothing more; with more, `check --deploy` asks for what they must
# share: the cache (REDIS_URL), the database and the media.
RIBBON_SERVER_COUNT = env_number("RIBBON_SERVER_COUNT", 1, minimum=1)

# Cache (the page cache lives in it). Without REDIS_URL: a folder on this
# machine, which every worker process of `make serve` shares, so an edit
# reaches all of them at once. With REDIS_URL: Redis, shared by every server.
# Short socket timeouts: a slow or absent Redis must never hold up a page
# (pagecache treats any cache error as an empty cache).
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
CACHE_KEY_PREFIX = os.environ.get("RIBBON_CACHE_KEY_PREFIX", "ribbon").strip()
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }
else:
    CACHE_DIR = Path(os.environ.get("RIBBON_CACHE_DIR", "").strip() or BASE_DIR / "var" / "cache")
    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ImproperlyConfigured(
            f"RIBBON_CACHE_DIR: the page cache's folder {CACHE_DIR} cannot be made ({error.strerror}); "
            "point RIBBON_CACHE_DIR at a folder this user can write."
        ) from None
    CACHES = {
        "default": {
            "BACKEND": "pagecache.backends.PageFileCache",
            "LOCATION": str(CACHE_DIR),
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            # A flood of addresses can only ever fill this many files; the oldest third then makes way.
            "OPTIONS": {"MAX_ENTRIES": env_number("RIBBON_CACHE_MAX_ENTRIES", 3000, minimum=10)},
        }
    }
# Short-lived counters (core.clients.within_limit: donate clicks, feedback, new searches), kept
# apart from the pages so that neither can push the other out.
if REDIS_URL:
    CACHES["counters"] = {**CACHES["default"], "KEY_PREFIX": f"{CACHE_KEY_PREFIX}-counters"}
else:
    CACHES["counters"] = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(CACHE_DIR / "counters"),
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    }
# Kept pages of search results (search.results), in each worker's memory: apart from the pages, so that no
# number of searches can push a page out, and bounded, the least recently used making way (a page of 20 FAQ
# answers is some 60 KB). Redis cannot bound one kind of entry on its own (its memory limit evicts pages
# too); results are checked against the page cache's generation, so an edit on any server makes every
# worker's kept results stale at once.
CACHES["search"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "ribbon-search-results",
    "OPTIONS": {"MAX_ENTRIES": env_number("RIBBON_SEARCH_CACHE_MAX_ENTRIES", 200, minimum=1)},
}
# Rendered parts of pages ({% cache … using="fragments" %}), in each worker's memory, the same way: keyed
# by the page cache's generation, so an edit on any server makes them stale in every worker at once. A
# treatment page's content is some 20 KB.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "ribbon-page-fragments",
    "OPTIONS": {"MAX_ENTRIES": 1000},
}
# The stored pages each worker served last, as it read them from the page cache: a hit on one reads no
# file and, on Redis, fetches no page. Each is served only while the shared copy would be (the same
# generation, every tag's version, its expiry: pagecache.stored). A page is some 5 to 17 KB compressed.
CACHES["recent-pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "ribbon-recent-pages",
    "OPTIONS": {"MAX_ENTRIES": 500},
}
RIBBON_COUNTER_CACHE_ALIAS = "counters"
RIBBON_PAGE_CACHE_ALIAS = "default"
RIBBON_SEARCH_CACHE_ALIAS = "search"
# How long a rendered public page is kept (0 turns the page cache off). Edits
# invalidate at once; the limit only bounds time-based text such as "12 days left".
RIBBON_PAGE_CACHE_SECONDS = env_number("RIBBON_PAGE_CACHE_SECONDS", 300)
# How long a page of search results is kept (0: never). Any edit makes kept results stale at once,
# as for pages; the key is a keyed hash, so the cache never holds the words searched for.
RIBBON_SEARCH_CACHE_SECONDS = env_number("RIBBON_SEARCH_CACHE_SECONDS", 300)
# How many searches the database must work out (words whose results are not kept: new ones, or ones that
# found nothing) one visitor may make in a minute, both search boxes together; kept results are never counted.
# 0: no limit. A person searching, paging and trying other words makes a handful; a connection several people
# share (a ward, a library) a few more.
RIBBON_SEARCHES_PER_MINUTE = env_number("RIBBON_SEARCHES_PER_MINUTE", 30)
# How long browsers may reuse a public page without asking (then they ask with
# its ETag and usually get a 304).
RIBBON_BROWSER_CACHE_SECONDS = env_number("RIBBON_BROWSER_CACHE_SECONDS", 60)
# What identifies the code serving pages (e.g. a git commit); by default a
# fingerprint of the code, templates and static files (pagecache.release).
RIBBON_RELEASE = os.environ.get("RIBBON_RELEASE", "").strip()

# Sessions stay in the database, shared by every server and untouched by a cache outage.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Public pages in English at their addresses and in each other language under its code, /es/… for
# Spanish (config/urls.py); the admin is in English. A third language: README.md, "Translating".
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates as each language writes them (config/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]

MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Uploaded media: a folder on this machine by default. With more than one
# server, set AWS_STORAGE_BUCKET_NAME (and AWS_S3_ENDPOINT_URL for any
# S3-compatible store, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) so that every
# server reads and writes the same object storage. Uploaded names are random and
# never reused, so objects are sent with a one-year immutable cache lifetime.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
MEDIA_ORIGIN = ""
if AWS_STORAGE_BUCKET_NAME:
    _endpoint = os.environ.get("AWS_S3_ENDPOINT_URL", "").strip() or None
    _custom_domain = os.environ.get("AWS_S3_CUSTOM_DOMAIN", "").strip() or None
    _region = os.environ.get("AWS_S3_REGION_NAME", "").strip() or None
    _S3_OPTIONS = {
        "bucket_name": AWS_STORAGE_BUCKET_NAME,
        "endpoint_url": _endpoint,
        "region_name": _region,
        "custom_domain": _custom_domain,
        "location": os.environ.get("AWS_LOCATION", "media").strip(),
        "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE", "").strip() or None,
        # Public pictures at stable addresses (a bucket policy, or AWS_DEFAULT_ACL=public-read,
        # makes them readable); AWS_QUERYSTRING_AUTH=1 signs every address for a private bucket.
        "querystring_auth": env_bool("AWS_QUERYSTRING_AUTH", False),
        "querystring_expire": env_number("AWS_QUERYSTRING_EXPIRE", 24 * 3600, minimum=1),
        "default_acl": os.environ.get("AWS_DEFAULT_ACL", "").strip() or None,
        "file_overwrite": False,
        "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
    }
    _DEFAULT_STORAGE = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _S3_OPTIONS}
    # Pages show pictures from there: the Content-Security-Policy must allow it.
    if _custom_domain:
        MEDIA_ORIGIN = f"https://{_custom_domain}"
    elif _endpoint:
        MEDIA_ORIGIN = _endpoint.rstrip("/")
    else:
        MEDIA_ORIGIN = f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com"
    MEDIA_ORIGIN = os.environ.get("RIBBON_MEDIA_ORIGIN", MEDIA_ORIGIN).strip()
else:
    _DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

# Without object storage or a web server in front, Django itself can serve
# ./media (`make serve` does); always on while developing.
SERVE_MEDIA = env_bool("RIBBON_SERVE_MEDIA", DEBUG) and not AWS_STORAGE_BUCKET_NAME

STORAGES = {
    "default": _DEFAULT_STORAGE,
    "staticfiles": {
        # Hashed, compressed files in production; plain files while developing
        # so that nobody has to run collectstatic to see a CSS change.
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "operations.static_files.CompressedStaticFiles"
        ),
    },
}

# While developing (and in tests) whitenoise serves straight from static/.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Uploaded images: size cap in bytes, shared by markdownx and the importer.
RIBBON_MAX_UPLOAD_BYTES = env_number("RIBBON_MAX_UPLOAD_BYTES", 5 * 1024 * 1024, minimum=1)
# E-mail (review reminders, changed donate links). Without EMAIL_HOST, messages are printed to the
# console (the server's log); with it, sent by SMTP. README: "E-mail".
EMAIL_HOST = os.environ.get("EMAIL_HOST", "").strip()
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "").strip() or (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_number("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be 1: set EMAIL_USE_TLS=0 for SSL.")
EMAIL_TIMEOUT = env_number("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "").strip() or f"{SITE_NAME} <no-reply@localhost>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The hardest a medical page should be to read, as a SMOG grade (readability.grades). NHS pages aim at a
# reading age of 9 to 11; above this, the admin marks a treatment "hard to read".
RIBBON_READING_GRADE_TARGET = env_number("RIBBON_READING_GRADE_TARGET", 9, minimum=1)
# A Spanish page is read on the INFLESZ scale instead (readability.spanish), where higher is easier: below
# this it is marked hard to read. 55 is the bottom of "normal", what patient information should reach.
RIBBON_READING_INFLESZ_TARGET = env_number("RIBBON_READING_INFLESZ_TARGET", 55, minimum=0)
if RIBBON_READING_INFLESZ_TARGET > 100:
    raise ImproperlyConfigured(
        f"RIBBON_READING_INFLESZ_TARGET must be a score from 0 to 100 (got {RIBBON_READING_INFLESZ_TARGET})."
    )

# A reviewer's comparison of two versions: a link (the English page a translation translates, the version
# it was made from) has changed only if it leads elsewhere. The library's default marks every link as
# changed whenever anything else changed.
REVERSION_COMPARE_FOREIGN_OBJECTS_AS_ID = True

# Markdown: one renderer for the admin preview and the public pages.
MARKDOWNX_MARKDOWNIFY_FUNCTION = "core.markdown.render_markdown"
MARKDOWNX_URLS_PATH = "/markdownx/markdownify/"
MARKDOWNX_UPLOAD_URLS_PATH = "/markdownx/upload/"
MARKDOWNX_MEDIA_PATH = "markdownx/"
MARKDOWNX_UPLOAD_MAX_SIZE = RIBBON_MAX_UPLOAD_BYTES
MARKDOWNX_UPLOAD_CONTENT_TYPES = ["image/jpeg", "image/png", "image/webp"]
MARKDOWNX_IMAGE_MAX_SIZE = {"size": (1600, 1600), "quality": 85}

# The largest single gift the donate button passes on to a provider.
RIBBON_MAX_DONATION = env_number("RIBBON_MAX_DONATION", 100000, minimum=1)

# The most one payment a provider reports (its webhook, or a row of its export) can be, in the campaign's
# currency: ten times Stripe's ceiling for one card payment in dollars, pounds or euros (999,999.99), so
# no real gift is refused, while a slip of the keyboard or a forged row cannot put a fortune on a public
# page. A campaign counted in a currency of small units (rupiah, dong) raises it. It stays below what an
# amount can hold (14 digits, 3 of them decimals).
RIBBON_MAX_GIFT = env_number("RIBBON_MAX_GIFT", 10_000_000, minimum=1)
if RIBBON_MAX_GIFT >= 10**11:
    raise ImproperlyConfigured(f"RIBBON_MAX_GIFT must be less than 100,000,000,000 (got {RIBBON_MAX_GIFT}).")

# The signing secrets of Stripe's webhook endpoint (whsec_…), comma-separated while one is rolled
# over to the next; without one, /donate/webhooks/stripe/ answers 503 and Stripe retries.
STRIPE_WEBHOOK_SECRETS = env_list("STRIPE_WEBHOOK_SECRET", [])
for _secret in STRIPE_WEBHOOK_SECRETS:
    if not _secret.startswith("whsec_"):
        raise ImproperlyConfigured(
            "STRIPE_WEBHOOK_SECRET must be the endpoint's signing secret from Stripe, which starts with whsec_."
        )

# The key that signs every backup (operations.backups), so that a restore takes only an archive this site made:
# kept apart from the archives. Comma-separated while one is rolled over to the next: the first signs,
# any of them is accepted by a restore. Without one, `backup` and `restore` refuse (README: Backups).
BACKUP_KEYS = env_list("RIBBON_BACKUP_KEY", [])
for _key in BACKUP_KEYS:
    if len(_key) < 32 or any(character.isspace() for character in _key):
        raise ImproperlyConfigured(
            "RIBBON_BACKUP_KEY must be at least 32 characters with no spaces "
            "(make one with `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)."
        )
# The most a restore may unpack (database and media together) before it changes anything.
RESTORE_MAX_BYTES = env_number("RIBBON_RESTORE_MAX_MB", 10240, minimum=1) * 1024 * 1024

# The importer's download of a hero image: it must never hang a command.
RIBBON_IMAGE_DOWNLOAD_TIMEOUT = env_float("RIBBON_IMAGE_DOWNLOAD_TIMEOUT", 5.0, minimum=0.1)

# The admin's address: moving it off /admin/ cuts the noise of scripted attacks.
ADMIN_URL = os.environ.get("DJANGO_ADMIN_URL", "admin/").strip().strip("/") + "/"
if ADMIN_URL == "/":
    raise ImproperlyConfigured("DJANGO_ADMIN_URL cannot be empty; use e.g. 'staff-office/'.")

# HTTPS and browser protections. Production defaults are the strict ones;
# every one can be set from the environment (see README.md).
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto, say so:
BEHIND_TLS_PROXY = env_bool("DJANGO_BEHIND_TLS_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
# How many proxies of our own append to X-Forwarded-For (core.clients): the
# client's address is read from that header only when this is above 0.
RIBBON_TRUSTED_PROXIES = env_number("RIBBON_TRUSTED_PROXIES", 1 if BEHIND_TLS_PROXY else 0)
SECURE_HSTS_SECONDS = env_number("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # markdownx's preview script reads the token.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy: only this site's own scripts, styles and images.
# JSON-LD blocks are data, not script, and need no exception.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *([MEDIA_ORIGIN] if MEDIA_ORIGIN else [])],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Admin login: repeated failures lock out both the account and the address.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_number("RIBBON_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_number("RIBBON_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
# Lock the pair, not either alone: wrong guesses for "root" from one address
# lock "root" out from that address only, so nobody elsewhere can lock a
# staff member out, and behind the proxy one visitor cannot lock out everyone.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client's address behind the proxy, as django-axes documents for reverse
# proxies (a callable given the request); the same function counts donate clicks.
AXES_CLIENT_IP_CALLABLE = "core.clients.client_address"
# The only staff login is the admin's: after it (or when its `next` address
# was refused as unsafe) staff land on the admin, never on /accounts/profile/.
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"
AXES_RESET_ON_SUCCESS = True
# A lock-out lasts AXES_COOLOFF_TIME from the last wrong password, as the lock-out page says: trying again
# while locked (nothing is checked then) does not start it again.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "pages/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429

# Logs go to the console (the server's output), as plain lines or, with RIBBON_LOG_FORMAT=json, one JSON
# object per line for a log collector. In production every request adds one line (operations.request_log).
_log_format = os.environ.get("RIBBON_LOG_FORMAT", "")
RIBBON_LOG_FORMAT = _log_format.strip().lower() or "plain"
if RIBBON_LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"RIBBON_LOG_FORMAT must be plain or json (got {_log_format!r}).")
RIBBON_REQUEST_LOG = env_bool("RIBBON_REQUEST_LOG", not DEBUG)
_log_level = os.environ.get("DJANGO_LOG_LEVEL", "")
LOG_LEVEL = _log_level.strip().upper() or "WARNING"
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"DJANGO_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL (got {_log_level!r})."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "operations.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": RIBBON_LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"ribbon.requests": {"level": "INFO"}},
}

# Error reports to Sentry, only when SENTRY_DSN is set: without personal data, request bodies, query
# strings or local variables (operations.error_reports). Without it nothing is sent and sentry-sdk is not loaded.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "").strip()
if SENTRY_DSN:
    from operations.error_reports import start_error_reports

    start_error_reports(
        SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "").strip() or "production",
        release=RIBBON_RELEASE,
    )
