"""Medical reviewers read glossary terms: they review each new term and each change before the public reads it."""

from django.db import migrations

from core.migration_helpers import grant, revoke

REVIEWER_PERMISSIONS = ["view_term"]


class Migration(migrations.Migration):
    dependencies = [("glossary", "0003_medical_content"), ("review", "0002_groups")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: grant(apps, "Medical reviewers", "glossary", REVIEWER_PERMISSIONS),
            lambda apps, schema_editor: revoke(apps, "Medical reviewers", "glossary", REVIEWER_PERMISSIONS),
        )
    ]
