"""
Create the "Editors" group: staff who write and update treatment pages
without being superusers. Later apps add their own permissions to it.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_PERMISSIONS = [
    # Treatments and tags: add and change (deleting a page is a superuser's call).
    "add_treatment", "change_treatment", "view_treatment",
    "add_tag", "change_tag", "view_tag",
    # The inline rows of a treatment: editing a page means adding and removing them.
    "add_treatmentpoint", "change_treatmentpoint", "delete_treatmentpoint", "view_treatmentpoint",
    "add_reference", "change_reference", "delete_reference", "view_reference",
]  # fmt: skip


def create_editors(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure ours exist now.
    app_config = apps.get_app_config("treatments")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    permissions = Permission.objects.filter(content_type__app_label="treatments", codename__in=EDITOR_PERMISSIONS)
    editors.permissions.add(*permissions)


def remove_editor_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors = Group.objects.filter(name="Editors").first()
    if editors:
        editors.permissions.remove(
            *Permission.objects.filter(content_type__app_label="treatments", codename__in=EDITOR_PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("treatments", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors, remove_editor_permissions)]
