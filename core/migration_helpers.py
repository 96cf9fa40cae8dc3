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
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)


def grant(apps, group_name, app_label, codenames):
    """Give a group (made if missing) these permissions of an app."""
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.get_or_create(name=group_name)
    group.permissions.add(*_permissions(apps, app_label, codenames))


def revoke(apps, group_name, app_label, codenames):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=group_name).first()
    if group:
        group.permissions.remove(*_permissions(apps, app_label, codenames))


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
