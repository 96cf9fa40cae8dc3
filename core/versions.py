"""
Bringing back one page from a version.

django-reversion reverts a version's whole revision. A revision can hold
more than one page: a bulk action in the admin's list, an FAQ file, the
demo content, or an import that made tags along with its treatment. So
reverting one page that way would silently undo later edits of the others.
`revert_page` brings back the page the version is of, with the inline rows
its model follows (reversion.register(follow=...)), and nothing else.
"""

import contextvars

import reversion
from reversion.models import Version
from reversion.revisions import _get_options
from reversion.revisions import _stack as _open_revisions


def latest_version(obj):
    """The object's newest version, or None."""
    return Version.objects.get_for_object(obj).first()


def record_version(obj, comment):
    """
    Keep `obj` as it is now, in a revision of its own, and return that version. Inside
    another revision (an import's, whose versions are written only when it ends) a
    nested one would be merged into it: django-reversion keeps its open revisions in
    a context variable, so this one is made in a copy of the context with none open.
    A copy, not an empty context: where an event loop runs in the thread, Django keeps
    its connections in a context variable too, and the version belongs in the caller's
    transaction.
    """

    def record():
        _open_revisions.set([])
        with reversion.create_revision():
            reversion.set_comment(comment)
            reversion.add_to_revision(obj)

    contextvars.copy_context().run(record)
    return latest_version(obj)


def followed_relations(model):
    """The one-to-many relations (a treatment's points, references) whose rows the model's versions hold."""
    relations = (model._meta.get_field(name) for name in _get_options(model).follow)
    return [relation for relation in relations if relation.one_to_many]


def _followed_rows(model):
    """(row model, column naming the parent) for each one-to-many relation the model's versions follow."""
    for relation in followed_relations(model):
        yield relation.related_model, relation.field.attname


def page_versions(version):
    """The versions, in the version's revision, of its page: the object itself and its followed rows."""
    model, object_id = version._model, version.object_id
    followed = dict(_followed_rows(model))
    found = [version]
    for other in version.revision.version_set.exclude(pk=version.pk).select_related("content_type"):
        column = followed.get(other._model)
        if column and str(other.field_dict.get(column)) == str(object_id):
            found.append(other)
    return found


def rows_in(version):
    """
    The rows `version` holds of each relation its page follows, by the relation's name
    ("points"): unsaved objects, each list in its model's order, each row knowing the page
    as its parent (so naming a row asks nothing of the database).
    """
    own, *rows = page_versions(version)
    page = own._object_version.object
    relations = {relation.related_model: relation for relation in followed_relations(own._model)}
    held = {relation.get_accessor_name(): [] for relation in relations.values()}
    for row in rows:
        relation = relations[row._model]
        item = row._object_version.object
        setattr(item, relation.field.name, page)
        held[relation.get_accessor_name()].append(item)
    return {name: _in_model_order(items) for name, items in held.items()}


def _in_model_order(items):
    """The rows sorted as their model's Meta.ordering sorts them in the database."""
    if not items:
        return items
    for name in reversed(type(items[0])._meta.ordering):
        field = name.lstrip("-")
        items.sort(
            key=lambda item, field=field: (getattr(item, field) is None, getattr(item, field)), reverse=name[0] == "-"
        )
    return items


def revert_page(version, delete=False, keep=None, links=None, current=None):
    """
    Put the page back as it was in `version`: its own row (with its many-to-many
    choices) and its followed rows; with `delete`, rows made since are removed;
    with `keep`, those columns of the row are written as given (what versions
    leave out: publication, sign-off); with `links`, those many-to-many choices
    ({field name: ids}) instead of the version's; `current`, the page's row as read
    in this transaction, tells what the row held before. Saved raw, as django-reversion
    does: no save() runs and no signal says so, so callers re-render or re-save
    as they need. The rows of each kind are put back together, so the cost does
    not grow with the page: about 8 queries. Returns the page's row as written.
    """
    own, *rows = page_versions(version)
    own._object_version.m2m_data.update(links or {})
    _without_links_to_deleted_rows(own, known=set(links or ()))
    for name, value in (keep or {}).items():
        setattr(own._object_version.object, name, value)
    if hasattr(current, "_loaded_values"):
        own._object_version.object._loaded_values = current._loaded_values
    own.revert()  # first: recovered rows need their parent
    parent = own._object_version.object.pk
    by_model = {}
    for row in rows:
        by_model.setdefault(row._model, []).append(row._object_version.object)
    for row_model, column in _followed_rows(own._model):
        back = by_model.get(row_model, [])
        current = row_model._default_manager.filter(**{column: parent})
        if not delete:
            current = current.filter(pk__in=[row.pk for row in back])
        current.delete()
        row_model._default_manager.bulk_create(back)
    return own._object_version.object


def _without_links_to_deleted_rows(version, known=()):
    """
    Leave out of the version's many-to-many choices (a page's tags, a question's treatments)
    the rows deleted since: linking them would break the database's integrity when the
    transaction commits. The page comes back with the links that still lead somewhere.
    """
    held = version._object_version
    for field in version._model._meta.many_to_many:
        chosen = held.m2m_data.get(field.name)
        if chosen and field.name not in known:  # `known`: ids just read from the database
            there = {
                str(pk) for pk in field.related_model._base_manager.filter(pk__in=chosen).values_list("pk", flat=True)
            }
            held.m2m_data[field.name] = [pk for pk in chosen if str(pk) in there]
