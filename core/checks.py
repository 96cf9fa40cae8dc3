"""Deployment checks (`manage.py check --deploy`) for settings Django cannot judge itself."""

from django.conf import settings
from django.core.checks import Warning, register

LOCAL_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register(deploy=True)
def shared_page_cache(app_configs, **kwargs):
    backend = settings.CACHES[settings.RIBBON_PAGE_CACHE_ALIAS]["BACKEND"]
    if backend in LOCAL_CACHES and settings.RIBBON_PAGE_CACHE_SECONDS > 0:
        return [
            Warning(
                "The page cache lives in each process's memory, so an edit saved through one "
                "gunicorn worker or server empties only that one's cache: the others show the "
                f"old page for up to {settings.RIBBON_PAGE_CACHE_SECONDS} s.",
                hint="Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) so that every process shares one cache.",
                id="ribbon.W001",
            )
        ]
    return []
