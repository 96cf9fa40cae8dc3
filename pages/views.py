"""The home page and the error pages (templates/pages/<status>.html)."""

import logging
import sys

from django.conf import settings
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import InvalidPage
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _

from articles.models import Article
from articles.views import LISTED_FIELDS
from core.languages import language_of
from core.site import organization_data
from donations.models import Campaign
from faq.models import Question, Topic
from pagecache.parameters import PageNumber, SearchText, query_parameters
from search.results import TooManySearches, search
from search.views import too_many_searches
from treatments.models import Treatment

from .sitemaps import SITEMAPS

logger = logging.getLogger(__name__)

DATABASE_RETRY_SECONDS = 30
MAX_QUERY_LENGTH = 200
RESULTS_PER_PAGE = 20
# What the site's search finds, in this order when two results rank the same.
SEARCHED = [Treatment, Article, Question]
LATEST_ARTICLES = 3


@query_parameters()
def home(request):
    treatments = Treatment.objects.published().in_language().order_by("title")[:6]
    topics = Topic.objects.with_published_questions().order_by("order", "name")
    # The featured campaign in this page's language where it is written in it (its title, summary, address).
    campaign = Campaign.objects.with_text_in(request.LANGUAGE_CODE).featured().with_totals().first()
    context = {
        "treatments": treatments,
        "topics": topics,
        "articles": Article.objects.published().in_language().newest_first().only(*LISTED_FIELDS)[:LATEST_ARTICLES],
        "campaign": campaign,
        "structured_data": organization_data(request),
    }
    return render(request, "pages/home.html", context)


@query_parameters(q=SearchText(max_length=MAX_QUERY_LENGTH), page=PageNumber(only_with="q"))
def site_search(request):
    """One search over treatments and questions (search.results), best first, in pages of 20."""
    query = request.GET.get("q", "")
    results = None
    if query:
        try:
            results = search(SEARCHED, query, int(request.GET.get("page", 1)), RESULTS_PER_PAGE, visitor=request)
        except InvalidPage:
            raise Http404("No such page of results.") from None
        except TooManySearches:
            return too_many_searches(request)
    response = render(request, "pages/search.html", {"query": query, "results": results})
    if query:
        # Any words can be searched for: the page is never stored, by the page cache or by browsers (the
        # ranked results are kept, keyed by a hash of the words, in a store of their own: search.results).
        patch_cache_control(response, no_store=True)
    return response


@query_parameters()
def robots_txt(request):
    """Crawlers: everything public, not the admin or the editor's endpoints; where the sitemap is."""
    lines = [
        "User-agent: *",
        f"Disallow: /{settings.ADMIN_URL}",
        "Disallow: /markdownx/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@query_parameters(p=PageNumber())
def sitemap(request):
    """/sitemap.xml (pages.sitemaps), in pages of 50,000 addresses (?p=2) as the protocol asks."""
    return sitemap_views.sitemap(request, sitemaps=SITEMAPS)


# What each error page says: its heading, and what the visitor can do.
ERROR_PAGES = {
    400: (
        _("Sorry, we could not understand that request"),
        _("The address or form you sent had something we could not read. Please go back and try again."),
    ),
    403: (
        _("Sorry, you cannot open this page"),
        _("This page is not available to you. If you are staff, please log in first."),
    ),
    404: (
        _("Sorry, we cannot find that page"),
        _(
            "The page may have moved, or the address may be mistyped. "
            "Everything we publish is reachable from the links below."
        ),
    ),
    500: (
        _("Sorry, something went wrong on our side"),
        _("The problem has been logged and we will look into it. Please try again in a few minutes."),
    ),
    503: (
        _("The site is temporarily unavailable"),
        _(
            "We are having a short technical problem. "
            "Please try again in a minute or two; nothing you were reading has been lost."
        ),
    ),
}


def error_page(request, status):
    """
    The site's page for an error `status`, in its layout, with the ways on that need nothing that failed; in
    the language of its address even when the request was refused before that language was taken from it.
    """
    heading, message = ERROR_PAGES[status]
    context = {"heading": heading, "message": message, "status": status}
    language = language_of(request.path_info)
    with translation.override(language):
        html = loader.render_to_string("pages/error.html", context, request=request)
    response = HttpResponse(html, status=status)
    response["Content-Language"] = language
    return response


def server_error(request):
    """
    The 500 handler. When the cause is an unreachable database the honest
    answer is 503 "try again shortly", which clients and proxies can retry;
    connections are re-checked on the next request, so the site recovers by
    itself when the database is back.
    """
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        # A warning: "django.request" logs the failure itself at ERROR with its traceback, and Sentry
        # reports the exception once; at ERROR this line would be a second report of the same failure.
        logger.warning("Database unavailable: %s", error)
        response = error_page(request, 503)
        response["Retry-After"] = str(DATABASE_RETRY_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    return error_page(request, 500)


# The handlers Django calls (config.urls), with the site's pages.


def bad_request(request, exception):
    return error_page(request, 400)


def permission_denied(request, exception):
    return error_page(request, 403)


def page_not_found(request, exception):
    return error_page(request, 404)
