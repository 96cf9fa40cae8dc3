"""
The language of a page: its address says it (Spanish under /es/, English at the site's own
addresses), and nothing else does.

Django's LocaleMiddleware would also read a visitor's browser settings for an address without a
language in it, and so say `Vary: Accept-Language` on every English page; here the admin and the
English pages are English for everyone, and a stored page (pagecache) is the same for every visitor
who asks for its address.
"""

from django.conf import settings
from django.urls import translate_url
from django.utils import translation
from django.utils.translation import get_language_from_path


def language_of(path):
    """The language a public address is in."""
    return get_language_from_path(path) or settings.LANGUAGE_CODE


class PathLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = language_of(request.path_info)
        request.LANGUAGE_CODE = language
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


def other_languages():
    """(code, name) of every language but the one this page is in."""
    current = translation.get_language()
    return [(code, name) for code, name in settings.LANGUAGES if code != current]


def same_page_in(request, language):
    """
    This page's address in `language`, when it is the same page there: a list, a search or the home
    page. A page of one row (a treatment, a question) is in another language only if it has a
    translation, which its view names (see `alternates`); so it gives None here.
    """
    match = request.resolver_match
    if match is None or match.kwargs or not hasattr(match.func, "query_parameters"):
        return None  # not a page people read (a form's endpoint), or a page of one row
    translated = translate_url(request.path, language)
    return None if translated == request.path else translated


def alternates(request, translations=None):
    """
    The same page in each other language, as [{"code", "name", "url"}]: `translations` ({language:
    address}) for a page of one row, else the same list or form in that language.
    """
    found = []
    for code, name in other_languages():
        url = translations.get(code) if translations is not None else same_page_in(request, code)
        if url:
            found.append({"code": code, "name": name, "url": url})
    return found
