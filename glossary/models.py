"""
Plain-language definitions of the words patients meet on treatment pages and
in answers. The first use of each term on those pages links to its entry
(core.terms), in the stored HTML: when a term is added, changed or removed,
the pages that mention it are rendered again (core.rendering), so every page
follows without a deploy.

A definition is medical content (review.models.MedicalContent): patients
read it as a medical reviewer approved it. A term's row is always what the
public may read (an editor's change to a published term waits as a version),
and only published terms are linked or listed, so the stored HTML of every
page is made from approved definitions alone.
"""

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import translation

from core.fields import validate_web_url
from core.models import PublishableModel, SlugFromTitle, TranslatableModel
from core.rendering import rerender_mentioning
from core.site import fixed_url
from core.terms import Term as LinkedTerm
from core.text import search_normalise
from core.versions import latest_version
from pagecache import generations
from pagecache.tags import tags_of_rows
from review.models import NOT_CONTENT, MedicalContent

DEFINITION_MAX_WORDS = 40


def at_most_forty_words(text):
    count = len(text.split())
    if count > DEFINITION_MAX_WORDS:
        raise ValidationError(
            f"Keep a definition to {DEFINITION_MAX_WORDS} words or fewer, so it fits in a pop-up on a phone: "
            f"this one has {count}."
        )


@reversion.register(exclude=NOT_CONTENT)  # publication and sign-off are not a version's to bring back
class Term(MedicalContent, TranslatableModel, PublishableModel, SlugFromTitle):
    term = models.CharField(
        max_length=80,
        help_text="The word or phrase as patients meet it, e.g. “Lymph node” or “HER2-positive”.",
    )
    slug = models.SlugField(
        max_length=80,
        unique=True,
        help_text="The entry's anchor: /glossary/#this-slug. Filled in from the term.",
    )
    other_forms = models.CharField(
        "other forms",
        max_length=300,
        blank=True,
        help_text="Other ways it is written, separated by commas: plurals, abbreviations (“lymph nodes, nodes”).",
    )
    definition = models.TextField(
        max_length=400,
        validators=[at_most_forty_words],
        help_text=f"What it means, in plain words: at most {DEFINITION_MAX_WORDS}. No markdown.",
    )
    link = models.URLField(
        max_length=500,
        blank=True,
        validators=[validate_web_url],
        help_text="Optional: a page that explains more, on this site or a trusted source (https://…).",
    )

    slug_source = "term"
    reserved_slugs = frozenset({"main", "letters"})  # ids the glossary page uses itself
    review_template = "glossary/includes/proposed_page.html"
    draft_has_a_page = False  # the glossary lists published terms only, for staff too

    class Meta:
        ordering = [Lower("term")]
        verbose_name = "glossary term"
        # A term is one entry in each language's glossary ("PD-L1" in English and in Spanish).
        constraints = [models.UniqueConstraint(fields=["term", "language"], name="glossary_term_unique_in_language")]

    def __str__(self):
        return self.term

    def clean(self):
        super().clean()
        mine = {search_normalise(form) for form in self.forms()}
        for other in Term.objects.in_language(self.language).exclude(pk=self.pk):
            shared = mine & {search_normalise(form) for form in other.forms()}
            if shared:
                raise ValidationError(
                    {
                        "other_forms": f"“{shared.pop()}” is already a form of “{other.term}”: a word links to one "
                        "entry of its language's glossary."
                    }
                )

    def forms(self):
        """Every way the term is written: the term itself first."""
        others = [form.strip() for form in self.other_forms.split(",")]
        return [self.term.strip(), *[form for form in others if form]]

    @property
    def letter(self):
        first = self.term.strip()[:1].upper()
        return first if first.isalpha() else "#"

    def get_absolute_url(self):
        return self.anchor_url(self.slug)

    @staticmethod
    def anchor_url(slug):
        """Its entry on the glossary page of the page's language: where a page's link to the term leads (core.terms)."""
        return f"{fixed_url('glossary:index')}#{slug}"

    def review_context(self, version):
        """The term as `version` holds it, shown as its glossary entry (its forms are what pages will link)."""
        return {"term": self if version is None else version._object_version.object}

    def after_rows_restored(self):
        """
        The row now holds another version (an editor's change put aside, or a change approved), written
        raw: the pages are rendered again from what is public now. Which pages: those that link the term
        as their stored HTML stands, under any of its slugs, and those that use any of its forms, in the
        row, in the latest version (the change just put aside) and in the versions under review.
        """
        held = [self]
        versions = [latest_version(self)]
        sign_off = self.sign_off()
        if sign_off is not None:
            versions += [sign_off.proposed, sign_off.approved]
        held += [version._object_version.object for version in versions if version is not None]
        _render_again([form for term in held for form in term.forms()], [self.anchor_url(term.slug) for term in held])


def terms_to_link():
    """
    What core.terms links in pages: every term the public may read, as approved, each linking to the
    glossary page of its language (one query).
    """
    urls = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            urls[code] = fixed_url("glossary:index")
    return [
        LinkedTerm(
            slug=term.slug,
            name=term.term,
            forms=tuple(term.forms()),
            definition=term.definition,
            url=urls.get(term.language, urls[settings.LANGUAGE_CODE]),
            language=term.language,
        )
        for term in Term.objects.published().only("term", "slug", "other_forms", "definition", "language")
    ]


# Pages mention terms in their stored HTML: a term's change renders again the pages that use any of its
# forms, old or new, and the pages that link it. Signals, because terms also change by bulk deletion in the
# admin, which calls no delete(). A save whose row is about to be put back as approved (an editor's change
# to a published term, kept for review: glossary.admin) leaves the pages alone: they never show the change.


@receiver(pre_save, sender=Term, dispatch_uid="glossary-term-before")
def _remember_forms(sender, instance, raw=False, **kwargs):
    old = Term.objects.filter(pk=instance.pk).first() if instance.pk and not raw else None
    instance._old_forms = old.forms() if old else []
    instance._old_slug = old.slug if old else None


@receiver(post_save, sender=Term, dispatch_uid="glossary-term-saved")
def _term_saved(sender, instance, raw=False, **kwargs):
    if raw or getattr(instance, "_kept_for_review", False):
        return
    slugs = {instance.slug, getattr(instance, "_old_slug", None)} - {None}
    _render_again([*getattr(instance, "_old_forms", []), *instance.forms()], [Term.anchor_url(slug) for slug in slugs])


@receiver(post_delete, sender=Term, dispatch_uid="glossary-term-deleted")
def _term_deleted(sender, instance, **kwargs):
    _render_again(instance.forms(), [Term.anchor_url(instance.slug)])


def _render_again(forms, links):
    """The pages that use any of `forms` or link any of `links`, rendered again and, once that commits, stale."""
    rendered = rerender_mentioning(forms, links=links)
    # Bulk updates send no signals: the rows are named here.
    generations.invalidate(tags=set().union(*(tags_of_rows(model, pks) for model, pks in rendered.items())))
