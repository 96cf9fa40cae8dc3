"""
/sitemap.xml: every public page, for search engines, with when it last
changed. One query per kind of page, however many there are.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.urls import reverse

from articles.models import Article
from donations.models import Campaign
from faq.models import Question, Topic
from glossary.models import Term
from treatments.models import Treatment


class SectionSitemap(Sitemap):
    """The site's own pages: the home page and each section's front page."""

    def items(self):
        return ["home", "treatments:list", "articles:list", "faq:index", "donations:index"]

    def location(self, item):
        return reverse(item)


class PublishedSitemap(Sitemap):
    """Published items of one model, as the public sees them now (go-live and expiry included)."""

    model = None

    def items(self):
        return self.model.objects.published().only("slug", "updated_at").order_by("pk")

    def lastmod(self, item):
        return item.updated_at


class TreatmentSitemap(PublishedSitemap):
    model = Treatment


class ArticleSitemap(PublishedSitemap):
    model = Article


class QuestionSitemap(PublishedSitemap):
    model = Question


class CampaignSitemap(PublishedSitemap):
    model = Campaign

    def items(self):
        return Campaign.objects.active().only("slug", "updated_at").order_by("pk")


class TopicSitemap(Sitemap):
    """Topics with a published question; a topic page changes when one of its questions does."""

    def items(self):
        published = Question.objects.published()
        return (
            Topic.objects.filter(questions__in=published)
            .annotate(last_change=Max("questions__updated_at", filter=Q(questions__in=published)))
            .order_by("pk")
        )

    def lastmod(self, topic):
        return topic.last_change


class GlossarySitemap(Sitemap):
    """The glossary's one page, changed when its newest entry was."""

    def items(self):
        return ["glossary:index"] if Term.objects.published().exists() else []

    def location(self, item):
        return reverse(item)

    def lastmod(self, item):
        return Term.objects.published().aggregate(last=Max("updated_at"))["last"]


SITEMAPS = {
    "sections": SectionSitemap,
    "treatments": TreatmentSitemap,
    "articles": ArticleSitemap,
    "topics": TopicSitemap,
    "questions": QuestionSitemap,
    "campaigns": CampaignSitemap,
    "glossary": GlossarySitemap,
}
