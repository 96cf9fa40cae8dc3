"""
Create the "Editors" group: staff who write and update treatment pages
without being superusers. Later apps add their own permissions to it.
"""

from django.db import migrations

from core.migration_helpers import grant_editors, revoke_editors

EDITOR_PERMISSIONS = [
    # Treatments and tags: add and change (deleting a page is a superuser's call).
    "add_treatment", "change_treatment", "view_treatment",
    "add_tag", "change_tag", "view_tag",
    # The inline rows of a treatment: editing a page means adding and removing them.
    "add_treatmentpoint", "change_treatmentpoint", "delete_treatmentpoint", "view_treatmentpoint",
    "add_reference", "change_reference", "delete_reference", "view_reference",
]  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("treatments", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: grant_editors(apps, "treatments", EDITOR_PERMISSIONS),
            lambda apps, schema_editor: revoke_editors(apps, "treatments", EDITOR_PERMISSIONS),
        )
    ]
