"""
Medical sign-off. Treatments, FAQ answers and glossary definitions are
medical content: editors write them, and only a medical reviewer (a member
of the "Medical reviewers" group, or a user given the
`review.approve_medical_content` permission) can approve them for the
public. A reviewer's name and credentials are printed
on every page they approve, so they live here, set by the reviewer alone
(or a superuser).
"""

import calendar
import datetime
import logging
from dataclasses import dataclass

import reversion
from django.apps import apps
from django.conf import settings
from django.contrib.admin.utils import quote
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from reversion.models import Version

from core.models import NextStep, PublishStatus
from core.versions import followed_relations, latest_version, record_version, revert_page, rows_in
from pagecache import generations
from pagecache.tags import row_tag

MEDICAL_REVIEWERS = "Medical reviewers"
APPROVE_PERMISSION = "review.approve_medical_content"


def can_approve(user):
    """Whether this person may sign off medical content (superusers may, in an emergency, and it is recorded)."""
    return bool(user and user.is_active and user.is_staff and user.has_perm(APPROVE_PERMISSION))


def site_language_only():
    return [settings.LANGUAGE_CODE]


@reversion.register()
class Reviewer(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reviewer",
        help_text="The staff account this reviewer signs in with. Only members of “Medical reviewers” can approve.",
    )
    display_name = models.CharField(
        max_length=120,
        help_text="The name printed on the pages they approve, as patients should read it: “Dr Amina Yusuf”.",
    )
    credentials = models.CharField(
        max_length=160,
        help_text="What qualifies them, after their name: “consultant breast oncologist”.",
    )
    languages = models.JSONField(
        default=site_language_only,
        help_text="The languages they approve pages in (language codes): only a reviewer who reads a page's "
        "language approves it or sends it back. Set by a superuser.",
    )
    last_reminded_on = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="When `send_review_reminders` last e-mailed them: at most one digest a day.",
    )

    class Meta:
        ordering = ["display_name"]
        permissions = [("approve_medical_content", "Can approve medical content for the public")]

    def __str__(self):
        return f"{self.display_name}, {self.credentials}"

    def reviews_in(self, language):
        return language in self.languages


