"""
What content models share, as abstract models each app builds on:

- `PublishableModel`: a draft until published, with the dates that go with it, in one language;
- `HeroImageModel`: a picture at the top of the page, never sent at upload size;
- `RenderedContentModel`: markdown rendered to HTML once, on save, by the one
  sanitising renderer, and marked with the renderer's version so that
  `manage.py rerender_content` can bring older HTML up to date;
- `SlugFromTitle`: an address made from the title, never reused.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.admin.utils import quote
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from reversion.models import Version

from core.fields import VerifiedImageField
from core.images import make_renditions
from core.markdown import render_markdown, renderer_version
from core.terms import link_terms
from core.text import unique_slug


def _with(update_fields, *names):
    """save()'s update_fields with `names` added, or None (meaning every field) left as it is."""
    return None if update_fields is None else {*update_fields, *names}


# Publishing ------------------------------------------------------------------------


def raise_with(errors, clean):
    """
    Run `clean` (a parent's Model.clean) and raise its errors together with
    `errors` ({field: message}), so that the editor sees every one at once.
    """
    try:
        clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


class PublishStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


def sees_drafts(user):
    """Staff also see drafts (with a banner); everybody else only what is published."""
    return user.is_active and user.is_staff


@dataclass(frozen=True)
class NextStep:
    """A sentence of a draft's banner: what makes it public, ending in a link to where that is done, if any."""

    text: str
    link_text: str = ""
    url: str = ""


# Languages ----------------------------------------------------------------------


class TranslatableQuerySet(models.QuerySet):
    def in_language(self, language=None):
        """Written in `language`: by default the language of the page being built (core.languages)."""
        return self.filter(language=language or get_language())

    def public(self):
        """What the public may read (each kind says; published() for publishable content)."""
        return self

    def with_translations(self):
        """
        Each row with the address (slug) of its page in every other language the public may read, in
        the same query: `slug_in_<code>` for each language of LANGUAGES, None where there is none. A
        page's translations are the English page it translates and that page's other translations.
        """
        original = Coalesce(OuterRef("translation_of_id"), OuterRef("pk"))
        family = models.Q(pk=original) | models.Q(translation_of_id=original)
        found = {}
        for code, _name in settings.LANGUAGES:
            pages = self.model._default_manager.all().public().filter(family, language=code)
            found[f"slug_in_{code}"] = Subquery(pages.order_by("pk").values("slug")[:1])
        return self.annotate(**found)


class TranslatableModel(models.Model):
    """
    Written in one language. A page in another language than the site's own is a translation: a
    page of its own (its own address, versions and sign-off) that names the page it translates.
    """

    language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        db_index=True,
        help_text="The language it is written in: English pages are at the site's addresses, Spanish ones under /es/.",
    )
    translation_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="translations",
        help_text="For a translation: the English page it translates. Empty for an English page.",
    )

    # The view of its page, which takes its slug: its address in each language.
    page_view = None

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        original = self.translation_of
        if self.language == settings.LANGUAGE_CODE and original is not None:
            raise ValidationError({"translation_of": "A page in English translates no other page: leave this empty."})
        if original is not None and original.language != settings.LANGUAGE_CODE:
            raise ValidationError({"translation_of": "Choose the English page: a translation is made from English."})
        if original is not None and original.translations.filter(language=self.language).exclude(pk=self.pk).exists():
            raise ValidationError(
                {"translation_of": f"“{original}” already has a translation in this language: edit that one."}
            )

    def reverse_in_its_language(self, viewname, **kwargs):
        """
        The address of one of its pages in the language it is written in (/es/… for Spanish), from
        whichever page links to it: the sitemap, the admin's "View on site". A row read without its
        language (.only()) was read by a page of its own language, and is linked in that one.
        """
        with translation.override(self.__dict__.get("language") or get_language()):
            return reverse(viewname, kwargs=kwargs)

    def translation_addresses(self):
        """
        {language: address} of this page in each other language the public may read: from the slugs
        `with_translations()` read beside it, else (one query) read now.
        """
        if not hasattr(self, f"slug_in_{settings.LANGUAGE_CODE}"):
            if self.pk is None:
                return {}
            found = type(self)._default_manager.filter(pk=self.pk).with_translations()
            names = [f"slug_in_{code}" for code, _name in settings.LANGUAGES]
            for name, value in zip(names, found.values_list(*names).first() or [None] * len(names), strict=True):
                setattr(self, name, value)
        addresses = {}
        for code, _name in settings.LANGUAGES:
            slug = getattr(self, f"slug_in_{code}")
            if code != self.language and slug:
                with translation.override(code):
                    addresses[code] = reverse(self.page_view, kwargs={"slug": slug})
        return addresses


