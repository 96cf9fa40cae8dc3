"""Medical reviewers read and change treatment pages: approving one is a change, made on its page."""

from django.db import migrations

from core.migration_helpers import grant, revoke

REVIEWER_PERMISSIONS = [
    "change_treatment", "view_treatment", "view_tag",
    "add_treatmentpoint", "change_treatmentpoint", "delete_treatmentpoint", "view_treatmentpoint",
    "add_reference", "change_reference", "delete_reference", "view_reference",
]  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("treatments", "0011_reading_grade"), ("review", "0002_groups")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: grant(apps, "Medical reviewers", "treatments", REVIEWER_PERMISSIONS),
            lambda apps, schema_editor: revoke(apps, "Medical reviewers", "treatments", REVIEWER_PERMISSIONS),
        )
    ]
