"""
The two roles of medical sign-off. "Editors" (made by the treatments app)
write; "Medical reviewers" approve. Both can keep reviewers' names and
credentials up to date; the content apps give reviewers their own pages.
"""

from django.db import migrations

from core.migration_helpers import EDITORS, grant, revoke

MEDICAL_REVIEWERS = "Medical reviewers"
PROFILE = ["add_reviewer", "change_reviewer", "view_reviewer"]


def forwards(apps, schema_editor):
    grant(apps, MEDICAL_REVIEWERS, "review", ["approve_medical_content", *PROFILE])
    grant(apps, EDITORS, "review", PROFILE)


def backwards(apps, schema_editor):
    revoke(apps, MEDICAL_REVIEWERS, "review", ["approve_medical_content", *PROFILE])
    revoke(apps, EDITORS, "review", PROFILE)


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0001_reviewer"),
        ("treatments", "0002_editors_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
