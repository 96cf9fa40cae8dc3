"""
The reading panel of a medical page's form in the admin: how hard what patients read is (readability.grades),
against the site's target, and the words the glossary does not explain yet. It follows the text as it is
typed: js/admin-reading.js posts the form's graded fields to the admin's reading-level address, and the
panel worked out on the server replaces the one shown. Without JavaScript it shows the text as saved.

A page is graded in its own language: a Spanish page on the INFLESZ scale against its own target, as the
editors of Spanish health writing know it, an English page as before. The saved panel takes the row's
language; the live one the language the form posts (the panel's own, data-language, if the form has none).
"""

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotAllowed
from django.template.loader import render_to_string
from django.urls import path, reverse

from core.terms import current_terms
from readability import spanish
from readability.grades import unfamiliar_words

PANEL_TEMPLATE = "admin/review/reading_panel.html"


class ReadingLevelAdmin:
    """
    A model admin's reading panel (the read-only field `reading_panel`) and the address it is worked out
    at. Each admin says which form fields are graded (`graded_fields`; "points-*-text" for an inline's
    rows) and how a reading is made from what the form holds now (`draft_reading`, in the language
    `reading_language` finds in it) and from a saved row (`saved_reading`): each gives (the reading of
    readability.grades.reading_in, the text read).
    """

    graded_fields = ()

    def draft_reading(self, data):  # pragma: no cover - every admin using this defines it
        raise NotImplementedError

    def saved_reading(self, obj):  # pragma: no cover - every admin using this defines it
        raise NotImplementedError

    def graded_values(self, data, pattern):
        """The values the form posted for one of `graded_fields` (each row's, for an inline's "x-*-y")."""
        if "*" not in pattern:
            return data.get(pattern, "")
        start, end = pattern.split("*")
        return [value for name, value in data.items() if name.startswith(start) and name.endswith(end)]

    def reading_language(self, data):
        """The language of the page the form holds: the one it posts, if it is one of the site's."""
        posted = data.get("language", "")
        return posted if posted in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE

    def _reading_url_name(self):
        return f"{self.opts.app_label}_{self.opts.model_name}_reading_level"

    def get_urls(self):
        reading = path("reading-level/", self.admin_site.admin_view(self.reading_view), name=self._reading_url_name())
        return [reading, *super().get_urls()]

    def reading_view(self, request):
        """The reading panel for the text in the form now, for the editor's script."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request) and not self.has_add_permission(request):
            raise PermissionDenied
        reading, text = self.draft_reading(request.POST)
        return HttpResponse(self._panel(reading, text, self.reading_language(request.POST)))

    def _panel(self, reading=None, text="", language=None):
        spanish_page = (language or settings.LANGUAGE_CODE) == "es"
        target = settings.RIBBON_READING_INFLESZ_TARGET if spanish_page else settings.RIBBON_READING_GRADE_TARGET
        context = {
            "address": reverse(f"admin:{self._reading_url_name()}"),
            "graded": " ".join(self.graded_fields),
            "language": language or settings.LANGUAGE_CODE,
            "spanish": spanish_page,
            "target": target,
            "target_band": spanish.inflesz_band(target)[0] if spanish_page else "",
            "empty": reading is None or not reading.words,
        }
        if reading is not None:
            known = [form for term in current_terms() for form in term.forms]
            unfamiliar = spanish.unfamiliar_words if spanish_page else unfamiliar_words
            context |= {
                "reading": reading,
                "hard": reading.is_hard(target),
                "unfamiliar": unfamiliar(text, known),
                "glossary_add_url": reverse("admin:glossary_term_add"),
            }
        return render_to_string(PANEL_TEMPLATE, context)

    @admin.display(description="Reading level")
    def reading_panel(self, obj):
        """The grade of what patients read on the page, together, against the target."""
        language = getattr(obj, "language", None)
        if obj is None or obj.pk is None:
            return self._panel(language=language)
        return self._panel(*self.saved_reading(obj), language=language)