class PublishableQuerySet(TranslatableQuerySet):
    def public(self):
        return self.published()

    def published(self, now=None):
        """
        What the public may see now: published, past its go-live and before its
        expiry, whether or not `publish_scheduled` has run since.
        """
        now = timezone.now() if now is None else now
        return self.filter(
            models.Q(go_live_at__isnull=True) | models.Q(go_live_at__lte=now),
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now),
            status=PublishStatus.PUBLISHED,
        )

    def visible_to(self, user):
        """What this person may open (see sees_drafts)."""
        return self if sees_drafts(user) else self.published()


class PublishableModel(models.Model):
    Status = PublishStatus

    status = models.CharField(
        max_length=10,
        choices=PublishStatus.choices,
        default=PublishStatus.DRAFT,
        db_index=True,
        help_text="Drafts are seen only by staff, under a “Draft” banner; published items are public.",
    )
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When this was first published (filled in automatically).",
    )
    updated_at = models.DateTimeField("updated", auto_now=True)
    go_live_at = models.DateTimeField(
        "goes live at",
        null=True,
        blank=True,
        help_text="Optional: when it appears to the public, once published. Empty: as soon as it is published.",
    )
    expires_at = models.DateTimeField(
        "expires at",
        null=True,
        blank=True,
        help_text="Optional: when it stops being public (it goes back to draft). Empty: it stays up.",
    )
    recorded_go_live = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="The go-live time `publish_scheduled` last recorded in the history, so it records each once.",
    )

    # What a revert or a recovery leaves as it is (core.admin.VersionedAdmin): publishing is its own step.
    kept_on_revert = ("status", "published_at", "go_live_at", "expires_at", "recorded_go_live")
    # Fields whose change alters only what the row shows, never which lists hold it or where
    # (pagecache.tags): each model adds its own, and the bases theirs.
    page_content_fields = ("updated_at", "recorded_go_live")

    objects = PublishableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, update_fields=None, **kwargs):
        if self.status == PublishStatus.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
            update_fields = _with(update_fields, "published_at")
        super().save(*args, update_fields=update_fields, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        row = super().from_db(db, field_names, values)
        # The row as read (Django's way to know what a save changes): a save is compared with it to
        # tell whether it may move the row in lists (pagecache.tags), without asking the database again.
        row._loaded_values = dict(zip(field_names, values, strict=True))
        return row

    def clean(self):
        super().clean()
        if self.go_live_at and self.expires_at and self.expires_at <= self.go_live_at:
            raise ValidationError({"expires_at": "The expiry must come after the go-live time."})

    @property
    def is_published(self):
        return self.status == PublishStatus.PUBLISHED

    @property
    def is_live(self):
        """Published and, now, within its go-live and expiry: what the public sees."""
        now = timezone.now()
        return (
            self.is_published
            and (self.go_live_at is None or self.go_live_at <= now)
            and (self.expires_at is None or self.expires_at > now)
        )

    def edit_page(self):
        """Its change form in the admin."""
        return reverse(f"admin:{self._meta.app_label}_{self._meta.model_name}_change", args=[quote(self.pk)])

    def may_be_edited_by(self, user):
        return user.has_perm(f"{self._meta.app_label}.change_{self._meta.model_name}")

    def next_steps(self, user):
        """What the draft banner tells this member of staff: how the draft becomes public (medical content: review)."""
        if self.may_be_edited_by(user):
            return [NextStep("To make it public, set its status to Published on", "its edit page", self.edit_page())]
        return [NextStep("Staff who may edit it make it public by publishing it.")]


def publishable_models():
    """Every concrete model with a status, a go-live and an expiry."""
    from django.apps import apps

    return [model for model in apps.get_models() if issubclass(model, PublishableModel)]


def next_scheduled_change(now):
    """
    The soonest go-live or expiry after `now` of anything published, across every
    publishable model (one query each), or None: a stored page must not outlive it.
    """
    soonest = []
    for model in publishable_models():
        found = model._default_manager.filter(status=PublishStatus.PUBLISHED).aggregate(
            go_live=models.Min("go_live_at", filter=models.Q(go_live_at__gt=now)),
            expiry=models.Min("expires_at", filter=models.Q(expires_at__gt=now)),
        )
        soonest += [moment for moment in found.values() if moment is not None]
    return min(soonest, default=None)


def keep_draft_private(response, item):
    """
    The one rule for answering with a draft (which only staff can open): no
    browser or shared cache may keep it, and it is never stored for others.
    """
    if not item.is_live:
        patch_cache_control(response, private=True, no_store=True)
    return response


# Pictures --------------------------------------------------------------------------


def hero_image_path(instance, filename):
    """Uploads of each model in a folder of their own; the name was chosen by the server (core.fields)."""
    return f"{instance.hero_image_folder}/{filename}"


class HeroImageModel(models.Model):
    """
    A picture at the top of the page. It is never sent at upload size:
    renditions are made once, when a new picture is saved, and pages read
    their sizes from the database instead of opening image files.
    """

    hero_image_folder = "pictures"  # each model names its own

    page_content_fields = ("hero_image", "hero_image_alt", "hero_image_renditions")

    hero_image = VerifiedImageField(
        upload_to=hero_image_path,
        blank=True,
        help_text="Optional picture at the top of the page (JPEG, PNG or WebP).",
    )
    hero_image_alt = models.CharField(
        "hero image alt text",
        max_length=200,
        blank=True,
        help_text="Describe the picture for people who cannot see it. Required whenever there is a picture.",
    )
    hero_image_renditions = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="Sizes of the hero picture made on upload (filled in automatically).",
    )

    class Meta:
        abstract = True

    def save(self, *args, update_fields=None, **kwargs):
        self.refresh_hero_renditions()
        if update_fields is not None and "hero_image" in update_fields:
            update_fields = _with(update_fields, "hero_image_renditions")
        super().save(*args, update_fields=update_fields, **kwargs)

    def clean(self):
        super().clean()
        if self.hero_image and not self.hero_image_alt.strip():
            raise ValidationError(
                {
                    "hero_image_alt": (
                        "Describe the picture for people who cannot see it "
                        "(alt text is required when there is a picture)."
                    )
                }
            )

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


