"""
The markdown editor's two server endpoints, uploaded media, the favicon, and
the page that asks a visitor to wait before searching again.

markdownx ships its own preview and upload views, but mounted as they come
they answer anyone (an anonymous visitor could upload files) and trust the
client's Content-Type. Here both sit behind staff login, accept only POST,
and pictures go through the same byte-level check as every ImageField.
"""

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.files.storage import default_storage
from django.http import (
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_POST
from django.views.static import serve

from core.images import ImageRejected, make_renditions, verified_image
from core.markdown import ALT_TEXT_PLACEHOLDER, render_markdown
from core.query import query_parameters
from core.search import SEARCH_LIMIT_SECONDS

# Pictures in text: the width of the copy linked from markdown (the text column is ~700 px).
CONTENT_IMAGE_WIDTH = 960


def local_media(request, path):
    """
    An uploaded file from MEDIA_ROOT (only mounted when SERVE_MEDIA is on).
    Names are random and never reused, so browsers may keep them for a year.
    """
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    patch_cache_control(response, public=True, max_age=365 * 24 * 3600, immutable=True)
    return response


@query_parameters()
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says; send them to the hashed file."""
    return HttpResponsePermanentRedirect(static("favicon.ico"))


@require_POST
@staff_member_required
def markdown_preview(request):
    content = request.POST.get("content")
    if content is None:
        return HttpResponseBadRequest("Send the markdown to preview in a 'content' field.")
    return HttpResponse(render_markdown(content))


@require_POST
@staff_member_required
def markdown_image_upload(request):
    """
    A picture dropped into the markdown editor. Answers as markdownx's script
    expects: {"image_code": "![](url)"}, or a 400 with {"image": [reason]}.
    """
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse({"image": ["Choose a picture to upload."]}, status=400)
    if upload.size > settings.RIBBON_MAX_UPLOAD_BYTES:
        limit = settings.RIBBON_MAX_UPLOAD_BYTES // (1024 * 1024)
        return JsonResponse({"image": [f"The file is larger than {limit} MB."]}, status=400)
    try:
        checked = verified_image(upload.read())
    except ImageRejected as error:
        return JsonResponse({"image": [str(error)]}, status=400)
    name = default_storage.save(f"{settings.MARKDOWNX_MEDIA_PATH}{checked.name}", checked)
    # The page links a rendition sized for the text column, never the upload itself,
    # with its dimensions so that nothing jumps as it loads.
    renditions = make_renditions(default_storage, name, folder=f"{settings.MARKDOWNX_MEDIA_PATH}sized")
    sized = [size for size in renditions["sizes"] if size["width"] <= CONTENT_IMAGE_WIDTH] or renditions["sizes"][:1]
    chosen = sized[-1]
    url = default_storage.url(chosen["jpeg"])
    code = f'![{ALT_TEXT_PLACEHOLDER}]({url}){{: width="{chosen["width"]}" height="{chosen["height"]}" }}'
    return JsonResponse({"image_code": code})


def too_many_searches(request):
    """
    The answer to a search when its visitor has had their share of new
    searches this minute (core.search.TooManySearches): a page of the site, in
    its layout, saying in plain words to wait a minute, with the search to try
    again and the ways on that need no search. Never stored, by the page cache
    (it is not a 200) or by browsers.
    """
    again = f"{request.path}?{request.GET.urlencode()}"  # the view's own parameters, in their canonical form
    context = {"query": request.GET.get("q", ""), "again": again}
    response = render(request, "pages/too_many_searches.html", context, status=429)
    response["Retry-After"] = str(SEARCH_LIMIT_SECONDS)
    patch_cache_control(response, no_store=True)
    return response
