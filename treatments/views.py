from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.views.generic import ListView

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
    # One query: points, references, topics and question links are stored HTML (refresh_stored_html).
    treatments = Treatment.objects.all()
    if not request.user.is_staff:
        treatments = treatments.published()
    treatment = get_object_or_404(treatments, slug=slug)
    if not treatment.facts_html:
        treatment.refresh_stored_html()  # a page saved before facts were stored: once only
    response = render(
        request,
        "treatments/treatment_detail.html",
        {
            "treatment": treatment,
            "structured_data": treatment.structured_data(absolute_url(request, treatment.get_absolute_url())),
        },
    )
    if not treatment.is_published:
        # A draft must never be stored by a browser or a shared cache.
        patch_cache_control(response, private=True, no_store=True)
    return response
