"""What every piece of public content shares: it is a draft until published."""

from django.db import models


class PublishStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class Publishable:
    """Mixed into every model with a draft/published `status`."""

    @property
    def is_published(self):
        return self.status == PublishStatus.PUBLISHED


class PublishableQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=PublishStatus.PUBLISHED)


def status_field(what):
    return models.CharField(
        max_length=10,
        choices=PublishStatus.choices,
        default=PublishStatus.DRAFT,
        db_index=True,
        help_text=f"Only published {what} are visible to the public.",
    )
