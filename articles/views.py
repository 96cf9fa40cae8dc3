from django.db.models import Exists, OuterRef, Prefetch
from django.shortcuts import get_object_or_404, render

from core.models import keep_draft_private
from core.pagination import page_or_404
from core.site import absolute_url, organization_data
from donations.models import Campaign
from faq.models import faq_page_data
from pagecache.parameters import PageNumber, Slug, page_exists, query_parameters
from treatments.models import Treatment

from .models import Article, Tag

ARTICLES_PER_PAGE = 10
# What a list shows of each article: never its body.
LISTED_FIELDS = ("title", "slug", "summary", "published_on", "status", "go_live_at", "expires_at")


def listed(articles):
    """Articles as lists, the feed and the home page show them: their tags, not their text."""
    tags = Prefetch("tags", queryset=Tag.objects.order_by("name"))
    return articles.only(*LISTED_FIELDS).prefetch_related(tags)


@query_parameters(tag=Slug(), page=PageNumber())
def article_list(request):
    articles = listed(Article.objects.published().newest_first())
    # Only tags that lead somewhere: a tag used only by drafts is never named on a public page.
    with_published = Tag.objects.filter(Exists(Article.objects.published().filter(tags=OuterRef("pk"))))
    current_tag = None
    if "tag" in request.GET:
        current_tag = get_object_or_404(with_published, slug=request.GET["tag"])
        articles = articles.filter(tags=current_tag)
    page = page_or_404(request, articles, ARTICLES_PER_PAGE)
    context = {"articles": page.object_list, "page_obj": page, "current_tag": current_tag, "tags": with_published}
    return render(request, "articles/article_list.html", context)


@page_exists(lambda slug: Article.objects.published().filter(slug=slug).exists())
@query_parameters()
def article_detail(request, slug):
    articles = Article.objects.visible_to(request.user).select_related("reviewed_by", "next_article", "appeal_campaign")
    article = get_object_or_404(articles, slug=slug)
    questions = list(article.questions.all())
    next_article = article.next_article if article.next_article and article.next_article.is_live else None
    campaign = article.appeal_campaign
    if campaign is None or not campaign.is_active():
        campaign = Campaign.objects.featured().only("title", "slug").first()
    page_url = absolute_url(request, article.get_absolute_url())
    treatments = list(Treatment.objects.published().filter(articles=article).only("title", "slug"))
    context = {
        "article": article,
        "questions": questions,
        "tags": article.tags.order_by("name"),
        "related_treatments": treatments,
        "next_article": next_article,
        "campaign": campaign,
        "structured_data": article.structured_data(
            page_url,
            organization_data(request),
            treatments,
            absolute_url(request, article.hero_share_image_url) if article.hero_share_image_url else "",
        ),
        "faq_data": faq_page_data(questions) if questions else None,
    }
    return keep_draft_private(render(request, "articles/article_detail.html", context), article)
