"""
Reading the organisation's articles: text in, a ParsedArticle out, without
touching the database.

The charity keeps an article as it appears on its blog: the title on the first
line (or a `# ` heading, or `title:` in optional front matter), paragraphs,
headings on lines of their own (plain, as its blog exports them, or markdown
`## `), and a section of common questions: a heading, then questions on lines of
their own ending in "?", each followed by its answer. It closes with an appeal
to support the charity, and the blog's navigation ("Next", and the following
article's title on its own line), which is not part of the article.

`parse_article` sorts the text into those parts, raising ArticleFileError with
a line number for anything it cannot understand. `articles.importing` writes
the result; the command `import_articles` joins the two.
"""

import re
from dataclasses import dataclass, field

from django.utils.text import slugify

from core.markdown import rendering_problem
from core.text import markdown_heading
from importing.decoding import UnreadableFileError
from importing.front_matter import FrontMatterSpec, read_front_matter
from importing.translations import language_of_file

from .models import Article, ArticleQuestion, Tag

TITLE_MAX = Article._meta.get_field("title").max_length
SUMMARY_MAX = Article._meta.get_field("summary").max_length
QUESTION_MAX = ArticleQuestion._meta.get_field("question").max_length
# A line this short, on its own and not ending like a sentence, is a heading; longer, a paragraph.
HEADING_MAX = 120
MAX_QUESTIONS = 100
BODY_MAX_CHARS = 200_000

# The blog's own navigation words, left at the end of an exported article.
NAVIGATION = {"next", "previous", "next article", "previous article", "next post", "previous post"}
# Words that mark the closing paragraphs as the appeal to give (they ask the reader to support the charity).
# A Spanish translation's appeal: "done", "donación", "apoye nuestro trabajo".
APPEAL_WORDS = re.compile(
    r"\b(donat\w*|support(ing)? (our|the) work|support us|give today|make a gift"
    r"|donar|done hoy|donaci\w*|donativo\w*|ap[oó]ye(nos)?( nuestro trabajo)?)\b",
    re.I,
)
SENTENCE_END = (".", "!", ":", ";", ",", "…", "”", '"', ")")


class ArticleFileError(UnreadableFileError):
    """A file that cannot be imported; `line` says where (1-based)."""


FRONT_MATTER = FrontMatterSpec(
    keys={
        "title": "title",
        "id": "source_id",
        "description": "summary",
        "summary": "summary",
        "tags": "tags",
        "heroimage": "hero_image_url",
        "date": "published_on",
        "next": "next",
        "lang": "language",
        "language": "language",
    },
    text_max={
        "title": TITLE_MAX,
        "source_id": Article._meta.get_field("source_id").max_length,
        "next": TITLE_MAX,
        "hero_image_url": 1000,
        "language": 8,
    },
    date_fields=frozenset({"published_on"}),
    tag_max=Tag._meta.get_field("name").max_length,
    thing="article",
    error=ArticleFileError,
)


@dataclass
class ParsedQuestion:
    question: str
    answer: str
    line: int


@dataclass
class ParsedArticle:
    title: str
    summary: str
    body: str
    source_id: str = ""
    language: str = ""  # empty: the site's own language
    tags: list = field(default_factory=list)
    published_on: object = None
    questions: list = field(default_factory=list)  # ParsedQuestion
    questions_heading: str = ""
    appeal: str = ""
    next_title: str = ""  # the following article's title or slug, as the file names it
    hero_image_url: str = ""
    warnings: list = field(default_factory=list)
    key_lines: dict = field(default_factory=dict)  # field -> line, for messages


@dataclass
class _Block:
    """A paragraph (lines up to a blank one), with the line it starts on."""

    text: str
    line: int
    heading: str = ""  # the heading's text, if the block is a heading
    level: int = 0


