"""
The property behind "versions go back only where they belong": on the demo
site, with unreviewed changes waiting and deleted pages to recover, posting
any version id to the revision or recover page of any admin that keeps
versions, as an editor or as a person in both groups, changes no published
medical content (its rows, the rows that belong to it, its tags and links,
its stored HTML); and a version that is not of that admin's own page changes
nothing at all and is not found.
"""

import datetime
import difflib

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from reversion.models import Version

from core.admin import VersionedAdmin
from core.versions import followed_relations
from review.models import MEDICAL_REVIEWERS, Reviewer, medical_models

from .helpers import form_values

pytestmark = pytest.mark.django_db

UNREVIEWED = "Unreviewed words nobody approved."


def _column(value):
    # Versions keep times to the millisecond (Django's JSON), and pages show them to the minute at most.
    return (
        value.replace(microsecond=value.microsecond // 1000 * 1000) if isinstance(value, datetime.datetime) else value
    )


def _row(item):
    """A row as its page shows it: every column but the time it was last written, with its links."""
    values = {field.attname: _column(getattr(item, field.attname)) for field in item._meta.concrete_fields}
    values.pop("updated_at", None)
    for field in item._meta.many_to_many:
        values[field.name] = sorted(linked.pk for linked in getattr(item, field.name).all())
    for relation in followed_relations(type(item)):
        rows = sorted(getattr(item, relation.get_accessor_name()).all(), key=lambda row: row.pk)
        values[relation.get_accessor_name()] = [_row(row) for row in rows]
    return values


def _rows(queryset):
    """Every row of `queryset` as `_row` has it, its links and followed rows read in a few queries, not per row."""
    model = queryset.model
    lookups = [field.name for field in model._meta.many_to_many]
    for relation in followed_relations(model):
        accessor = relation.get_accessor_name()
        lookups += [accessor, *(f"{accessor}__{field.name}" for field in relation.related_model._meta.many_to_many)]
    return {(model._meta.label, item.pk): _row(item) for item in queryset.prefetch_related(*lookups).order_by("pk")}


def differences(before, after):
    """What changed between two snapshots, field by field: what a failure should say."""
    found = []
    for key in sorted(set(before) | set(after), key=str):
        old, new = before.get(key, {}), after.get(key, {})
        for name in sorted(set(old) | set(new)):
            was, now = old.get(name), new.get(name)
            if was != now and isinstance(was, str) and isinstance(now, str):
                lines = difflib.ndiff(was.splitlines(), now.splitlines())
                found.append((key, name, [line for line in lines if line[:1] in "+-"]))
            elif was != now:
                found.append((key, name, was, now))
    return found


def published_medical_content():
    return {key: row for model in medical_models() for key, row in _rows(model._default_manager.published()).items()}


def every_versioned_row():
    return {
        key: row
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, VersionedAdmin)
        for key, row in _rows(model._default_manager.all()).items()
    }


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def attackers(demo_site, editor, django_user_model, role):
    both = django_user_model.objects.create_user("sam", password="a-long-test-password-1", is_staff=True)
    both.groups.add(role("Editors"), role(MEDICAL_REVIEWERS))
    Reviewer.objects.create(user=both, display_name="Dr Sam Okoro", credentials="consultant oncologist")
    return {"editor": _client(editor), "both": _client(both)}


@pytest.fixture
def waiting_and_deleted(attackers, django_user_model):
    """Unreviewed changes to published pages (their versions in the database), and deleted rows."""
    from faq.models import Question
    from glossary.models import Term
    from treatments.models import Tag, Treatment

    editing = attackers["editor"]
    for item in (Treatment.objects.published().first(), Question.objects.published().first()):
        url = item.edit_page()
        data = form_values(editing.get(url).content)
        for name in ("summary", "answer", "points-0-text"):
            if name in data:
                data[name] = UNREVIEWED
        assert editing.post(url, data).status_code == 302
    term = Term.objects.filter(term__iexact="chemotherapy").first() or Term.objects.first()
    url = term.edit_page() if hasattr(term, "edit_page") else f"/admin/glossary/term/{term.pk}/change/"
    assert editing.post(url, {**form_values(editing.get(url).content), "definition": UNREVIEWED}).status_code == 302
    boss = _client(django_user_model.objects.create_superuser("boss", password="a-long-test-password-1"))
    for item in (Question.objects.published().last(), Tag.objects.last()):
        url = f"/admin/{item._meta.app_label}/{item._meta.model_name}/{item.pk}/delete/"
        assert boss.post(url, {"post": "yes"}).status_code == 302
    versions = Version.objects.order_by("pk")
    pages = versions.filter(content_type__in=ContentType.objects.get_for_models(*_versioned_models()).values())
    # Every version there is, and those of pages with an admin of their own (their newest: unreviewed).
    return list(versions.values_list("pk", flat=True)), list(pages.values_list("pk", flat=True))


def _versioned_models():
    return [model for model, model_admin in admin.site._registry.items() if isinstance(model_admin, VersionedAdmin)]


def _versioned_admins():
    return sorted((model._meta.app_label, model._meta.model_name) for model in _versioned_models())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_version_posted_to_any_admin_changes_published_medical_content(attackers, waiting_and_deleted, data):
    version_ids, page_version_ids = waiting_and_deleted
    assert len(version_ids) > 50
    # Every version; pages' own versions, the unreviewed ones (the newest) most; to any admin, or to its own.
    chosen = data.draw(
        st.one_of(
            st.sampled_from(version_ids), st.sampled_from(page_version_ids), st.sampled_from(page_version_ids[-6:])
        ),
        label="version",
    )
    version = Version.objects.select_related("content_type").get(pk=chosen)
    own_admin = (version.content_type.app_label, version.content_type.model)
    admins = _versioned_admins()
    app_label, model_name = data.draw(
        st.one_of(st.sampled_from(admins), st.sampled_from([own_admin] if own_admin in admins else admins)),
        label="admin",
    )
    who = data.draw(st.sampled_from(sorted(attackers)), label="who")
    base = f"/admin/{app_label}/{model_name}"
    url = data.draw(
        st.sampled_from([f"{base}/recover/{version.pk}/", f"{base}/{version.object_id}/history/{version.pk}/"]),
        label="url",
    )
    client = attackers[who]
    event(f"{'own' if version.content_type.model == model_name else 'foreign'} version, {url.split('/')[-3]}")
    own = version.content_type == ContentType.objects.get_by_natural_key(app_label, model_name)
    medical_before = published_medical_content()
    everything_before = None if own else every_versioned_row()

    shown = client.get(url)
    posted = client.post(url, form_values(shown.content) if shown.status_code == 200 else {})

    changed = differences(medical_before, published_medical_content())
    assert not changed, f"{who} changed published medical content via {url}: {changed}"
    if not own:
        assert {shown.status_code, posted.status_code} <= {403, 404}, url
        changed = differences(everything_before, every_versioned_row())
        assert not changed, f"a foreign version changed something via {url}: {changed}"
    assert UNREVIEWED not in Client().get("/treatments/").content.decode()
