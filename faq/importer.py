"""
Importing questions and answers from the organisation's articles.

An article is plain text or markdown. Every heading, or line standing on its
own, that ends with "?" starts a question; the paragraphs after it, up to the
next question or heading, are its answer. Text before the first question
(the article's introduction) is not a question and is left out.

`parse_article` does no database work; `save_questions` writes one file's
questions in a single transaction.
"""

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.text import slugify

from core.markdown import rendering_problem
from core.text import markdown_heading
from importing.commands import imported_at_once
from importing.decoding import UnreadableFileError
from review.models import SignOff

from .models import Question, Topic

QUESTION_MAX = Question._meta.get_field("question").max_length
HEADING_MAX = 120  # a longer line standing alone is a short paragraph, not a heading
MAX_QUESTIONS = 500
ANSWER_MAX_CHARS = 20_000  # far above any real answer; a hostile file costs little
LIST_ITEM = re.compile(r"\s*+(?:[-*+•]|\d{1,3}[.)])\s")  # possessive: linear on a line of spaces
SENTENCE_END = '.!:;,"”’)'


class ArticleError(UnreadableFileError):
    """An article that cannot be imported; `line` says where (1-based)."""


@dataclass
class ParsedQuestion:
    question: str
    line: int
    paragraphs: list = field(default_factory=list)
    paragraph_lines: list = field(default_factory=list)  # the file's line number of each paragraph
    length: int = 0

    @property
    def answer(self):
        return "\n\n".join(self.paragraphs)

    def add(self, paragraph, line):
        self.length += len(paragraph) + 2
        if self.length > ANSWER_MAX_CHARS:
            raise ArticleError(
                line, f"the answer to the question on line {self.line} is longer than {ANSWER_MAX_CHARS:,} characters"
            )
        self.paragraphs.append(paragraph)
        self.paragraph_lines.append(line)

    def check_rendering(self):
        """Refuse an answer that would take seconds to render, naming the file's line."""
        problem = rendering_problem(self.answer)
        if problem is None:
            return
        answer_line, reason = problem
        for paragraph, line in zip(self.paragraphs, self.paragraph_lines, strict=True):
            height = paragraph.count("\n") + 2  # the paragraph and the blank line after it
            if answer_line <= height:
                raise ArticleError(line + answer_line - 1, reason)
            answer_line -= height
        raise ArticleError(self.line, reason)


@dataclass
class ParsedArticle:
    questions: list
    warnings: list = field(default_factory=list)


def _paragraphs(lines):
    """(first line number, [lines]) for each block of non-blank lines."""
    block, start = [], 0
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not block:
                start = number
            block.append(line.rstrip())
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def _strip_front_matter(lines):
    if lines and lines[0].strip() == "---":
        for index in range(1, len(lines)):
            if lines[index].strip() in {"---", "..."}:
                return [""] * (index + 1) + lines[index + 1 :]  # keep line numbers
        raise ArticleError(1, "the front matter that starts here is never closed with a '---' line")
    return lines


def _looks_like_heading(line):
    """Short, not a list item, and not ending like a sentence: "Practical Matters", "Next"."""
    return len(line) <= HEADING_MAX and not LIST_ITEM.match(line) and not line.endswith(tuple(SENTENCE_END))


def _classify(block):
    """('question' | 'heading' | 'text', the text)."""
    if len(block) != 1:
        if all(_looks_like_heading(line.strip()) and not line.strip().endswith("?") for line in block):
            return "heading", " ".join(line.strip() for line in block)  # e.g. "Next / Next" navigation
        return "text", "\n".join(block)
    line = block[0].strip()
    heading = markdown_heading(line)
    text = heading[1] if heading else line
    text = text.strip().strip("*_").strip()
    if text.endswith("?") and not LIST_ITEM.match(line):
        return "question", text
    if heading or _looks_like_heading(text):
        return "heading", text
    return "text", line