def _blocks(lines, first_line):
    blocks, current, start = [], [], first_line
    for number, line in enumerate(lines, start=first_line):
        if line.strip():
            if not current:
                start = number
            current.append(line.rstrip())
        elif current:
            blocks.append(_Block("\n".join(current), start))
            current = []
    if current:
        blocks.append(_Block("\n".join(current), start))
    split = []
    for block in blocks:
        # A markdown heading ends its block: "## Heading" then text on the next line is two blocks.
        first, _, rest = block.text.partition("\n")
        heading = markdown_heading(first)
        if heading is not None:
            split.append(_Block(first, block.line, heading=heading[1].strip(), level=heading[0]))
            if rest.strip():
                split.append(_Block(rest, block.line + 1))
        else:
            split.append(block)
    return split


def _is_plain_heading(block):
    text = block.text.strip()
    return (
        "\n" not in text
        and len(text) <= HEADING_MAX
        and not text.endswith(SENTENCE_END)
        and not text.endswith("?")
        and not text.startswith(("-", "*", ">", "|", "<", "!["))
        and not re.match(r"^\d+[.)]\s", text)
    )


def _without_navigation(blocks, warnings):
    """The blocks before the blog's navigation, and the next article's title it names ("" if none)."""
    cut = None
    for index, block in enumerate(blocks):
        if all(line.strip().lower() in NAVIGATION for line in block.text.split("\n")):
            cut = index
            break
    if cut is None:
        return blocks, ""
    named = []
    for block in blocks[cut:]:
        named += [line.strip() for line in block.text.split("\n") if line.strip().lower() not in NAVIGATION]
    next_title = named[0] if named else ""
    if len(named) > 1:
        warnings.append(f"after the navigation, only “{named[0]}” was taken as the next article; the rest was left out")
    return blocks[:cut], next_title[:TITLE_MAX]


def parse_article(text):
    """Parse one article file's (already decoded) text."""
    lines = text.split("\n")
    values, lines_of, body_start, warnings = read_front_matter(lines, FRONT_MATTER)
    warnings = [warning for warning in warnings if "no front matter" not in warning]  # optional for articles
    blocks = _blocks(lines[body_start:], body_start + 1)

    title = values.get("title", "")
    first = blocks[0] if blocks else None
    if first is not None:
        first_text = first.heading or first.text.strip()
        one_line = "\n" not in first_text
        if (first.heading and first.level == 1) or (one_line and (not title or first_text == title)):
            blocks.pop(0)  # the title line (the front matter's title wins over a heading that differs)
            title = title or first_text
            lines_of.setdefault("title", first.line)
    if not title:
        raise ArticleFileError(1, "the file has no title: its first line, or a '# ' heading, should be the title")
    if len(title) > TITLE_MAX:
        raise ArticleFileError(
            lines_of.get("title", 1), f"the title is {len(title)} characters long; at most {TITLE_MAX} fit"
        )

    blocks, next_title = _without_navigation(blocks, warnings)
    next_title = values.get("next", "") or next_title

    appeal_blocks = _closing_appeal(blocks)
    blocks = blocks[: len(blocks) - len(appeal_blocks)]
    body_parts, questions, questions_heading = [], [], ""
    in_questions = False
    index = 0
    while index < len(blocks):
        block = blocks[index]
        heading = _heading_of(block)
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if heading and not _question_of(block) and following is not None and _question_of(following):
            # A heading with questions under it: the article's common questions.
            if questions_heading:
                body_parts.append(f"## {heading}")
                warnings.append(f"line {block.line}: a second section of questions; its questions join the first")
            else:
                questions_heading = heading
            in_questions = True
            index += 1
            continue
        question = _question_of(block)
        if in_questions and question:
            answer, index = _answer_of(blocks, index + 1)
            if len(question) > QUESTION_MAX:
                raise ArticleFileError(
                    block.line, f"this question is {len(question)} characters long; at most {QUESTION_MAX} fit"
                )
            if not answer:
                raise ArticleFileError(block.line, "this question has no answer after it")
            if any(slugify(asked.question) == slugify(question) for asked in questions):
                raise ArticleFileError(block.line, f"“{question}” is asked twice in this article")
            questions.append(ParsedQuestion(question, answer, block.line))
            if len(questions) > MAX_QUESTIONS:
                raise ArticleFileError(block.line, f"an article holds at most {MAX_QUESTIONS} questions")
            continue
        if heading or question:
            in_questions = False
            body_parts.append(f"## {heading or question}")
        else:
            body_parts.append(block.text.strip())
        index += 1

    body = "\n\n".join(body_parts)
    if not body:
        raise ArticleFileError(body_start + 1, "the article has no text besides its title")
    if len(body) > BODY_MAX_CHARS:
        raise ArticleFileError(
            body_start + 1, f"the article's text is {len(body):,} characters long; at most {BODY_MAX_CHARS:,} fit"
        )
    for number, part in ((body_start + 1, body), *((q.line, q.answer) for q in questions)):
        problem = rendering_problem(part)
        if problem:
            raise ArticleFileError(number, problem)

    summary = values.get("summary", "")
    if len(summary) > SUMMARY_MAX:
        raise ArticleFileError(
            lines_of.get("summary", 1), f"the description is {len(summary)} characters long; at most {SUMMARY_MAX}"
        )
    if not summary:
        first = next((part for part in body_parts if not part.startswith("#")), "")
        summary = _first_sentences(first, SUMMARY_MAX)
        if not summary:
            raise ArticleFileError(
                body_start + 1, "the article has no paragraph to take a summary from: add 'description: …'"
            )
        warnings.append("no 'description' in the front matter; the summary is the article's first sentence")
    return ParsedArticle(
        language=language_of_file(values, lines_of, ArticleFileError),
        title=title,
        summary=summary,
        body=body,
        source_id=values.get("source_id", ""),
        tags=values.get("tags", []),
        published_on=values.get("published_on"),
        questions=questions,
        questions_heading=questions_heading[:HEADING_MAX],
        appeal="\n\n".join(block.text.strip() for block in appeal_blocks),
        next_title=next_title,
        hero_image_url=values.get("hero_image_url", ""),
        warnings=warnings,
        key_lines=lines_of,
    )


