from itertools import groupby

from django.core.paginator import InvalidPage
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control

from core.languages import alternates
from core.models import keep_draft_private
from core.pagination import page_or_404
from pagecache.parameters import PageNumber, SearchText, page_exists, query_parameters
from search.results import TooManySearches
from search.views import too_many_searches

from .models import Question, Topic, faq_page_data, topic_has_public_questions

MAX_QUERY_LENGTH = 200
OPEN_RESULTS_UP_TO = 3
# The FAQ page shows each topic's first few questions and links to the rest,
# so that it stays small and quick however many questions are written.
QUESTIONS_PER_TOPIC_ON_INDEX = 5
QUESTIONS_PER_PAGE = 20
# A topic's page lists this many of the questions articles answer under it, the newest articles' first: the
# rest are in their articles (the page stays as short however many articles are written).
ARTICLE_QUESTIONS_ON_A_TOPIC = 10


def _grouped_by_topic(questions, totals):
    """[(topic, [questions…], total), …] from questions in page order and each topic's total."""
    return [
        (topic, list(items), totals.get(topic.pk, 0))
        for topic, items in groupby(questions, key=lambda question: question.topic)
    ]


@query_parameters(q=SearchText(max_length=MAX_QUERY_LENGTH), page=PageNumber(only_with="q"))
def faq_index(request):
    query = request.GET.get("q", "")
    questions = Question.objects.published().in_language()
    if query:
        # The site's search engine (search.results), over questions only: best first.
        try:
            number = int(request.GET.get("page", 1))
            found = Question.search(query, number, QUESTIONS_PER_PAGE, snippets=False, whole=True, visitor=request)
        except InvalidPage:
            raise Http404("No such page of results.") from None
        except TooManySearches:
            return too_many_searches(request)
        page = found.page if found else None
        # A handful of matches are shown already open: the answer is what was searched for.
        context = {
            "query": query,
            "page_obj": page,
            "results": [hit.item for hit in page] if page else [],
            "corrected": found.corrected if found else False,
            "open_results": page is not None and page.paginator.count <= OPEN_RESULTS_UP_TO,
        }
        response = render(request, "faq/search_results.html", context)
        # Any words can be searched for: the page is never stored, by the page cache or by browsers (the
        # ranked results are kept, keyed by a hash of the words, in a store of their own: search.results).
        patch_cache_control(response, no_store=True)
        return response
    questions = list(questions.first_per_topic(QUESTIONS_PER_TOPIC_ON_INDEX))
    totals = Question.objects.published().in_language().totals_per_topic() if questions else {}
    # No FAQPage markup here: each question is marked up once, on its topic's page, which lists them all.
    return render(request, "faq/faq_index.html", {"groups": _grouped_by_topic(questions, totals)})


@page_exists(topic_has_public_questions)
@query_parameters(page=PageNumber())
def topic_detail(request, slug):
    topic = get_object_or_404(Topic.objects.in_language().with_translations(), slug=slug)
    # The questions articles answer under this topic: listed from the articles' own rows, never copied.
    from_articles = list(topic.article_questions.on_live_articles().for_listing()[:ARTICLE_QUESTIONS_ON_A_TOPIC])
    page = page_or_404(
        request,
        topic.questions.published().order_by("order", "question"),
        QUESTIONS_PER_PAGE,
        allow_empty=bool(from_articles),
    )
    questions = list(page.object_list)
    context = {
        "topic": topic,
        "page_obj": page,
        "questions": questions,
        "from_articles": from_articles if page.number == 1 else [],
        "structured_data": faq_page_data(questions) if questions else None,
        "alternates": alternates(request, topic.translation_addresses()),
    }
    return render(request, "faq/topic_detail.html", context)


@page_exists(lambda slug: Question.objects.published().in_language().filter(slug=slug).exists())
@query_parameters()
def question_detail(request, slug):
    questions = Question.objects.visible_to(request.user).in_language().with_translations()
    question = get_object_or_404(questions.select_related("topic", "reviewed_by"), slug=slug)
    related_treatments = question.related_treatments.published().order_by("title")
    response = render(
        request,
        "faq/question_detail.html",
        {
            "question": question,
            "related_treatments": related_treatments,
            "alternates": alternates(request, question.translation_addresses()),
        },
    )
    return keep_draft_private(response, question)
