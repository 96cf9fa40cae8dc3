import functools

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language

from core.languages import alternates
from core.models import keep_draft_private
from core.pagination import page_or_404
from core.site import absolute_url, organization_data
from donations.models import Campaign
from donations.models.campaigns import text_in
from faq.models import faq_page_data
from pagecache.kept import kept_content
from pagecache.parameters import PageNumber, Slug, page_exists, query_parameters
from treatments.models import Treatment

from .models import Article, Tag

ARTICLES_PER_PAGE = 10
# What a list shows of each article: never its body.
LISTED_FIELDS = ("title", "slug", "summary", "published_on", "status", "go_live_at", "expires_at")


def listed(articles):
    """Articles as the list shows them: their tags, never their text."""
    tags = Prefetch("tags", queryset=Tag.objects.order_by("name"))
    return articles.only(*LISTED_FIELDS).prefetch_related(tags)


@query_parameters(tag=Slug(), page=PageNumber())
def article_list(request):
    articles = listed(Article.objects.published().in_language().newest_first())
    # Only tags that lead somewhere: a tag used only by drafts is never named on a public page.
    with_published = Tag.objects.filter(Exists(Article.objects.published().in_language().filter(tags=OuterRef("pk"))))
    current_tag = None
    if "tag" in request.GET:
        current_tag = get_object_or_404(with_published, slug=request.GET["tag"])
        articles = articles.filter(tags=current_tag)
    page = page_or_404(request, articles, ARTICLES_PER_PAGE)
    context = {"articles": page.object_list, "page_obj": page, "current_tag": current_tag, "tags": with_published}
    return render(request, "articles/article_list.html", context)


@page_exists(lambda slug: Article.objects.published().in_language().filter(slug=slug).exists())
@query_parameters()
def article_detail(request, slug):
    try:
        kept = kept_content(request, Article, slug)
    except Article.DoesNotExist:
        raise Http404("No such article.") from None
    page = functools.cache(lambda: _article_page(request, slug))
    # Callables: read only where the page is rendered, not where its kept parts are reused.
    context = {name: functools.partial(lambda name: page()[name], name) for name in PAGE_PARTS}
    if kept:
        context["alternates"] = alternates(request, kept["translations"])
    response = render(request, "articles/article_detail.html", {"kept": kept, **context})
    return response if kept else keep_draft_private(response, page()["article"])


# What the article's row reads of its appeal's campaign (donations.models.campaigns.text_in).
APPEAL = "appeal_words_"
PAGE_PARTS = ("article", "questions", "tags", "related_treatments", "next_article", "campaign", "structured_data")
PAGE_PARTS += ("faq", "alternates")


def _featured_campaign(language):
    """
    The featured campaign, for the appeal: in English only its title and address (a change to either
    makes the pages listing campaigns stale). Its words in another language are part of its row, not
    of its kind, so there the whole row is read, and tags the page: an edit of them makes it stale.
    """
    featured = Campaign.objects.with_text_in(language).featured()
    if language == settings.LANGUAGE_CODE:
        featured = featured.only("title", "slug")
    return featured.first()


def _article_page(request, slug):
    """What an article's page shows: the article as this person may see it, and the rows beside it."""
    articles = Article.objects.visible_to(request.user).in_language().with_translations()
    articles = articles.select_related("reviewed_by", "next_article", "appeal_campaign")
    # The appeal's campaign in the article's language (its title and address there), read with the article.
    language = get_language()
    articles = articles.annotate(**text_in(language, "appeal_campaign", prefix=APPEAL))
    article = get_object_or_404(articles, slug=slug)
    questions = list(article.questions.all())
    next_article = article.next_article if article.next_article and article.next_article.is_live else None
    campaign = article.appeal_campaign
    if campaign is not None:
        campaign.take_text_from(article, APPEAL)
    if campaign is None or not campaign.is_active():
        campaign = _featured_campaign(language)
    page_url = absolute_url(request, article.get_absolute_url())
    treatments = list(Treatment.objects.published().in_language().filter(articles=article).only("title", "slug"))
    image = absolute_url(request, article.hero_share_image_url) if article.hero_share_image_url else ""
    return {
        "article": article,
        "questions": questions,
        "tags": list(article.tags.order_by("name")),
        "related_treatments": treatments,
        "next_article": next_article,
        "campaign": campaign,
        "structured_data": article.structured_data(page_url, organization_data(request), treatments, image),
        "faq": faq_page_data(questions) if questions else None,
        "alternates": alternates(request, article.translation_addresses()),
    }
