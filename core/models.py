"""What every piece of public content shares: it is a draft until published."""

from django.db import models

from core.images import make_renditions


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


def hero_renditions_field():
    return models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="Sizes of the hero picture made on upload (filled in automatically).",
    )


class HasHeroImage:
    """
    Mixed into models with `hero_image` and `hero_image_renditions`: the
    picture is never sent at upload size. Renditions are made once, when a new
    picture is saved, and the page reads their sizes from the database
    instead of opening image files on every request.
    """

    def refresh_hero_renditions(self):
        image = self.hero_image
        if not image:
            self.hero_image_renditions = {}
            return
        if not image._committed:
            # Store the upload now (FileField would do it during save) so that it can be read back.
            image.save(image.name, image.file, save=False)
        if (self.hero_image_renditions or {}).get("source") == image.name:
            return
        self.hero_image_renditions = make_renditions(image.storage, image.name)

    @property
    def _hero_sizes(self):
        """The renditions, smallest first; empty when there is no picture."""
        if not self.hero_image or not self.hero_image_renditions:
            return []
        return self.hero_image_renditions.get("sizes", [])

    @property
    def hero_share_image_url(self):
        """The largest JPEG rendition: what link previews on social media show."""
        sizes = self._hero_sizes
        return self.hero_image.storage.url(sizes[-1]["jpeg"]) if sizes else ""

    @property
    def hero_thumbnail_url(self):
        """The smallest JPEG rendition, for the admin."""
        sizes = self._hero_sizes
        return self.hero_image.storage.url(sizes[0]["jpeg"]) if sizes else ""

    @property
    def hero_picture(self):
        """What templates/includes/hero_image.html needs, or None when there is no picture."""
        sizes = self._hero_sizes
        if not sizes:
            return None
        url = self.hero_image.storage.url
        fallback = next((size for size in sizes if size["width"] >= 960), sizes[-1])
        return {
            "webp_srcset": ", ".join(f"{url(size['webp'])} {size['width']}w" for size in sizes),
            "jpeg_srcset": ", ".join(f"{url(size['jpeg'])} {size['width']}w" for size in sizes),
            "src": url(fallback["jpeg"]),
            "width": fallback["width"],
            "height": fallback["height"],
        }
