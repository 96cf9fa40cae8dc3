from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


def shows_on_pages(model):
    """
    Whether rows of `model` appear on public pages, so that changing one makes
    stored pages stale. Content apps say so on their AppConfig
    (`public_content = True`); a model of theirs that visitors write but never
    see (a donate click) says `shown_on_pages = False`.
    """
    return getattr(model._meta.app_config, "public_content", False) and getattr(model, "shown_on_pages", True)


def on_content_change(sender, **kwargs):
    from pagecache.generations import invalidate_on_content_change

    if shows_on_pages(sender):
        invalidate_on_content_change(sender, **kwargs)


class PageCacheConfig(AppConfig):
    name = "pagecache"
    verbose_name = "Page cache"

    def ready(self):
        # A module-level receiver: signals hold receivers weakly, and a function
        # defined in here would be garbage-collected, silently ending invalidation.
        for name, signal in {"post_save": post_save, "post_delete": post_delete, "m2m_changed": m2m_changed}.items():
            signal.connect(on_content_change, dispatch_uid=f"ribbon-page-cache-{name}")
