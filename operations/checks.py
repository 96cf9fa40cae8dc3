"""
Deployment checks (`manage.py check --deploy`) for settings Django cannot judge itself.

One machine needs nothing beyond the defaults: the cache is a folder every
worker shares, the database may be SQLite, media a local folder. With more
than one server (RIBBON_SERVER_COUNT) each of those must be shared, or an
edit saved on one server would not reach the others.
"""

from django.conf import settings
from django.core.checks import Warning, register

# Caches that live on one machine (or in one process) only.
LOCAL_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
    "django.core.cache.backends.filebased.FileBasedCache",
    "pagecache.backends.PageFileCache",
}


@register(deploy=True)
def shared_across_servers(app_configs, **kwargs):
    servers = settings.RIBBON_SERVER_COUNT
    if servers <= 1:
        return []
    problems = []
    cache = settings.CACHES[settings.RIBBON_PAGE_CACHE_ALIAS]
    if cache["BACKEND"] in LOCAL_CACHES and settings.RIBBON_PAGE_CACHE_SECONDS > 0:
        problems.append(
            Warning(
                f"RIBBON_SERVER_COUNT is {servers} but the page cache is kept on each machine, so an edit "
                f"saved on one server reaches the others only when their copy expires (up to "
                f"{settings.RIBBON_PAGE_CACHE_SECONDS} s).",
                hint="Set REDIS_URL (e.g. redis://cache.internal:6379/0) so that every server shares one cache.",
                id="ribbon.W001",
            )
        )
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        problems.append(
            Warning(
                f"RIBBON_SERVER_COUNT is {servers} but the database is a SQLite file, which only one machine can use.",
                hint="Set DATABASE_URL to a PostgreSQL database that every server reaches.",
                id="ribbon.W002",
            )
        )
    if settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage":
        problems.append(
            Warning(
                f"RIBBON_SERVER_COUNT is {servers} but uploaded pictures are stored on each machine's disk, "
                "so a picture uploaded through one server is missing on the others.",
                hint="Set AWS_STORAGE_BUCKET_NAME (and AWS_S3_ENDPOINT_URL for a store that is not AWS).",
                id="ribbon.W003",
            )
        )
    return problems
