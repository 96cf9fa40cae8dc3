"""
The markdown editor's two server endpoints: preview and picture upload.

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
    JsonResponse,
)
from django.views.decorators.http import require_POST

from core.images import ImageRejected, make_renditions, verified_image
from core.markdown import ALT_TEXT_PLACEHOLDER, render_markdown

# Pictures in text: the width of the copy linked from markdown (the text column is ~700 px).
CONTENT_IMAGE_WIDTH = 960


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
