from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, render

from core.models import keep_draft_private
from core.pagination import page_or_404
from core.query import PageNumber, Slug, page_exists, query_parameters
from core.site import absolute_url

from .models import Tag, Treatment

TREATMENTS_PER_PAGE = 12


@query_parameters(tag=Slug(), page=PageNumber())
def treatment_list(request):
    treatments = Treatment.objects.published().prefetch_related("tags").order_by("title")
    # Only tags that lead somewhere: used by at least one published treatment. A tag
    # used only by drafts is not found, so its name never appears on a public page.
    with_published = Tag.objects.filter(Exists(Treatment.objects.published().filter(tags=OuterRef("pk"))))
    current_tag = None
    if "tag" in request.GET:
        current_tag = get_object_or_404(with_published, slug=request.GET["tag"])
        treatments = treatments.filter(tags=current_tag)
    page = page_or_404(request, treatments, TREATMENTS_PER_PAGE)
    context = {"treatments": page.object_list, "page_obj": page, "current_tag": current_tag, "tags": with_published}
    return render(request, "treatments/treatment_list.html", context)


@page_exists(lambda slug: Treatment.objects.published().filter(slug=slug).exists())
@query_parameters()
def treatment_detail(request, slug):
    treatment = Treatment.page_for(slug, request.user)
    response = render(
        request,
        "treatments/treatment_detail.html",
        {
            "treatment": treatment,
            "parts": treatment.page_parts(),
            "structured_data": treatment.structured_data(absolute_url(request, treatment.get_absolute_url())),
        },
    )
    return keep_draft_private(response, treatment)