# Stored HTML ---------------------------------------------------------------------------


class RenderedContentModel(models.Model):
    """
    Markdown written by staff, rendered to sanitised HTML once, when it is
    saved, never per request. Each row remembers the renderer version it was
    rendered with: when the renderer or its allowlist changes (a security fix
    must reach published pages), `manage.py rerender_content` renders every
    older row again, and `make serve` runs it on every start.
    """

    markdown_fields = {}  # {markdown field: its stored HTML field}, in each model
    glossary_fields = ()  # the stored HTML fields whose first use of each glossary term links to it (core.terms)

    page_content_fields = ("rendered_with",)

    rendered_with = models.CharField(
        max_length=16,
        blank=True,
        editable=False,
        help_text="The version of the renderer that made the stored HTML (filled in automatically).",
    )

    class Meta:
        abstract = True

    def save(self, *args, update_fields=None, **kwargs):
        self.refresh_derived_fields()
        if update_fields is not None and set(update_fields) & set(self.source_field_names()):
            update_fields = _with(update_fields, *self.derived_field_names())
        super().save(*args, update_fields=update_fields, **kwargs)

    @classmethod
    def source_field_names(cls):
        """The fields the derived ones are made from."""
        return list(cls.markdown_fields)

    @classmethod
    def derived_field_names(cls):
        """The fields refresh_derived_fields() fills in: what a bulk update must write."""
        return [*cls.markdown_fields.values(), "rendered_with"]

    def written_in(self):
        """The language of its text (a part without a language of its own is in its whole's)."""
        return getattr(self, "language", None) or settings.LANGUAGE_CODE

    def refresh_derived_fields(self):
        """Fill in everything derived from the text: save(), imports and rerender_content all come here."""
        for source, target in self.markdown_fields.items():
            html = render_markdown(getattr(self, source))
            if target in self.glossary_fields:
                html = link_terms(html, language=self.written_in())
            setattr(self, target, html)
        self.rendered_with = renderer_version()


# Addresses ---------------------------------------------------------------------------


class SlugFromTitle(models.Model):
    """
    A `slug` made from another field (`slug_source`) when none is given, unique
    among the model's rows and never one of its `reserved_slugs` (addresses the
    site uses itself). Each model declares its own `slug` field and length.
    """

    slug_source = "title"
    reserved_slugs = frozenset()

    class Meta:
        abstract = True

    def save(self, *args, update_fields=None, **kwargs):
        if not self.slug:
            self.slug = unique_slug(
                self._meta.model,
                getattr(self, self.slug_source),
                instance=self,
                max_length=self._meta.get_field("slug").max_length,
                reserved=self.reserved_slugs,
            )
            update_fields = _with(update_fields, "slug")
        super().save(*args, update_fields=update_fields, **kwargs)


# The audit trail ---------------------------------------------------------------------


class RecentChange(Version):
    """A version of any page, as the admin's "Recent changes" lists them (core.admin.RecentChangesAdmin)."""

    class Meta:
        proxy = True
        verbose_name = "recent change"
        verbose_name_plural = "recent changes"
