"""
A file in another language than the site's own (`lang: es` in its front matter) is a translation of
the English page imported from the file with the same `id`, made from the version of that page the
public reads (as a medical reviewer approved it). Shared by the treatment and article importers; the
FAQ importer pairs questions its own way (faq.importer) and shares the rest.
"""

from django.conf import settings


def language_of_file(values, lines_of, FileError):
    """The language the front matter names (`lang`), checked; empty for the site's own."""
    language = values.get("language", "")
    if language and language not in dict(settings.LANGUAGES):
        raise FileError(
            lines_of.get("language", 1),
            f"'lang' is “{language}”, a language the site has no pages in; it has: "
            + ", ".join(code for code, _name in settings.LANGUAGES),
        )
    return "" if language == settings.LANGUAGE_CODE else language


def find_existing(model, parsed, slug):
    """The page a file updates: the one with its id in its language (or, without an id, its address)."""
    language = parsed.language or settings.LANGUAGE_CODE
    if parsed.source_id:
        return model.objects.filter(source_id=parsed.source_id, language=language).first()
    return model.objects.filter(source_id="", slug=slug, language=language).first()


def english_page_of(model, parsed, FileError):
    """(The English page a translation's file translates, the version of it the translation is made from)."""
    line = parsed.key_lines.get("language", 1)
    if not parsed.source_id:
        raise FileError(line, "a translation needs the 'id' of the English page it translates")
    original = model.objects.filter(source_id=parsed.source_id, language=settings.LANGUAGE_CODE).first()
    if original is None:
        raise FileError(
            parsed.key_lines.get("source_id", line),
            f"no English page has the id “{parsed.source_id}”: import the English file first",
        )
    return original, version_to_translate(original, FileError, line)


def version_to_translate(original, FileError, line):
    """The version of the English page a translation is made from; a file error at `line` while there is none."""
    made_from = original.version_to_translate()
    if made_from is None:
        raise FileError(
            line,
            f"“{original}” is not published: a translation is made from the English page as a medical reviewer "
            "approved it, so import this file once the English page is approved",
        )
    return made_from
