from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save, pre_save


def shows_on_pages(model):
    """
    Whether rows of `model` appear on public pages, so that changing one makes
    stored pages stale. Content apps say so on their AppConfig
    (`public_content = True`); a model of theirs that visitors write but never
    see (a donate click) says `shown_on_pages = False`.
    """
    return getattr(model._meta.app_config, "public_content", False) and getattr(model, "shown_on_pages", True)


# Signal receivers: module-level, since signals hold receivers weakly and a function defined in
# ready() would be garbage-collected, silently ending invalidation. Rows saved raw count too: a
# version put back (an approval, a revert, a recovery: core.versions) is saved that way.


def before_save(sender, instance, **kwargs):
    from pagecache.tags import before_save

    if shows_on_pages(sender):
        instance._page_before_save = before_save(instance)


def on_save(sender, instance, created=False, using=None, **kwargs):
    from pagecache.generations import invalidate
    from pagecache.tags import saved_tags

    if shows_on_pages(sender):
        invalidate(using, saved_tags(instance, created, instance.__dict__.pop("_page_before_save", None)))


def on_delete(sender, instance, using=None, **kwargs):
    from pagecache.generations import invalidate
    from pagecache.tags import deleted_tags

    if shows_on_pages(sender):
        invalidate(using, deleted_tags(instance))


def on_links_change(sender, instance, action, model, pk_set, using=None, **kwargs):
    from pagecache.generations import invalidate
    from pagecache.tags import linked_tags

    if not (shows_on_pages(type(instance)) or shows_on_pages(model)):
        return
    if action == "pre_clear":
        # clear() names no rows afterwards: find them now, in the table of links.
        links = sender._meta.concrete_fields
        own = next(field for field in links if field.is_relation and field.related_model is type(instance))
        other = next(field for field in links if field.related_model is model and field is not own)
        rows = sender._base_manager.using(using).filter(**{own.attname: instance.pk})
        instance._page_cleared = set(rows.values_list(other.attname, flat=True))
    elif action == "post_clear":
        invalidate(using, linked_tags(instance, model, instance.__dict__.pop("_page_cleared", set())))
    elif action in {"post_add", "post_remove"} and pk_set:
        invalidate(using, linked_tags(instance, model, pk_set))


def on_row_read(sender, instance, **kwargs):
    from pagecache.tags import record_row

    record_row(sender, instance)


class PageCacheConfig(AppConfig):
    name = "pagecache"
    verbose_name = "Page cache"

    def ready(self):
        pre_save.connect(before_save, dispatch_uid="ribbon-page-cache-pre-save")
        post_save.connect(on_save, dispatch_uid="ribbon-page-cache-post-save")
        post_delete.connect(on_delete, dispatch_uid="ribbon-page-cache-post-delete")
        m2m_changed.connect(on_links_change, dispatch_uid="ribbon-page-cache-m2m")
        post_init.connect(on_row_read, dispatch_uid="ribbon-page-cache-post-init")
