"""
/sitemap.xml: every public page in every language, for search engines, with
when it last changed. One query per kind of page and language, however many
pages there are.
"""

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import translation

from articles.models import Article
from donations.models import Campaign
from faq.models import Question, Topic
from glossary.models import Term
from treatments.models import Treatment


class SectionSitemap(Sitemap):
    """The site's own pages, the home page and each section's front page, in each language with the others beside it."""

    i18n = True
    alternates = True

    def items(self):
        return ["home", "treatments:list", "articles:list", "faq:index"]

    def location(self, item):
        return reverse(item)


class PublishedSitemap(Sitemap):
    """
    Published items of one model, as the public sees them now (go-live and expiry included), each
    at its address in its own language.
    """

    model = None

    def items(self):
        return self.model.objects.published().only("slug", "updated_at", "language").order_by("pk")

    def lastmod(self, item):
        return item.updated_at


class TreatmentSitemap(PublishedSitemap):
    model = Treatment


class ArticleSitemap(PublishedSitemap):
    model = Article


class QuestionSitemap(PublishedSitemap):
    model = Question


class CampaignSitemap(Sitemap):
    """
    The donate page and the campaigns taking gifts, in each language they are written in (a campaign's
    page in another language shows its English words, and asks search engines to keep the English page),
    at their address there and with their pages in the other languages beside them.
    """

    i18n = True
    alternates = True
    INDEX = "donations:index"

    def items(self):
        campaigns = Campaign.objects.active().with_text_in(settings.LANGUAGE_CODE)
        self.campaigns = list(campaigns.only("slug", "updated_at", "is_featured").order_by("pk"))
        return [self.INDEX, *self.campaigns]

    def get_languages_for_item(self, item):
        if item == self.INDEX:  # the featured campaign's page, or the list of campaigns
            featured = next((campaign for campaign in self.campaigns if campaign.is_featured), None)
            return self._written_in(featured) if featured else self._languages()
        return self._written_in(item)

    def _written_in(self, campaign):
        """The site's language, and each other language the campaign has words (and so a slug) in."""
        codes = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
        return [settings.LANGUAGE_CODE, *(code for code in codes if getattr(campaign, f"slug_in_{code}", None))]

    def location(self, item):
        return reverse(item) if isinstance(item, str) else item.get_absolute_url()

    def lastmod(self, item):
        return None if isinstance(item, str) else item.updated_at


class TopicSitemap(Sitemap):
    """
    Topics with a published question, in each language that has one; a topic page changes when one of
    its questions does.
    """

    def items(self):
        found = []
        for language, _name in settings.LANGUAGES:
            published = Question.objects.published().in_language(language)
            topics = (
                Topic.objects.filter(questions__in=published)
                .annotate(last_change=Max("questions__updated_at", filter=Q(questions__in=published)))
                .order_by("pk")
            )
            found += [(language, topic) for topic in topics]
        return found

    def location(self, item):
        language, topic = item
        with translation.override(language):
            return topic.get_absolute_url()

    def lastmod(self, item):
        return item[1].last_change


class GlossarySitemap(Sitemap):
    """The glossary's one page in each language that has an entry, changed when its newest entry was."""

    def items(self):
        found = Term.objects.published().values("language").annotate(last=Max("updated_at")).order_by("language")
        return [(row["language"], row["last"]) for row in found]

    def location(self, item):
        with translation.override(item[0]):
            return reverse("glossary:index")

    def lastmod(self, item):
        return item[1]


SITEMAPS = {
    "sections": SectionSitemap,
    "treatments": TreatmentSitemap,
    "articles": ArticleSitemap,
    "topics": TopicSitemap,
    "questions": QuestionSitemap,
    "campaigns": CampaignSitemap,
    "glossary": GlossarySitemap,
}
