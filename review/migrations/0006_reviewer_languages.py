import review.models
from django.db import migrations, models

# The kinds of medical content written in a language, as (app, model).
PAGES = [("treatments", "Treatment"), ("faq", "Question"), ("glossary", "Term"), ("articles", "Article")]


def languages_they_approved(apps, schema_editor):
    """
    A reviewer keeps every language they have already approved pages in: a profile starts with the site's
    own language only, and nobody's past approvals are made ones they could not give.
    """
    Reviewer = apps.get_model("review", "Reviewer")
    approved = {}
    for app_label, name in PAGES:
        pages = apps.get_model(app_label, name).objects.exclude(reviewed_by=None)
        for reviewer_id, language in pages.values_list("reviewed_by", "language").distinct():
            approved.setdefault(reviewer_id, set()).add(language)
    for reviewer in Reviewer.objects.filter(pk__in=approved):
        reviewer.languages = sorted(set(reviewer.languages) | approved[reviewer.pk])
        reviewer.save(update_fields=["languages"])


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0005_profiles_belong_to_their_reviewer"),
        ("treatments", "0021_behind_since"),
        ("faq", "0015_behind_since"),
        ("glossary", "0007_behind_since"),
        ("articles", "0004_behind_since"),
    ]

    operations = [
        migrations.AddField(
            model_name="reviewer",
            name="languages",
            field=models.JSONField(
                default=review.models.site_language_only,
                help_text="The languages they approve pages in (language codes): only a reviewer who reads a "
                "page's language approves it or sends it back. Set by a superuser.",
            ),
        ),
        migrations.RunPython(languages_they_approved, migrations.RunPython.noop),
    ]
