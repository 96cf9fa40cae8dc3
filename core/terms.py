"""
Glossary terms in stored HTML: the first use of each term on a page links to
its definition, when the page's HTML is rendered (on save, import or
`rerender_content`), never per request.

The mark-up works everywhere: a link to the term's entry on the glossary
page (no script, keyboard and screen readers as for any link), then, where
the browser has native popovers, a small button that shows the definition in
place (HTML `popover`, no script either). Browsers without popovers never
show the button (site.css).

Core holds no terms: the app that keeps them says where they come from
(`use_terms`), and says when they changed so that the pages using them are
rendered again (see glossary.models).
"""

import contextlib
import contextvars
import hashlib
import re
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser

from django.utils import translation
from django.utils.translation import gettext


@dataclass(frozen=True)
class Term:
    slug: str
    name: str
    forms: tuple  # every way the term is written, the name included: "lymph node", "lymph nodes"
    definition: str
    url: str  # its entry on the glossary page of its language
    language: str = "en"  # a page links the terms of the language it is written in


_source = None  # a callable giving the terms to link: set by the app that keeps them
_snapshot = contextvars.ContextVar("ribbon_terms", default=None)

# Text inside these is left alone: a link in a link, a term in a heading or in code reads wrongly.
SKIPPED = {"a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "button", "script", "style", "kbd", "samp"}
_ADDED = re.compile(
    r'<button type="button" class="term__tip"[^>]*>.*?</button><span class="term__popover"[^>]*>.*?</span>', re.S
)


def use_terms(source):
    global _source
    _source = source


def current_terms():
    """The terms to link now: those of a snapshot being used (`terms_snapshot`), else read afresh."""
    held = _snapshot.get()
    if held is not None:
        return held
    return list(_source()) if _source else []


@contextlib.contextmanager
def terms_snapshot():
    """Read the terms once for many renders (rerender_content): one query, not one per row."""
    token = _snapshot.set(list(_source()) if _source else [])
    try:
        yield
    finally:
        _snapshot.reset(token)


def without_definitions(html):
    """The HTML without the definitions link_terms adds: for the text of a page (search, JSON-LD, reading level)."""
    return _ADDED.sub("", html or "")


def _pattern(terms):
    forms = sorted({form for term in terms for form in term.forms if form.strip()}, key=len, reverse=True)
    if not forms:
        return None
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(form) for form in forms) + r")(?![\w-])", re.IGNORECASE)


def link_terms(html, terms=None, language=None):
    """
    `html` (sanitised, from core.markdown) with the first use of each term linked to its definition:
    of the terms in `language`, the language the page is written in, when given.
    """
    terms = current_terms() if terms is None else terms
    if language is not None:
        terms = [term for term in terms if term.language == language]
    if not html or not terms:
        return html
    pattern = _pattern(terms)
    if pattern is None:
        return html
    by_form = {form.casefold(): term for term in terms for form in term.forms}
    # Ids differ between pages' texts (an FAQ page shows many answers) and stay the same for the same text.
    prefix = hashlib.sha256(html.encode()).hexdigest()[:6]
    linker = _Linker(pattern, by_form, prefix)
    linker.feed(html)
    linker.close()
    return "".join(linker.out)


class _Linker(HTMLParser):
    """Copies HTML through, linking the first use of each term in text outside SKIPPED elements."""

    def __init__(self, pattern, by_form, prefix):
        super().__init__(convert_charrefs=False)
        self.pattern, self.by_form, self.prefix = pattern, by_form, prefix
        self.out, self.open, self.done = [], [], set()

    def handle_starttag(self, tag, attrs):
        self.out.append(self.get_starttag_text())
        if tag in SKIPPED:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")
        if self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")

    def handle_comment(self, data):
        self.out.append(f"<!--{data}-->")

    def handle_data(self, data):
        if self.open or len(self.done) == len(set(self.by_form.values())):
            self.out.append(data)
            return
        self.out.append(self.pattern.sub(self._link, data))

    def _link(self, match):
        text = match.group(0)
        term = self.by_form.get(text.casefold())
        if term is None or term.slug in self.done:
            return text
        self.done.add(term.slug)
        tip = f"term-{self.prefix}-{term.slug}"
        name, definition, url = escape(term.name), escape(term.definition), escape(f"{term.url}#{term.slug}")
        # In the language of the term (and of the page linking it), whichever page is being built.
        with translation.override(term.language):
            label, more = gettext("What “%(name)s” means") % {"name": name}, gettext("In the glossary")
        return (
            f'<a class="term" href="{url}">{text}</a>'
            f'<button type="button" class="term__tip" popovertarget="{tip}" aria-label="{label}">'
            f'<span aria-hidden="true">?</span></button>'
            f'<span class="term__popover" id="{tip}" popover><strong>{name}</strong>: {definition} '
            f'<a href="{url}">{more}</a></span>'
        )
