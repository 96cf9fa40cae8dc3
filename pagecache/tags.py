"""
What a stored page was built from, and which stored pages a change makes stale.

A page records tags while it renders (`collecting`):
- a tag for each row of public content it reads (`faq.question:12`); a row
  that only ever shows as part of another (a treatment's points, a
  campaign's gifts: `page_parent` on the model) records that other row;
- a tag for each kind of public content it asks the database about
  (`faq.question`), read off the tables in its SQL, so that a list, a count
  or a sum is tagged even when it found no row.

A committed change marks its own tags changed (`changed_tags`): the row's
tag; its kind's tag too when the row is new or gone, or when a field changed
that can move it into, out of or within a list (every field but the ones its
model names in `page_content_fields`); a part's change marks the row it is
part of. A link added or removed between two rows marks both rows and both
kinds. So an approved edit of one treatment's text makes stale the pages that
show that treatment, and a gift the pages that show its campaign; nothing else.
"""

import functools
from contextlib import contextmanager
from contextvars import ContextVar

from django.apps import apps
from django.db import connection

from pagecache.apps import shows_on_pages

_collecting = ContextVar("ribbon_page_tags", default=None)


def row_tag(model, pk):
    return f"{model._meta.label_lower}:{pk}"


def kind_tag(model):
    return model._meta.label_lower


def is_collecting():
    return _collecting.get() is not None


@contextmanager
def collecting():
    """Record the tags of what is read inside: yields the set they are added to."""
    tags = set()
    token = _collecting.set(tags)
    try:
        with connection.execute_wrapper(_record_tables):
            yield tags
    finally:
        _collecting.reset(token)


def _record_tables(execute, sql, params, many, context):
    tags = _collecting.get()
    if tags is not None:
        tags.update(tag for quoted, tag in _kinds_by_table() if quoted in sql)
    return execute(sql, params, many, context)


@functools.cache
def _kinds_by_table():
    """(the table's name as SQL quotes it, its kind's tag) for every kind of row that pages list."""
    quote = connection.ops.quote_name
    return tuple(
        (quote(model._meta.db_table), kind_tag(model))
        for model in apps.get_models()
        if shows_on_pages(model) and not model._meta.auto_created and not getattr(model, "page_parent", None)
    )


def record_row(sender, instance, **kwargs):
    """
    post_init receiver: a row read while a page renders tags the page. A part
    also remembers the whole it was read with, so that moving it to another
    marks both.
    """
    parent = getattr(sender, "page_parent", None)
    if parent and instance.pk is not None:
        instance._page_parent_when_read = _whole_rows(instance, read=False)
    tags = _collecting.get()
    if tags is not None and instance.pk is not None and shows_on_pages(sender) and _more_than_listed(instance):
        tags.update(_whole_rows(instance))


def _more_than_listed(instance):
    """
    Whether the page may show more of this row than its place in a list (a
    title, an address): a row read with only the columns that place it in
    lists (`.only("slug", "title")`) needs no tag of its own, since any change
    to those marks its kind, which the page has from its SQL. A field read
    later (deferred) is read by a query of its own, whose row is tagged.
    """
    if getattr(type(instance), "page_parent", None):
        return True
    return any(name in instance.__dict__ for name in _content_columns(type(instance)))


@functools.cache
def _content_columns(model):
    only_content = content_only_fields(model)
    return tuple(field.attname for field in model._meta.concrete_fields if field.name in only_content)


def _whole_rows(instance, read=True):
    """
    The tags of the rows `instance` shows as part of (itself, if it stands
    alone); a part of a part is followed to its whole only if `read`.
    """
    parent = getattr(type(instance), "page_parent", None)
    if not parent:
        return {row_tag(type(instance), instance.pk)}
    field = type(instance)._meta.get_field(parent)
    parent_pk = getattr(instance, field.attname)
    if parent_pk is None:
        return set()
    parent_model = field.related_model
    if getattr(parent_model, "page_parent", None):
        if not read:
            return set()
        # A part of a part (a refund of a gift): the whole it belongs to, read from the database.
        parent_row = parent_model._base_manager.filter(pk=parent_pk).first()
        return _whole_rows(parent_row) if parent_row is not None else set()
    return {row_tag(parent_model, parent_pk)}


def tags_of_rows(model, pks):
    """
    What pages that show these rows recorded: each row's own tag, or, for a part of another row (an
    article's question), its whole's. For rows changed by a bulk update, which sends no signals.
    """
    if not getattr(model, "page_parent", None):
        return {row_tag(model, pk) for pk in pks}
    tags = set()
    for row in model._base_manager.filter(pk__in=list(pks)):
        tags |= _whole_rows(row)
    return tags


# What a change makes stale ------------------------------------------------------------------


@functools.cache
def content_only_fields(model):
    """The fields `model` and its bases name in `page_content_fields`: they change what a row shows, never where."""
    names = set()
    for klass in model.__mro__:
        names.update(klass.__dict__.get("page_content_fields", ()))
    return frozenset(names)


@functools.cache
def list_fields(model):
    """The columns whose change can move a row into, out of or within a list of its kind."""
    skip = content_only_fields(model)
    fields = model._meta.concrete_fields
    return tuple(field.attname for field in fields if not (field.name in skip or field.primary_key))


def before_save(instance):
    """
    What a row standing alone held before a save, in the columns that place
    it in lists (None: new, or a part of another row): as it was read, where
    the model keeps that (core.models.PublishableModel.from_db), else as the
    database holds it.
    """
    model = type(instance)
    if instance.pk is None or getattr(model, "page_parent", None):
        return None
    fields = list_fields(model)
    loaded = getattr(instance, "_loaded_values", None)
    if loaded is not None and all(name in loaded for name in fields):
        return {name: loaded[name] for name in fields}
    return model._base_manager.filter(pk=instance.pk).values(*fields).first()


def saved_tags(instance, created, before):
    tags = _whole_rows(instance)
    model = type(instance)
    if getattr(model, "page_parent", None):
        return tags | getattr(instance, "_page_parent_when_read", set())
    if created or before is None or any(getattr(instance, name) != before[name] for name in list_fields(model)):
        tags.add(kind_tag(model))
    return tags


def deleted_tags(instance):
    tags = _whole_rows(instance)
    if not getattr(type(instance), "page_parent", None):
        tags.add(kind_tag(type(instance)))
    return tags


def linked_tags(instance, model, pk_set):
    """A link added or removed between `instance` and rows of `model`: both rows, and both kinds."""
    tags = {row_tag(type(instance), instance.pk), kind_tag(type(instance)), kind_tag(model)}
    tags.update(row_tag(model, pk) for pk in pk_set)
    return tags
