from itertools import groupby

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control

from .models import Question, Topic, faq_page_data

MAX_QUERY_LENGTH = 200
OPEN_RESULTS_UP_TO = 3


def _grouped_by_topic(questions):
    """[(topic, [questions…]), …] from questions already in page order: no extra query."""
    return [(topic, list(items)) for topic, items in groupby(questions, key=lambda question: question.topic)]


def faq_index(request):
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    questions = Question.objects.published().in_page_order()
    if query:
        results = list(questions.search(query))
        # A handful of matches are shown already open: the answer is what was searched for.
        context = {"query": query, "results": results, "open_results": len(results) <= OPEN_RESULTS_UP_TO}
        return render(request, "faq/search_results.html", context)
    questions = list(questions)
    return render(
        request,
        "faq/faq_index.html",
        {"groups": _grouped_by_topic(questions), "structured_data": faq_page_data(questions) if questions else None},
    )


def topic_detail(request, slug):
    topic = get_object_or_404(Topic, slug=slug)
    questions = list(topic.questions.published().order_by("order", "question"))
    if not questions:
        raise Http404("This topic has no published questions yet.")
    return render(
        request,
        "faq/topic_detail.html",
        {"topic": topic, "questions": questions, "structured_data": faq_page_data(questions)},
    )


def question_detail(request, slug):
    questions = Question.objects.select_related("topic")
    if not request.user.is_staff:
        questions = questions.published()
    question = get_object_or_404(questions, slug=slug)
    related_treatments = question.related_treatments.published().order_by("title")
    response = render(
        request, "faq/question_detail.html", {"question": question, "related_treatments": related_treatments}
    )
    if not question.is_published:
        patch_cache_control(response, private=True, no_store=True)
    return response
