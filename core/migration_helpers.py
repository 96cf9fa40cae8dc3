"""
Helpers for data migrations shared by the content apps.

- Giving a group ("Editors", "Medical reviewers") an app's permissions. Permissions are normally
  created after all migrations have run, so a migration that assigns them
  must create them first.
- Making the renditions of pictures uploaded before renditions existed.
- Dating the first publication of rows published before that date was kept.
"""

from django.contrib.auth.management import create_permissions

EDITORS = "Editors"


def _permissions(apps, app_label, codenames):
    """The ids of these permissions of an app, made first if they are not there yet."""
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    return _existing_permissions(apps, app_label, codenames)


def _existing_permissions(apps, app_label, codenames):
    """
    The ids of those of these permissions of an app that exist. Ids, not rows: a historical app
    registry can hold a group's permission model and the one read here as two classes.
    """
    Permission = apps.get_model("auth", "Permission")
    found = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
    return list(found.values_list("pk", flat=True))


def grant(apps, group_name, app_label, codenames):
    """Give a group (made if missing) these permissions of an app."""
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.get_or_create(name=group_name)
    group.permissions.add(*_permissions(apps, app_label, codenames))


def revoke(apps, group_name, app_label, codenames):
    """
    Take these permissions of an app from a group. A permission that does not exist was never
    given, so none is made: making them (Django's create_permissions) while migrating backwards
    failed now and then on PostgreSQL, comparing content types of two renderings of the registry.
    """
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=group_name).first()
    if group:
        group.permissions.remove(*_existing_permissions(apps, app_label, codenames))


def grant_editors(apps, app_label, codenames):
    grant(apps, EDITORS, app_label, codenames)


def revoke_editors(apps, app_label, codenames):
    revoke(apps, EDITORS, app_label, codenames)


def make_missing_renditions(app_label, model_name):
    """A RunPython function giving every stored hero picture of the model its renditions."""

    def forwards(apps, schema_editor):
        from core.images import make_renditions

        model = apps.get_model(app_label, model_name)
        for item in model.objects.exclude(hero_image=""):
            try:
                item.hero_image_renditions = make_renditions(item.hero_image.storage, item.hero_image.name)
            except (OSError, ValueError):
                continue  # a missing or unreadable file: the page simply shows no picture
            item.save(update_fields=["hero_image_renditions"])

    return forwards


def date_earlier_publications(app_label, model_name):
    """
    A RunPython function: rows already published when `published_at` was
    added get the best date known, their last change.
    """

    def forwards(apps, schema_editor):
        from django.db.models import F

        model = apps.get_model(app_label, model_name)
        model.objects.filter(status="published", published_at__isnull=True).update(published_at=F("updated_at"))

    return forwards