def parse_article(text):
    lines = _strip_front_matter(text.split("\n"))
    questions, warnings = [], []
    current = None
    left_out = []  # lines of paragraphs that are no question's answer: the rest of an article
    for start, block in _paragraphs(lines):
        kind, content = _classify(block)
        if kind == "text" and current is None:
            left_out.append(start)
        if kind == "question":
            if len(content) > QUESTION_MAX:
                raise ArticleError(
                    start, f"this question is {len(content)} characters long; at most {QUESTION_MAX} fit"
                )
            current = ParsedQuestion(content, start)
            questions.append(current)
        elif kind == "heading":
            current = None
        elif current is not None:
            current.add(content, start)

    answered = {}  # slug -> question, in the order they will be saved
    for question in questions:
        if not question.paragraphs:
            warnings.append(f"line {question.line}: “{question.question}” has no answer after it and was left out")
            continue
        slug = slugify(question.question)[:120]
        if not slug:
            raise ArticleError(question.line, "this question has no letters or numbers to make its address from")
        question.check_rendering()
        if slug in answered:
            warnings.append(f"line {question.line}: “{question.question}” appears twice; the later answer is kept")
            del answered[slug]
        answered[slug] = question
        if len(answered) > MAX_QUESTIONS:
            raise ArticleError(question.line, f"an article holds at most {MAX_QUESTIONS} questions")
    if not answered:
        raise ArticleError(
            1, "no questions with answers were found (a question is a heading or a line of its own ending with '?')"
        )
    if left_out:
        lines_named = ", ".join(map(str, left_out[:5])) + (", …" if len(left_out) > 5 else "")
        warnings.append(
            f"{len(left_out)} paragraph(s) that answer no question were left out (lines {lines_named}); "
            "to keep the whole article, import it with import_articles instead"
        )
    return ParsedArticle(list(answered.values()), warnings)


@dataclass
class SaveCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    after_revision: list = field(default_factory=list)


def save_questions(article, *, topic_name, treatment=None, publish=False):
    """
    Create or update (by slug) every question of one article, all or nothing.

    Answers are medical content: a new question is a draft submitted for review,
    and a change to a published one waits for a reviewer's approval while the
    public keeps the approved answer (the returned `after_revision` keeps it,
    run once the file's version is saved). With `publish`, the operator
    publishes at once, recorded as theirs with the file.
    """
    counts = SaveCounts()
    with transaction.atomic():
        topic = Topic.objects.filter(name__iexact=topic_name).first() or Topic.objects.create(name=topic_name)
        next_order = (topic.questions.order_by("-order").values_list("order", flat=True).first() or 0) + 1
        for parsed in article.questions:
            slug = slugify(parsed.question)[:120]
            question = Question.objects.filter(slug=slug).first()
            existed = question is not None
            held_for_review = existed and question.is_published and not publish
            if question is None:
                question = Question(slug=slug, order=next_order)
                next_order += 1
                counts.created += 1
            elif _holds(question, parsed, topic, treatment, publish, held_for_review):
                counts.unchanged += 1
                continue
            else:
                counts.updated += 1
            approved = question.approved_page() if held_for_review else None
            question.question = parsed.question
            question.answer = parsed.answer
            question.topic = topic
            if publish:
                question.status = Question.Status.PUBLISHED
                question.authorise_publication("Import")  # an operator's act on the server, recorded with the file
            question.save()
            if treatment is not None:
                question.related_treatments.add(treatment)
            if held_for_review:
                counts.after_revision.append(
                    lambda question=question, approved=approved: question.keep_for_review(approved, None, submit=True)
                )
            elif not publish:
                question.submit_for_review(by=None)  # an operator's import: the reviewer sees "an import"
            elif existed:
                question.changed_outside_review(None, imported_at_once())
    return counts


def _holds(question, parsed, topic, treatment, publish, held_for_review):
    """
    Whether the question already says what the file says: as published, as a draft, or,
    when a change to it already waits for review, as that change says it.
    """
    if publish and not question.is_published:
        return False
    pending = SignOff.of(question) if held_for_review else None
    if pending is not None and pending.proposed is not None:
        held = pending.proposed._object_version
        fields, linked = held.object, set(held.m2m_data.get("related_treatments", []))
    else:
        fields, linked = question, None
    if (fields.question, fields.answer, fields.topic_id) != (parsed.question, parsed.answer, topic.pk):
        return False
    if treatment is None:
        return True
    if linked is not None:
        return str(treatment.pk) in {str(pk) for pk in linked}
    return question.related_treatments.filter(pk=treatment.pk).exists()
