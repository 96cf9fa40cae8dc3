"""
The one way staff-written markdown becomes HTML.

Everything an editor types (treatment bodies, later FAQ answers and campaign
stories) goes through `render_markdown`, and so does the admin's live preview,
so what an editor sees is exactly what a patient will get. Markdown is
converted first and the resulting HTML is then cleaned by nh3 against an
allowlist: raw HTML in the markdown, `javascript:` links and event handlers
are removed however they are spelled, because the cleaner never sees markdown,
only the HTML a browser would parse.
"""

import functools
import hashlib
from importlib.metadata import version
from pathlib import Path

import markdown
import nh3
from django.core.exceptions import ValidationError
from django.utils.html import linebreaks
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt",
    "em", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip

ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
}

ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

# What the editor's picture upload puts where the description belongs, so that
# a picture cannot be published without one (see no_alt_text_placeholder).
ALT_TEXT_PLACEHOLDER = "Describe this picture"


class _DemoteTopHeadings(Treeprocessor):
    """Every page owns its single <h1>; a `# Heading` in content becomes <h2>."""

    def run(self, root):
        for element in root.iter("h1"):
            element.tag = "h2"


class _DemoteTopHeadingsExtension(Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(_DemoteTopHeadings(md), "ribbon_demote_h1", 5)


def _markdown_converter():
    return markdown.Markdown(
        extensions=[
            "markdown.extensions.extra",
            "markdown.extensions.sane_lists",
            _DemoteTopHeadingsExtension(),
        ],
        extension_configs={"markdown.extensions.tables": {"use_align_attribute": True}},
        output_format="html",
    )


def sanitise_html(html):
    """Clean HTML against Ribbon's allowlist. Used on anything not from markdown too."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
        # Pictures in content sit below the page's title and summary: fetched
        # only as the reader scrolls near them, and decoded off the main thread.
        set_tag_attribute_values={"img": {"loading": "lazy", "decoding": "async"}},
    )


# Python-Markdown looks for the closing half of every "[", "<" and "`" up to
# the end of its paragraph, so a paragraph full of unclosed ones costs its
# number of openers times its length: 10,000 "[" took 10 s to render, and a
# list nested 500 deep exceeds Python's recursion limit. No real page comes
# near these limits (the longest demo paragraph scores about 2,000); text over
# them is refused where it is written (a form error, an import error with its
# line) and, if it was stored before, shown as plain text, never rendered slowly.
OPENERS = ("[", "<", "`")
MAX_RENDERING_WORK = 3_000_000  # openers × characters, summed over paragraphs: about 0.3 s at worst
MAX_INDENT = 100  # columns of indentation, which Python-Markdown turns into nesting


def rendering_problem(text):
    """(line number, reason) for the first place that would make `text` slow or impossible to render, or None."""
    work, openers, length, start = 0, 0, 0, 1
    lines = str(text).split("\n")
    for number, line in enumerate([*lines, ""], start=1):
        if line.strip():
            if not length:
                start = number
            openers += sum(line.count(opener) for opener in OPENERS)
            length += len(line) + 1
            indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())
            if indent > MAX_INDENT:
                return number, f"this line is indented {indent} columns; at most {MAX_INDENT} can be shown"
            continue
        work += openers * length
        if work > MAX_RENDERING_WORK:
            return start, (
                "from this paragraph on, the text has too many square brackets, angle brackets or "
                "backticks for its length to be shown quickly: split long paragraphs or remove stray brackets"
            )
        openers, length = 0, 0
    return None


def render_markdown(text):
    """Render staff markdown to sanitised HTML. Safe to mark as safe in templates."""
    if not text:
        return ""
    text = str(text)
    if rendering_problem(text) is None:
        try:
            return sanitise_html(_markdown_converter().convert(text))
        except RecursionError:
            pass
    return linebreaks(text, autoescape=True)  # shown as it was written, never rendered slowly


def renders_quickly(text):
    """Validator for markdown fields: refuse text that would take seconds to render (see rendering_problem)."""
    problem = rendering_problem(text or "")
    if problem is not None:
        line, reason = problem
        raise ValidationError(f"Line {line}: {reason[0].upper()}{reason[1:]}.", code="slow_to_render")


def no_alt_text_placeholder(text):
    """Validator for markdown fields: every uploaded picture needs a real description."""
    if f"![{ALT_TEXT_PLACEHOLDER}]" in (text or ""):
        raise ValidationError(
            f"Replace “{ALT_TEXT_PLACEHOLDER}” with a description of the picture for people who cannot see it.",
            code="alt_text_placeholder",
        )


@functools.lru_cache(maxsize=1)
def _code_fingerprint():
    return hashlib.sha256(
        Path(__file__).read_bytes()
        + Path(__file__).with_name("terms.py").read_bytes()  # glossary links are part of the stored HTML
        + f"markdown {version('Markdown')} nh3 {version('nh3')}".encode()
    ).hexdigest()


def renderer_version():
    """
    A short fingerprint of everything that decides what render_markdown
    produces: this module's code, its allowlists, and the Markdown and nh3
    releases. Stored HTML made by another version is out of date
    (`manage.py rerender_content` renders it again).
    """
    allowlists = repr(
        (sorted(ALLOWED_TAGS), sorted((tag, sorted(names)) for tag, names in ALLOWED_ATTRIBUTES.items()),
         sorted(ALLOWED_URL_SCHEMES))
    )  # fmt: skip
    return hashlib.sha256(f"{_code_fingerprint()} {allowlists}".encode()).hexdigest()[:16]