def _heading_of(block):
    """The text of a heading block (markdown, or a short line on its own as the blog writes them), or ""."""
    if block.heading:
        return block.heading
    return block.text.strip() if _is_plain_heading(block) else ""


def _question_of(block):
    """The question a block asks on a line of its own (a markdown heading or plain), or ""."""
    text = block.heading or block.text.strip()
    return text if "\n" not in text and text.endswith("?") else ""


def _answer_of(blocks, index):
    """The paragraphs from `index` up to the next question or heading, and where they end."""
    answer = []
    while index < len(blocks):
        block = blocks[index]
        if _heading_of(block) or _question_of(block):
            break
        answer.append(block.text.strip())
        index += 1
    return "\n\n".join(answer), index


def _closing_appeal(blocks):
    """The last paragraphs, while each asks the reader to support the charity (APPEAL_WORDS), or none."""
    count = 0
    for block in reversed(blocks):
        if _heading_of(block) or _question_of(block):
            break
        if not APPEAL_WORDS.search(block.text) and not (count and re.search(r"\bfund", block.text, re.I)):
            break
        count += 1
    # "Funding" alone is research prose; the run must hold a real ask.
    run = blocks[len(blocks) - count :] if count else []
    return run if any(APPEAL_WORDS.search(block.text) for block in run) else []


def _first_sentences(paragraph, limit):
    """As many whole sentences of the paragraph as fit in `limit` characters (at least the first, shortened)."""
    plain = " ".join(re.sub(r"[*_`#>]+", "", paragraph).split())
    sentences = re.split(r"(?<=[.!?])\s+", plain)
    summary = ""
    for sentence in sentences:
        candidate = f"{summary} {sentence}".strip()
        if len(candidate) > limit:
            break
        summary = candidate
    if not summary and plain:
        summary = plain[: limit - 1].rsplit(" ", 1)[0] + "…"
    return summary
