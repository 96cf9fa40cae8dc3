"""
Helpers for data migrations that give the "Editors" group an app's permissions.

Permissions are normally created after all migrations have run, so a
migration that assigns them must create them first.
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


def grant_editors(apps, app_label, codenames):
    Group = apps.get_model("auth", "Group")
    editors, _ = Group.objects.get_or_create(name=EDITORS)
    editors.permissions.add(*_permissions(apps, app_label, codenames))


def revoke_editors(apps, app_label, codenames):
    Group = apps.get_model("auth", "Group")
    editors = Group.objects.filter(name=EDITORS).first()
    if editors:
        editors.permissions.remove(*_permissions(apps, app_label, codenames))
