from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.generic import ListView

from core.models import keep_draft_private
from core.site import absolute_url

from .models import Tag, Treatment


class TreatmentListView(ListView):
    template_name = "treatments/treatment_list.html"
    context_object_name = "treatments"
    paginate_by = 12

    def get_queryset(self):
        treatments = Treatment.objects.published().prefetch_related("tags").order_by("title")
        self.current_tag = None
        tag_slug = self.request.GET.get("tag")
        if tag_slug:
            self.current_tag = Tag.objects.filter(slug=tag_slug).first()
            if self.current_tag is None:
                raise Http404("No such topic.")
            treatments = treatments.filter(tags=self.current_tag)
        return treatments

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["current_tag"] = self.current_tag
        # Only tags that lead somewhere: used by at least one published treatment.
        published = Treatment.objects.published().filter(tags=OuterRef("pk"))
        context["tags"] = Tag.objects.filter(Exists(published))
        return context


def treatment_detail(request, slug):
    treatment = get_object_or_404(Treatment.objects.visible_to(request.user).with_page_parts(), slug=slug)
    response = render(
        request,
        "treatments/treatment_detail.html",
        {
            "treatment": treatment,
            "structured_data": treatment.structured_data(absolute_url(request, treatment.get_absolute_url())),
        },
    )
    return keep_draft_private(response, treatment)
