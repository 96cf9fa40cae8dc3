from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from core.languages import alternates
from core.models import keep_draft_private
from core.pagination import page_or_404
from core.site import absolute_url
from pagecache.parameters import PageNumber, Slug, Slugs, page_exists, query_parameters

from .comparison import comparison_of
from .models import Tag, Treatment
from .page import kept_page, page_parts, treatment_for_page

TREATMENTS_PER_PAGE = 12
COMPARE_AT_MOST = 3
# The chooser lists this many treatments to tick; the list page (with its tags) finds the rest.
CHOOSER_SIZE = 100


@query_parameters(tag=Slug(), page=PageNumber())
def treatment_list(request):
    treatments = Treatment.objects.published().in_language().prefetch_related("tags").order_by("title")
    # Only tags that lead somewhere: used by at least one published treatment. A tag
    # used only by drafts is not found, so its name never appears on a public page.
    with_published = Tag.objects.filter(Exists(Treatment.objects.published().in_language().filter(tags=OuterRef("pk"))))
    current_tag = None
    if "tag" in request.GET:
        current_tag = get_object_or_404(with_published, slug=request.GET["tag"])
        treatments = treatments.filter(tags=current_tag)
    page = page_or_404(request, treatments, TREATMENTS_PER_PAGE)
    context = {"treatments": page.object_list, "page_obj": page, "current_tag": current_tag, "tags": with_published}
    return render(request, "treatments/treatment_list.html", context)


@page_exists(lambda slug: Treatment.objects.published().in_language().filter(slug=slug).exists())
@query_parameters()
def treatment_detail(request, slug):
    kept = kept_page(request, slug)
    if kept is None:
        treatment = treatment_for_page(slug, request.user)
    else:
        treatment = SimpleLazyObject(lambda: treatment_for_page(slug, request.user))  # read only if rendered
    response = render(
        request,
        "treatments/treatment_detail.html",
        {
            "treatment": treatment,
            "parts": page_parts(treatment),
            "kept": kept,
            "alternates": alternates(request, kept["translations"] if kept else treatment.translation_addresses()),
            # A callable: worked out only where the page is rendered, not where its kept parts are reused.
            "structured_data": lambda: treatment.structured_data(absolute_url(request, treatment.get_absolute_url())),
        },
    )
    return response if kept else keep_draft_private(response, treatment)


@query_parameters(t=Slugs(), **{"with": Slug()})
def treatment_compare(request):
    """
    Two or three treatments side by side (?t=<slug>&t=<slug>), in the order
    chosen. Fewer or more is a 400 that lets the reader choose again; a
    treatment that is not published is a 404 that says which. Without `t`,
    the page to choose from, with one treatment ticked already (?with=<slug>,
    the link on each treatment's page).
    """
    slugs = request.GET.getlist("t")
    if not slugs and "with" in request.GET:
        chosen = Treatment.objects.published().in_language().only("slug", "title")
        starting = get_object_or_404(chosen, slug=request.GET["with"])
        return _choose(request, [starting], status=200, starting=True)
    published = Treatment.objects.published().in_language().select_related("reviewed_by").filter(slug__in=slugs)
    found = {treatment.slug: treatment for treatment in published}
    unknown = [slug for slug in slugs if slug not in found]
    chosen = [found[slug] for slug in slugs if slug in found]
    if unknown:
        return _choose(request, chosen, status=404, unknown=unknown)
    if not 2 <= len(chosen) <= COMPARE_AT_MOST:
        return _choose(request, chosen, status=200 if not chosen else 400)
    context = {"comparison": comparison_of(chosen), "others": _others(chosen)}
    return render(request, "treatments/treatment_compare.html", context)


def _others(chosen):
    """The treatments the chooser offers beside those already chosen (at most CHOOSER_SIZE, by title)."""
    others = Treatment.objects.published().in_language().exclude(pk__in=[t.pk for t in chosen]).order_by("title")
    return others.only("slug", "title")[:CHOOSER_SIZE]


def _choose(request, chosen, status, unknown=(), starting=False):
    """The page for choosing what to compare, saying what was wrong with the address, if anything."""
    context = {
        "chosen": chosen,
        "starting": starting,
        "others": _others(chosen),
        "unknown": unknown,
        "unknown_names": _either(unknown),
        "too_many": len(chosen) > COMPARE_AT_MOST,
        "at_most": COMPARE_AT_MOST,
    }
    return render(request, "treatments/compare_choose.html", context, status=status)


def _either(slugs):
    """The addresses not found, as the notice names them: “a” or “b” (in the page's language)."""
    either = _("or")
    return f" {either} ".join(f"“{slug}”" for slug in slugs)
