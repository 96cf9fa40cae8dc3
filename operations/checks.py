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


def _kept_on_each_machine():
    """(id, what is kept on one machine only, how to share it) for each part of the site that must be shared."""
    cache = settings.CACHES[settings.RIBBON_PAGE_CACHE_ALIAS]
    if cache["BACKEND"] in LOCAL_CACHES and settings.RIBBON_PAGE_CACHE_SECONDS > 0:
        yield (
            "ribbon.W001",
            "the page cache is kept on each machine, so an edit saved on one server reaches the others only "
            f"when their copy expires (up to {settings.RIBBON_PAGE_CACHE_SECONDS} s).",
            "Set REDIS_URL (e.g. redis://cache.internal:6379/0) so that every server shares one cache.",
        )
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        yield (
            "ribbon.W002",
            "the database is a SQLite file, which only one machine can use.",
            "Set DATABASE_URL to a PostgreSQL database that every server reaches.",
        )
    if settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage":
        yield (
            "ribbon.W003",
            "uploaded pictures are stored on each machine's disk, so a picture uploaded through one server is "
            "missing on the others.",
            "Set AWS_STORAGE_BUCKET_NAME (and AWS_S3_ENDPOINT_URL for a store that is not AWS).",
        )


@register(deploy=True)
def shared_across_servers(app_configs, **kwargs):
    servers = settings.RIBBON_SERVER_COUNT
    if servers <= 1:
        return []
    return [
        Warning(f"RIBBON_SERVER_COUNT is {servers} but {problem}", hint=hint, id=check_id)
        for check_id, problem, hint in _kept_on_each_machine()
    ]
