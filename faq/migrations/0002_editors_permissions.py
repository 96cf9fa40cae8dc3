"""Editors write and arrange questions and topics too (deleting stays with superusers)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_PERMISSIONS = [
    "add_topic", "change_topic", "view_topic",
    "add_question", "change_question", "view_question",
]  # fmt: skip


def grant(apps, schema_editor):
    app_config = apps.get_app_config("faq")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(*Permission.objects.filter(content_type__app_label="faq", codename__in=EDITOR_PERMISSIONS))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors = Group.objects.filter(name="Editors").first()
    if editors:
        editors.permissions.remove(
            *Permission.objects.filter(content_type__app_label="faq", codename__in=EDITOR_PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("faq", "0001_initial"),
        ("treatments", "0002_editors_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
