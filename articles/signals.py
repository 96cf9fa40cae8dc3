"""
A tag's name is in the search text of its articles. An article's own paths refresh it
(Article.refresh_from_rows), but tags also change from the other side and by cascade, which no
save of an article sees: these receivers cover those. Connected when the app is ready.
"""

from django.db.models.signals import m2m_changed, post_delete, pre_delete
from django.dispatch import receiver

from .models import Article, Tag, refresh_search_rows


@receiver(m2m_changed, sender=Article.tags.through, dispatch_uid="article-tags-search")
def _tags_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action == "pre_clear" and reverse:
        instance._tagged = list(instance.articles.values_list("pk", flat=True))
    if action in ("post_add", "post_remove", "post_clear"):
        if not reverse:
            refresh_search_rows([instance.pk])
        elif action == "post_clear":
            refresh_search_rows(getattr(instance, "_tagged", []))
        else:
            refresh_search_rows(pk_set or [])


@receiver(pre_delete, sender=Tag, dispatch_uid="article-tag-deleted-search-before")
def _tag_going(sender, instance, **kwargs):
    instance._tagged = list(instance.articles.values_list("pk", flat=True))


@receiver(post_delete, sender=Tag, dispatch_uid="article-tag-deleted-search")
def _tag_gone(sender, instance, **kwargs):
    refresh_search_rows(getattr(instance, "_tagged", []))
