"""/articles/feed/: the newest articles as an Atom feed (Django's syndication framework)."""

import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from core.site import fixed_url

from .models import Article

FEED_LENGTH = 20


class LatestArticles(Feed):
    feed_type = Atom1Feed
    description_template = None

    def title(self):
        return _("%(site_name)s: articles") % {"site_name": settings.SITE_NAME}

    def subtitle(self):
        return _("New articles about breast cancer treatment, research and living with cancer, medically reviewed.")

    def link(self):
        return fixed_url("articles:list")

    def items(self):
        articles = Article.objects.published().in_language().newest_first()
        return articles.only("title", "slug", "summary", "published_on", "updated_at")[:FEED_LENGTH]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_pubdate(self, item):
        return _start_of(item.published_on)

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return settings.SITE_NAME


def _start_of(day):
    """A date as the moment it began in the site's time zone (a feed's dates are moments)."""
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
