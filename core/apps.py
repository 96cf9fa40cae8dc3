from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save

# Apps whose content appears on public pages: any save or delete there makes
# cached pages stale. Models that are written by visitors, not shown to them,
# are left out, or every donate click would empty the cache.
CONTENT_APPS = frozenset({"treatments", "faq", "donations"})
NOT_SHOWN_ON_PAGES = frozenset({"donations.donateclick"})


def on_content_change(sender, **kwargs):
    from core.page_cache import invalidate_on_content_change

    meta = sender._meta
    if meta.app_label in CONTENT_APPS and meta.label_lower not in NOT_SHOWN_ON_PAGES:
        invalidate_on_content_change(sender, **kwargs)


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Site"

    def ready(self):
        from core import checks  # noqa: F401 - registers the deployment checks

        # A module-level receiver: signals hold receivers weakly, and a function
        # defined in here would be garbage-collected, silently ending invalidation.
        for name, signal in {"post_save": post_save, "post_delete": post_delete, "m2m_changed": m2m_changed}.items():
            signal.connect(on_content_change, dispatch_uid=f"ribbon-page-cache-{name}")
