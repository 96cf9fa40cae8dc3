"""Medical reviewers read and change questions: approving an answer is a change, made on its page."""

from django.db import migrations

from core.migration_helpers import grant, revoke

REVIEWER_PERMISSIONS = ["change_question", "view_question", "view_topic"]


class Migration(migrations.Migration):
    dependencies = [("faq", "0007_markdown_renders_quickly"), ("review", "0002_groups")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: grant(apps, "Medical reviewers", "faq", REVIEWER_PERMISSIONS),
            lambda apps, schema_editor: revoke(apps, "Medical reviewers", "faq", REVIEWER_PERMISSIONS),
        )
    ]