class SignOff(models.Model):
    """
    A medical item's change on its way to the public: written, submitted,
    perhaps sent back, until a reviewer approves it (and this row goes). The
    change itself is a version (`proposed`); the public keeps seeing the
    item's row, which holds the approved content (`approved`, the version it
    was approved as; none if it was never published).
    """

    shown_on_pages = False  # staff see where a change stands; the public pages never do

    class State(models.TextChoices):
        DRAFT = "draft", "Not submitted yet"
        SUBMITTED = "submitted", "Awaiting review"
        SENT_BACK = "sent_back", "Sent back"

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, help_text="The kind of page.")
    object_id = models.CharField(max_length=191, help_text="Which page of that kind.")
    item = GenericForeignKey("content_type", "object_id")
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.DRAFT, db_index=True, help_text="Where the change stands."
    )
    proposed = models.ForeignKey(
        "reversion.Version", null=True, on_delete=models.SET_NULL, related_name="+", help_text="The change to review."
    )
    approved = models.ForeignKey(
        "reversion.Version",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="What the public sees now (none if the item was never published).",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who sent it to review.",
    )
    submitted_at = models.DateTimeField(null=True, help_text="When it was sent to review (the queue's order).")
    comment = models.TextField(blank=True, help_text="Why the reviewer sent it back; the editor sees it on the page.")
    sent_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The reviewer who sent it back.",
    )
    sent_back_at = models.DateTimeField(null=True, help_text="When it was sent back.")
    updated_at = models.DateTimeField(auto_now=True, help_text="When this changed last.")

    class Meta:
        verbose_name = "medical review"
        verbose_name_plural = "review queue"
        ordering = ["submitted_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["content_type", "object_id"], name="one_sign_off_per_item")]

    def __str__(self):
        return f"{self.item} ({self.get_state_display().lower()})"

    @classmethod
    def of(cls, item):
        return cls.objects.filter(content_type=ContentType.objects.get_for_model(item), object_id=str(item.pk)).first()

    def review_page(self):
        """Where a reviewer reads the change and approves it or sends it back, in the admin."""
        return reverse("admin:review_signoff_change", args=[self.pk])


def months_after(day, months):
    """The same day `months` later, or the month's last day if it has no such day (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# What a version of medical content leaves out: whether and since when it is public, and its sign-off.
# A revert or recovery never brings these back (core.admin.VersionedAdmin keeps them as they are).
NOT_CONTENT = (
    "status", "published_at", "go_live_at", "expires_at", "recorded_go_live",
    "reviewed_by", "last_reviewed", "next_review_due", "approved_version", "behind_since",
)  # fmt: skip

# What a translator translates is a page's words: not where or whether it is shown, its address, its
# picture's file or its place in a list, nor what is worked out from the words (fields nobody types). A
# change to these leaves every translation as it was.
NOT_TRANSLATED = (
    "language", "status", "go_live_at", "expires_at", "review_interval_months", "slug", "source_id",
    "hero_image", "order",
)  # fmt: skip


def _words_of(row):
    return tuple(
        (field.name, field.value_from_object(row))
        for field in type(row)._meta.concrete_fields
        if field.editable and not field.is_relation and not field.primary_key and field.name not in NOT_TRANSLATED
    )


# Refused attempts on sign-off: one line each, with who and what (core.admin logs refused restores here too).
refusals = logging.getLogger("ribbon.review")


@dataclass(frozen=True)
class ApprovedPage:
    """A published medical page as the public sees it, taken before a change is saved over its rows."""

    version: Version  # the version the public page is
    kept: dict  # its publication and sign-off columns (kept_on_revert), which versions leave out
    sign_off: "SignOff | None"  # the change in progress before this one, if any
    # Its many-to-many choices as they are: a deletion (of a tag) may have changed them since the version.
    links: dict


class PublicationRefused(PermissionDenied):
    """Medical content was about to become public without a sign-off."""


class ChangedSinceShown(ValidationError):
    """The reviewer decided on a version that is no longer the one under review."""


class NotAwaitingReview(ValidationError):
    """The change was taken back by its editor, or sent back: only a submitted change is approved."""


class OwnChangeRefused(PermissionDenied):
    """The reviewer wrote part of what they were about to approve."""


class MedicalContent(models.Model):
    """
    Content patients may act on (treatments, FAQ answers, glossary definitions). It becomes public
    only through a recorded sign-off: a medical reviewer's approval, a
    superuser's emergency publication, or an import run by an operator on
    the server. save() refuses anything else, whichever route it came by
    (a form, a bulk action, the shell), so no admin screen can forget it.
    The review dates are set by approval, never typed.
    """

    reviewed_by = models.ForeignKey(
        Reviewer,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The medical reviewer who last approved this, named on the page.",
    )
    last_reviewed = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="When a medical reviewer last approved this (set by the approval).",
    )
    next_review_due = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="When it must be reviewed again (set by the approval, from the review interval).",
    )
    review_interval_months = models.PositiveSmallIntegerField(
        "review interval (months)",
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
        help_text="How long an approval lasts: the next review falls due this many months after it (1 to 36).",
    )
    approved_version = models.ForeignKey(
        "reversion.Version",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The version a medical reviewer last approved (set by the approval): whoever wrote any "
        "change since then may not approve it.",
    )
    made_from = models.ForeignKey(
        "reversion.Version",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For a translation: the approved version of the English page it was made from, recorded "
        "each time the translation is saved. When a newer English version is approved, the translation is "
        "behind it until it is updated and approved.",
    )
    behind_since = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="For a translation: when its English page changed after the version it was made from (set "
        "at once by that change's approval). Its readers are told, in its language, until a reviewer approves "
        "a translation made from the English page as it is now. Empty while it is up to date.",
    )
    # A change on its way to review goes with the item when the item is deleted.
    sign_offs = GenericRelation(SignOff)

    kept_on_revert = NOT_CONTENT
    page_content_fields = (
        *("reviewed_by", "last_reviewed", "next_review_due", "review_interval_months", "approved_version"),
        *("made_from", "behind_since"),
    )
    # The template that shows the item on its review page as the public will see it (review_context).
    review_template = ""
    # Whether staff can read a draft on its public address (with a banner); if not, only on its review page.
    draft_has_a_page = True

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        becoming_public = self.status == PublishStatus.PUBLISHED and (
            getattr(self, "_stored_status", None) != PublishStatus.PUBLISHED
        )
        if becoming_public and not getattr(self, "_publication", None):
            raise PublicationRefused(
                f"This {self._meta.verbose_name} is medical content: it is published when a medical reviewer "
                "approves it, not by saving it."
            )
        super().save(*args, **kwargs)
        self._stored_status = self.status
        self._publication = None

    @classmethod
    def from_db(cls, db, field_names, values):
        item = super().from_db(db, field_names, values)
        if "status" in field_names:
            item._stored_status = values[field_names.index("status")]
        return item

    def clean(self):
        super().clean()
        original = getattr(self, "translation_of", None)
        if original is None:
            return
        made_from = original.version_to_translate()
        if made_from is None:
            raise ValidationError(
                {
                    "translation_of": f"“{original}” is not public yet: a translation is made from the English "
                    "page as a medical reviewer approved it, so translate it once it is approved."
                }
            )
        # Saving a translation says it was made from the English page the public reads now: the
        # reviewer who approves it is shown what changed in English since the version it replaces.
        self.made_from = made_from

    def authorise_publication(self, how):
        """
        Let the next save publish, recording `how` ("Imported from a.md"). For code an
        operator runs on the server (imports, demo content, tests); people use approve().
        """
        self._publication = how

    def review_structured_data(self):
        """schema.org's lastReviewed and reviewedBy, for the page's JSON-LD (reviewed_by selected with the item)."""
        data = {}
        if self.last_reviewed:
            data["lastReviewed"] = self.last_reviewed.isoformat()
        if self.reviewed_by:
            data["reviewedBy"] = {
                "@type": "Person",
                "name": self.reviewed_by.display_name,
                "jobTitle": self.reviewed_by.credentials,
            }
        return data

    def sign_off(self):
        """Where this item's change stands in review, or None if nothing is waiting."""
        return SignOff.of(self) if self.pk else None

    def review_context(self, version):
        """
        What review_template needs to show this item as `version` holds it (None: as its rows
        are now): the reviewer reads exactly the version they are asked to approve.
        """
        raise NotImplementedError

    def after_rows_restored(self):
        """
        Called once a version's rows are back (core.versions saves them raw, no save() runs). A
        version holds its stored HTML as it was rendered then, with the glossary of then: it is
        rendered again as the renderer and glossary make it now. A model that derives more from
        its rows refreshes that too.
        """
        if hasattr(self, "refresh_derived_fields"):
            self.refresh_derived_fields()
            derived = {name: getattr(self, name) for name in self.derived_field_names()}
            type(self)._base_manager.filter(pk=self.pk).update(**derived)

    def next_steps(self, user):
        """
        What the draft banner tells this member of staff: only a medical reviewer's
        approval publishes medical content, so an editor submits it, a reviewer decides
        on its review page, and a superuser may publish it in an emergency.
        """
        sign_off = self.sign_off()
        state = sign_off.state if sign_off else None
        may_edit = self.may_be_edited_by(user)
        if state == SignOff.State.SUBMITTED and can_approve(user):
            steps = [
                NextStep(
                    "It awaits medical review: approve it, or send it back, on",
                    "its review page",
                    sign_off.review_page(),
                )
            ]
        elif state == SignOff.State.SUBMITTED:
            steps = [NextStep("It awaits medical review: it goes public when a medical reviewer approves it.")]
        elif state == SignOff.State.SENT_BACK and may_edit:
            steps = [
                NextStep(
                    "A medical reviewer sent it back: read their comment, change it and submit it again on",
                    "its edit page",
                    self.edit_page(),
                )
            ]
        elif state == SignOff.State.SENT_BACK:
            steps = [NextStep("A medical reviewer sent it back to its editor, who submits it again when it is ready.")]
        elif may_edit:
            steps = [
                NextStep(
                    "It goes public when a medical reviewer approves it: submit it for review on",
                    "its edit page",
                    self.edit_page(),
                )
            ]
        else:
            steps = [NextStep("It goes public when a medical reviewer approves it, once its editor submits it.")]
        if user.is_superuser:
            steps.append(
                NextStep(
                    "In an emergency you can publish it without review, and the history says so, on",
                    "its edit page",
                    self.edit_page(),
                )
            )
        return steps

    def approved_page(self):
        """
        The page as the public sees it, taken before a change is written over its rows
        (keep_for_review puts it back), from the row as just read from the database. A page
        made without versions (volume data) gets one now.
        """
        sign_off = self.sign_off()
        names = [type(self)._meta.get_field(name).attname for name in self.kept_on_revert]
        kept = {name: getattr(self, name) for name in names}  # the caller has just read (and locked) the row
        links = {
            field.name: list(getattr(self, field.name).values_list("pk", flat=True))
            for field in type(self)._meta.many_to_many
        }
        return ApprovedPage(self.public_version(sign_off), kept, sign_off, links)

    def version_to_translate(self):
        """
        The version of this (English) page a translation is made from: the one the public reads, as a
        reviewer approved it or an operator's import published it. None while it is not published.
        """
        return self.public_version(self.sign_off()) if self.is_published else None

    def public_version(self, sign_off):
        """The version the public page is: the sign-off's, or the latest (one is made if there is none)."""
        if sign_off is not None and sign_off.approved is not None:
            return sign_off.approved
        return latest_version(self) or record_version(self, "The approved page, kept before its first change.")

    def keep_for_review(self, approved, by, submit):
        """
        A change was just saved over a published page (its version made): keep that version
        as the pending change and put the approved page back, so the public never sees it
        before a reviewer approves it. `approved` is what approved_page() gave before the
        change. With `submit` the change goes to review; without it, it waits for its
        editor to submit it (a change that was awaiting review is taken back out).
        """
        proposed = latest_version(self)
        self._put_back(approved.version, approved.kept, approved.links)
        sign_off = approved.sign_off or SignOff(item=self)
        sign_off.approved, sign_off.proposed = approved.version, proposed
        if submit:
            sign_off.state = SignOff.State.SUBMITTED
            sign_off.submitted_by, sign_off.submitted_at = by, timezone.now()
            sign_off.comment = ""
        else:
            sign_off.state = SignOff.State.DRAFT  # a reviewer approves only what was submitted
        sign_off.save()
        return sign_off

    def submit_for_review(self, by):
        """The editor is done: the latest version (a draft as it is, or a published page's change) goes to review."""
        latest = latest_version(self)
        sign_off = self.sign_off() or SignOff(item=self, approved=latest if self.is_published else None)
        sign_off.state = SignOff.State.SUBMITTED
        sign_off.proposed = latest
        sign_off.submitted_by, sign_off.submitted_at = by, timezone.now()
        sign_off.save()
        return sign_off

    def send_back(self, by, comment):
        """A reviewer returns the change to its editor, saying why."""
        if not can_approve(by):
            raise PermissionDenied("Only a medical reviewer can send a change back.")
        self._check_language(by, Reviewer.objects.filter(user=by).first(), "send back")
        sign_off = self.sign_off()
        if sign_off is None or sign_off.state != SignOff.State.SUBMITTED:
            raise ValidationError("Only a change that is awaiting review can be sent back.")
        if not comment.strip():
            raise ValidationError("Say what needs to change: the editor sees this comment.")
        sign_off.state = SignOff.State.SENT_BACK
        sign_off.comment = comment.strip()
        sign_off.sent_back_by, sign_off.sent_back_at = by, timezone.now()
        sign_off.save()

    def may_be_reviewed_by(self, reviewer):
        """Whether this reviewer (a Reviewer, or None: a reviewer without a profile) reads the page's language."""
        language = getattr(self, "language", settings.LANGUAGE_CODE)
        return reviewer.reviews_in(language) if reviewer is not None else language == settings.LANGUAGE_CODE

    def _check_language(self, by, reviewer, decision):
        """A reviewer decides only on pages in a language their profile lists: they must read what they approve."""
        if self.may_be_reviewed_by(reviewer):
            return
        refusals.warning(
            "Refused: %s tried to %s %s %s, written in %s, a language their profile does not list.",
            by.get_username(), decision, self._meta.model_name, self.pk, self.language,
        )  # fmt: skip
        raise PermissionDenied(
            f"“{self}” is written in {self.get_language_display()}, which your reviewer profile does not list: a "
            "reviewer who reads it decides on it. A superuser adds languages to a profile (Medical review › "
            "Reviewers)."
        )

    def version_under_review(self, sign_off):
        """
        What an approval would make public: a published page's pending change, or all of a
        draft as its latest version holds it (None: a draft saved without versions, its rows).
        """
        if self.is_published and sign_off is not None:
            return sign_off.proposed
        return latest_version(self)

    def authors_of_change(self, sign_off):
        """
        Everyone who saved a version of what is under review: of a published page, since
        the version the public sees; of a draft, since a reviewer last approved it (all
        of it if never). An import or a command has no user and is nobody's to approve.
        """
        versions = Version.objects.get_for_object(self).filter(revision__user__isnull=False)
        since = sign_off.approved_id if self.is_published and sign_off is not None else self.approved_version_id
        if since is not None:
            versions = versions.filter(pk__gt=since)
        authors = set(versions.values_list("revision__user", flat=True))
        if sign_off is not None and sign_off.submitted_by_id is not None:
            authors.add(sign_off.submitted_by_id)
        return authors

    def approve(self, by, shown=None):
        """
        A medical reviewer signs this off: a pending change replaces the public
        content, the item is published, and the review dates start again from today.

        `shown` is the id of the version the reviewer was shown (the review page
        sends it): if the page changed since, nothing is approved. Nobody approves
        a change they wrote any part of: a second person reads every change.
        """
        if not can_approve(by):
            raise PermissionDenied("Only a medical reviewer can approve medical content.")
        reviewer = Reviewer.objects.filter(user=by).first()
        if reviewer is None:
            raise PermissionDenied(
                "Add your name and credentials (Medical review › Reviewers) before approving: "
                "they are printed on every page you approve."
            )
        self._check_language(by, reviewer, "approve")
        sign_off = self.sign_off()
        if sign_off is not None and sign_off.state != SignOff.State.SUBMITTED:
            refusals.warning(
                "Refused: %s tried to approve %s %s, which is not awaiting review (%s).",
                by.get_username(), self._meta.model_name, self.pk, sign_off.get_state_display().lower(),
            )  # fmt: skip
            raise NotAwaitingReview(
                f"“{self}” is not awaiting review: {sign_off.get_state_display().lower()}. Nothing was approved: "
                "it can be approved once its editor submits it again."
            )
        under_review = self.version_under_review(sign_off)
        if shown is not None and str(shown) != str(under_review.pk if under_review else ""):
            refusals.warning(
                "Refused: %s tried to approve %s %s as version %s, but it changed since (now version %s).",
                by.get_username(), self._meta.model_name, self.pk, shown or "(none)", under_review and under_review.pk,
            )  # fmt: skip
            raise ChangedSinceShown(self._changed_since(shown))
        if by.pk in self.authors_of_change(sign_off):
            refusals.warning(
                "Refused: %s tried to approve their own change to %s %s.",
                by.get_username(),
                self._meta.model_name,
                self.pk,
            )
            raise OwnChangeRefused(
                "You wrote part of this change, so another medical reviewer must approve it: "
                "a second person reads every change before the public does."
            )
        if sign_off is not None and sign_off.proposed is not None and self.is_published:
            # The change becomes the page (no version: approval makes one); publication and sign-off stay.
            names = [type(self)._meta.get_field(name).attname for name in self.kept_on_revert]
            self._put_back(sign_off.proposed, {name: getattr(self, name) for name in names})
        today = timezone.localdate()
        self.reviewed_by = reviewer
        self.last_reviewed = today
        self.next_review_due = months_after(today, self.review_interval_months)
        self.status = PublishStatus.PUBLISHED
        self._save_recorded(by, f"Approved by {reviewer}.", f"Approved by {reviewer}")
        self.approved_version = latest_version(self)
        type(self)._base_manager.filter(pk=self.pk).update(approved_version=self.approved_version)
        if sign_off is not None:
            sign_off.delete()
        self.check_translations()

    def _changed_since(self, shown):
        """What a reviewer is told when the version they decided on is not the one under review now."""
        later = Version.objects.get_for_object(self).select_related("revision__user")
        latest = later.filter(pk__gt=int(shown)).first() if str(shown).isdigit() else None
        if latest is None:
            return (
                f"The approval named a version of “{self}” that is not the one under review. Nothing was "
                "approved. The change under review is shown below: read it and decide again."
            )
        user = latest.revision.user
        who = (user.get_full_name() or user.get_username()) if user else "An import"
        when = date_format(timezone.localtime(latest.revision.date_created), "j F Y, H:i")
        return (
            f"“{self}” changed since you opened it: {who} saved it on {when}. Nothing was approved. "
            "The change as it is now is shown below: read it and decide again."
        )

    def row_words(self, version=None):
        """
        The words of the rows the page follows (a treatment's points and references), as `version` holds
        them (None: as they are now), in page order: with its own fields' words (_words_of), what a
        translation of the page translates.
        """
        if version is None:
            names = [relation.get_accessor_name() for relation in followed_relations(type(self))]
            rows = {name: list(getattr(self, name).all()) for name in names}
        else:
            rows = rows_in(version)
        return [(name, [_words_of(row) for row in rows[name]]) for name in sorted(rows)]

    def english_changes_page(self):
        """For a translation: where the admin shows what changed in its English page since it was made from it."""
        opts = self._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_english_changes", args=[quote(self.pk)])

    def check_translations(self):
        """
        The public page may have just changed (an approval, an emergency change, a published import). A
        translation is behind its English page while the words it was made from are not the words the
        English page has now: one that has just fallen behind is marked so from now, and one that no
        longer is (its update approved, or the English change undone) is cleared. The pages showing
        them are stale from then. A translation has one English page, an English page few translations.
        """
        if getattr(self, "translation_of_id", None) is not None:
            english, translations = self.translation_of, [self]
        elif hasattr(self, "translations"):
            english, translations = self, list(self.translations.select_related("made_from__revision"))
        else:
            return
        if not translations or not english.is_published:
            return
        # The rows are read only when the page's own words are the same: most changes show in those.
        own_words, row_words = _words_of(english), None
        changed = set()
        for translation in translations:
            made_from = translation.made_from
            behind = made_from is None or _words_of(made_from._object_version.object) != own_words
            if not behind:
                row_words = english.row_words() if row_words is None else row_words
                behind = english.row_words(made_from) != row_words
            if behind == (translation.behind_since is not None):
                continue
            translation.behind_since = timezone.now() if behind else None
            type(translation)._base_manager.filter(pk=translation.pk).update(behind_since=translation.behind_since)
            changed.add(row_tag(type(translation), translation.pk))
        if changed:
            generations.invalidate(tags=changed)

    def changed_outside_review(self, by, why):
        """
        The public page was changed without review (a superuser's emergency change, an
        operator's import, unpublishing): its translations are checked against it. A change
        waiting for review was made on the page as it was before, and approving it would
        silently undo this one: it goes back to its editor, saying why, to be made again on
        the page as it is now.
        """
        self.check_translations()
        sign_off = self.sign_off()
        if sign_off is None:
            return
        sign_off.state = SignOff.State.SENT_BACK
        sign_off.comment = (
            f"The public page changed after this change was made ({why}), and approving the change would "
            "undo that. Make it again on the page as it is now and submit it: your version is in History."
        )
        sign_off.sent_back_by, sign_off.sent_back_at = by, timezone.now()
        sign_off.save()

    def _put_back(self, version, kept, links=None):
        """
        Make the page what `version` holds, rows and all, with `kept` (publication and
        sign-off, which versions leave out) and `links` (many-to-many choices) as given;
        then refresh what it derives.
        """
        restored = revert_page(version, delete=True, keep=kept, links=links, current=self)
        for field in type(self)._meta.concrete_fields:
            setattr(self, field.attname, getattr(restored, field.attname))
        self._stored_status = self.status
        self.after_rows_restored()

    def publish_in_emergency(self, by):
        """A superuser publishes without a medical review: the history says so; the review dates stay as they were."""
        if not (by and by.is_active and by.is_superuser):
            raise PermissionDenied("Only a superuser can publish medical content without a medical review.")
        self.status = PublishStatus.PUBLISHED
        name = by.get_full_name() or by.get_username()
        self._save_recorded(by, f"Published by {name} without medical review (emergency).", "Emergency")
        self.changed_outside_review(by, f"published by {name} without medical review")

    def _save_recorded(self, by, comment, how):
        self.authorise_publication(how)
        with reversion.create_revision():
            reversion.set_user(by)
            reversion.set_comment(comment)
            self.save()


def medical_models():
    """The kinds of medical content (treatments, questions, glossary terms): the models whose changes are signed off."""
    return [model for model in apps.get_models() if issubclass(model, MedicalContent)]
