"""
Importing questions and answers from the organisation's articles.

An article is plain text or markdown. Every heading, or line standing on its
own, that ends with "?" starts a question; the paragraphs after it, up to the
next question or heading, are its answer. Text before the first question
(the article's introduction) is not a question and is left out.

A file may start with front matter. `lang: es` makes it a translation: its
questions are the Spanish of the questions of the English file it names with
`translates:`, one for one and in the same order, so a staff member can see
the pairing by putting the two files side by side, and a file that does not
line up is refused rather than linked by guesswork. `topic:` names the topic
its questions go under (else the command's --topic).

`parse_article` does no database work; `save_questions` writes one file's
questions in a single transaction.
"""

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import get_language_info

from core.markdown import rendering_problem
from core.text import markdown_heading
from importing.commands import imported_at_once
from importing.decoding import UnreadableFileError
from importing.front_matter import FrontMatterSpec, read_front_matter
from importing.translations import language_of_file, version_to_translate
from review.models import SignOff

from .models import Question, Topic

QUESTION_MAX = Question._meta.get_field("question").max_length
TOPIC_MAX = Topic._meta.get_field("name").max_length
HEADING_MAX = 120  # a longer line standing alone is a short paragraph, not a heading
MAX_QUESTIONS = 500
ANSWER_MAX_CHARS = 20_000  # far above any real answer; a hostile file costs little
LIST_ITEM = re.compile(r"\s*+(?:[-*+•]|\d{1,3}[.)])\s")  # possessive: linear on a line of spaces
SENTENCE_END = '.!:;,"”’)'


class ArticleError(UnreadableFileError):
    """An article that cannot be imported; `line` says where (1-based)."""


# The keys this importer reads; an article's others (title, id, tags...) are the article importer's, and ignored.
FRONT_MATTER = FrontMatterSpec(
    keys={"lang": "language", "language": "language", "translates": "translates", "topic": "topic"},
    text_max={"topic": TOPIC_MAX, "translates": 500},
    thing="file of questions",
    error=ArticleError,
)


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
    language: str = ""  # empty: the site's own; else the file is a translation
    translates: str = ""  # a translation's English file, as its front matter names it
    topic: str = ""  # the topic its front matter names, if any
    key_lines: dict = field(default_factory=dict)  # front matter key -> its line

    @property
    def language_code(self):
        return self.language or settings.LANGUAGE_CODE


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


def _read_front_matter(lines):
    """(the lines with the front matter blanked, keeping line numbers; its values; the line of each)."""
    values, lines_of, body_start, _notes = read_front_matter(lines, FRONT_MATTER)
    values["language"] = language_of_file(values, lines_of, ArticleError)
    values["topic"] = " ".join(values.get("topic", "").split())
    return [""] * body_start + lines[body_start:], values, lines_of


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
    lines, header, key_lines = _read_front_matter(text.split("\n"))
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
    if not header["language"]:
        for question in answered.values():
            if question.question.startswith("¿"):
                raise ArticleError(
                    question.line,
                    "this question is in Spanish, but the file does not say so: put 'lang: es' and "
                    "'translates: <the English file>' in a front matter block at its top",
                )
    if left_out:
        lines_named = ", ".join(map(str, left_out[:5])) + (", …" if len(left_out) > 5 else "")
        warnings.append(
            f"{len(left_out)} paragraph(s) that answer no question were left out (lines {lines_named}); "
            "to keep the whole article, import it with import_articles instead"
        )
    return ParsedArticle(
        list(answered.values()),
        warnings,
        language=header["language"],
        translates=header.get("translates", ""),
        topic=header["topic"],
        key_lines=key_lines,
    )


def language_name(code):
    """A language as the operator's messages name it: "English", "Spanish"."""
    return get_language_info(code)["name"]


def pair_with_english(article, english, english_name):
    """
    The English question each of a translation's questions translates, and the version of it the
    translation is made from: the English file's questions, one for one and in the same order. Counts
    that differ are refused (a question added, dropped or left unanswered would shift every pair after
    it); so is an English question the site does not have, or has not published. A paragraph count that
    differs is only a note: translators may split a long paragraph, but a reordered file shows it too.
    """
    line = article.key_lines.get("translates", 1)
    ours, theirs = article.questions, english.questions
    if len(ours) > len(theirs):
        raise ArticleError(
            ours[len(theirs)].line,
            f"this is question {len(theirs) + 1} with an answer, but {english_name} has only {len(theirs)}: "
            "a translation has the English file's questions, one for one and in the same order",
        )
    if len(ours) < len(theirs):
        missing = theirs[len(ours)]
        raise ArticleError(
            line,
            f"this file has {len(ours)} question(s) with an answer, but {english_name} has {len(theirs)} "
            f"(its question {len(ours) + 1}, “{missing.question}” on its line {missing.line}, has none here): "
            "a translation has the English file's questions, one for one and in the same order",
        )
    slugs = [slugify(parsed.question)[:120] for parsed in theirs]
    found = {q.slug: q for q in Question.objects.filter(slug__in=slugs, language=settings.LANGUAGE_CODE)}
    originals, made_from, notes = [], [], []
    for spanish, parsed, slug in zip(ours, theirs, slugs, strict=True):
        original = found.get(slug)
        if original is None:
            raise ArticleError(
                line,
                f"“{parsed.question}” ({english_name}, line {parsed.line}) is not on the site in English: "
                "import the English file first",
            )
        made_from.append(version_to_translate(original, ArticleError, spanish.line))
        originals.append(original)
        if len(spanish.paragraphs) != len(parsed.paragraphs):
            notes.append(
                f"line {spanish.line}: this answer has {len(spanish.paragraphs)} paragraph(s) and the English "
                f"answer to “{original}” has {len(parsed.paragraphs)}: check that the questions are in the "
                "English file's order"
            )
    return originals, made_from, notes


