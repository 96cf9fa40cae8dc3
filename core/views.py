"""
The home page, and the markdown editor's two server endpoints.

markdownx ships its own preview and upload views, but mounted as they come
they answer anyone: an anonymous visitor could upload files. Here both sit
behind staff login and accept only POST.
"""

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_POST
from markdownx.views import ImageUploadView

from core.markdown import render_markdown
from donations.models import Campaign
from faq.models import Question, Topic
from treatments.models import Treatment


def home(request):
    treatments = Treatment.objects.published().order_by("title")[:6]
    topics = Topic.objects.filter(questions__status=Question.Status.PUBLISHED).distinct().order_by("order", "name")
    campaign = Campaign.objects.featured().first()
    return render(request, "core/home.html", {"treatments": treatments, "topics": topics, "campaign": campaign})


@require_POST
@staff_member_required
def markdown_preview(request):
    content = request.POST.get("content")
    if content is None:
        return HttpResponseBadRequest("Send the markdown to preview in a 'content' field.")
    return HttpResponse(render_markdown(content))


markdown_image_upload = require_POST(staff_member_required(ImageUploadView.as_view()))