def topic_for(article, topic_name, topic_line, originals=None):
    """
    The topic a file's questions go under, in their language, and notes for the operator. A translation's
    new topic translates the English questions' topic (when they share one that has no topic in this
    language yet), and an existing topic of this language that translates none is linked to it; without
    a name, a translation goes under its English topic's translation, where there is one.
    """
    language, notes = article.language_code, []
    english = None
    if originals and len({question.topic_id for question in originals}) == 1:
        english = originals[0].topic
    if not topic_name:
        topic = english.translations.filter(language=language).first() if english else None
        if topic is None:
            raise ArticleError(
                topic_line,
                f"name the {language_name(language)} topic these questions go under with 'topic:' in the "
                "front matter (or --topic)"
                + (f": “{english}” has no {language_name(language)} topic yet" if english else ""),
            )
        return topic, notes
    topic = Topic.objects.filter(name__iexact=topic_name).first()
    if topic is not None and topic.language != language:
        raise ArticleError(
            topic_line,
            f"“{topic}” is a topic in {language_name(topic.language)}, and these questions are in "
            f"{language_name(language)}: name a topic in their language with 'topic:' in the front matter "
            "(or --topic)",
        )
    if not article.language:
        return topic or Topic.objects.create(name=topic_name), notes
    unlinked = english is not None and not english.translations.filter(language=language).exists()
    if topic is None:
        topic = Topic.objects.create(name=topic_name, language=language, translation_of=english if unlinked else None)
        if english is None:
            notes.append(f"the English questions are under several topics, so “{topic}” translates none of them")
        elif not unlinked:
            notes.append(f"“{english}” already has a {language_name(language)} topic, so “{topic}” is not linked to it")
    elif topic.translation_of_id is None and unlinked:
        topic.translation_of = english
        topic.save()
        notes.append(f"the topic “{topic}” is now linked to “{english}”, the topic of the English questions")
    return topic, notes


@dataclass
class SaveCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    after_revision: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    topic: str = ""  # the name of the topic the questions went under


def _existing(parsed, slug, language, original):
    """
    The row a question of the file updates: for a translation, the one translating its English
    question (whatever its address now); otherwise the one at its address. An address another
    question holds is refused rather than taken over.
    """
    if original is not None:
        question = Question.objects.filter(translation_of=original, language=language).first()
        if question is None and (taken := Question.objects.filter(slug=slug).first()) is not None:
            raise ArticleError(
                parsed.line,
                f"another question, “{taken}”, already has this one's address (faq/{slug}/) and does not "
                f"translate “{original}”: change one of them, or link them in the admin",
            )
        return question
    question = Question.objects.filter(slug=slug).first()
    if question is not None and question.language != language:
        raise ArticleError(
            parsed.line,
            f"the address of this question (faq/{slug}/) is already a {language_name(question.language)} "
            f"question's, “{question}”",
        )
    return question


def save_questions(article, *, topic_name, treatment=None, publish=False, topic_line=1, originals=None, made_from=None):
    """
    Create or update every question of one article, all or nothing: by its address, or for a translation
    by the English question it translates (`originals`, made from `made_from`, as pair_with_english gives).

    Answers are medical content: a new question is a draft submitted for review,
    and a change to a published one waits for a reviewer's approval while the
    public keeps the approved answer (the returned `after_revision` keeps it,
    run once the file's version is saved). With `publish`, the operator
    publishes at once, recorded as theirs with the file.
    """
    counts = SaveCounts()
    language = article.language_code
    originals = originals or [None] * len(article.questions)
    made_from = made_from or [None] * len(article.questions)
    with transaction.atomic():
        topic, counts.notes = topic_for(article, topic_name, topic_line, [q for q in originals if q is not None])
        counts.topic = topic.name
        next_order = (topic.questions.order_by("-order").values_list("order", flat=True).first() or 0) + 1
        for parsed, original, version in zip(article.questions, originals, made_from, strict=True):
            slug = slugify(parsed.question)[:120]
            question = _existing(parsed, slug, language, original)
            existed = question is not None
            held_for_review = existed and question.is_published and not publish
            if question is None:
                question = Question(slug=slug, order=next_order, language=language, translation_of=original)
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
            if original is not None:
                question.made_from = version  # the English page the public reads now, as it was translated
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
