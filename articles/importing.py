"""
Writing a parsed article (articles.parsing) to the database: the article with
its tags and questions, created or updated in one transaction, and sent to
medical review as the treatment importer does (review.models.MedicalContent).
"""

import difflib
import re
from dataclasses import dataclass, field

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify

from core.text import unique_slug
from core.versions import rows_in
from faq.models import Question
from importing import translations
from importing.commands import imported_at_once
from pagecache import generations
from pagecache.tags import row_tag
from review.models import SignOff

from .models import Article, ArticleQuestion, Tag
from .parsing import ArticleFileError

# Two questions whose words, compared as text, are at least this alike ask the same thing.
SAME_QUESTION_RATIO = 0.8
# Words that do not change what a question asks.
QUESTION_FILLER = frozenset(
    {"a", "an", "and", "are", "can", "do", "does", "for", "how", "i", "in", "is", "it", "my", "of", "on", "or"}
    | {"should", "the", "to", "what", "when", "which", "who", "why", "will", "with", "you", "your"}
)


@dataclass
class SaveResult:
    article: Article
    action: str  # "created", "updated", "unchanged", or "kept" (exists; create_only)
    warnings: list
    # For a change to a published article: what keeps it for review once the file's version is saved.
    after_revision: list = field(default_factory=list)


def find_existing(parsed):
    return translations.find_existing(Article, parsed, slugify(parsed.title)[:120])


def find_next(parsed, article):
    """The article the file's navigation names (by title or address), if the site has it; never the article itself."""
    if not parsed.next_title:
        return None
    named = Q(title__iexact=parsed.next_title) | Q(slug=slugify(parsed.next_title)[:120])
    found = Article.objects.in_language(parsed.language or settings.LANGUAGE_CODE).filter(named)
    return (found.exclude(pk=article.pk) if article.pk else found).first()


def _snapshot(article, tag_names, questions, next_id):
    return {
        "title": article.title,
        "summary": article.summary,
        "body": article.body,
        "questions_heading": article.questions_heading,
        "appeal": article.appeal,
        "status": article.status,
        "published_on": article.published_on,
        "next": next_id,
        "tags": sorted(name.lower() for name in tag_names),
        "questions": list(questions),
    }


def _as_now(article):
    return _snapshot(
        article,
        [tag.name for tag in article.tags.all()],
        [(question.question, question.answer) for question in article.questions.all()],
        article.next_article_id,
    )


def _as_proposed(article, version):
    """The article as a pending change holds it (its publication as it is now)."""
    held = version._object_version
    proposed = held.object
    proposed.status, proposed.published_on = article.status, article.published_on
    tags = Tag.objects.filter(pk__in=held.m2m_data.get("tags", [])).values_list("name", flat=True)
    questions = [(row.question, row.answer) for row in rows_in(version).get("questions", [])]
    return _snapshot(proposed, list(tags), questions, proposed.next_article_id)


def save_article(parsed, *, publish=False, create_only=False):
    """
    Create or update the article a parsed file describes, all in one transaction. Like every import it
    goes to a medical reviewer: a new article is a draft submitted for review; a change to a published
    one waits for approval while the public keeps the approved page. With `publish`, the operator
    publishes it at once, recorded as theirs with the file. With `create_only`, an existing article is
    left as it is.
    """
    warnings = list(parsed.warnings)
    with transaction.atomic():
        article = find_existing(parsed)
        if article is not None and create_only:
            return SaveResult(article, "kept", warnings)
        created = article is None
        held_for_review = not publish and not created and article.is_published
        if created:
            article = Article(source_id=parsed.source_id, language=parsed.language or settings.LANGUAGE_CODE)
            before = None
        else:
            pending = SignOff.of(article) if held_for_review else None
            before = _as_proposed(article, pending.proposed) if pending and pending.proposed else _as_now(article)
            approved = article.approved_page() if held_for_review else None

        if article.language != settings.LANGUAGE_CODE:
            article.translation_of, article.made_from = translations.english_page_of(Article, parsed, ArticleFileError)
        article.title, article.summary, article.body = parsed.title, parsed.summary, parsed.body
        article.questions_heading, article.appeal = parsed.questions_heading, parsed.appeal
        if parsed.published_on is not None:
            article.published_on = parsed.published_on
        if publish:
            article.status = Article.Status.PUBLISHED
            article.authorise_publication("Import")  # an operator's act on the server, recorded with the file
        following = find_next(parsed, article)
        if parsed.next_title and following is None:
            warnings.append(
                f"the next article, “{parsed.next_title}”, is not on the site yet: import this file again once "
                "it is (or choose it in the admin) to link it"
            )
        next_id = following.pk if following else article.next_article_id if not parsed.next_title else None
        if parsed.hero_image_url:
            warnings.append("the hero image was not imported: upload it on the article's page in the admin")
        questions = [(question.question, question.answer) for question in parsed.questions]
        warnings += similar_questions(parsed, article)

        after = _snapshot(article, parsed.tags, questions, next_id)
        if before == after:
            transaction.set_rollback(True)
            return SaveResult(article, "unchanged", warnings)

        article.next_article_id = next_id
        if created:
            article.slug = unique_slug(Article, parsed.title, max_length=120, reserved=Article.reserved_slugs)
            if article.slug != slugify(parsed.title)[:120]:
                warnings.append(
                    f"another article already uses /articles/{slugify(parsed.title)}/; "
                    f"this one was created at /articles/{article.slug}/"
                )
        try:
            article.full_clean(exclude=["hero_image"])
        except ValidationError as exc:
            _raise_with_line(exc, parsed)
        article.save()
        article.tags.set([_tag_named(name, parsed) for name in parsed.tags])
        _write_questions(article, parsed)
        article.refresh_from_rows()
        after_revision = []
        if held_for_review:
            after_revision.append(lambda: article.keep_for_review(approved, by=None, submit=True))
        elif not publish:
            article.submit_for_review(by=None)  # an operator's import: the reviewer sees "an import"
        elif not created:
            article.changed_outside_review(None, imported_at_once())
        if reversion.is_active():
            # The version was taken when the article was saved, before its questions were
            # written: take it again, rows and all.
            reversion.add_to_revision(article)
        # bulk_create sends no signals: say once that pages showing this article changed.
        generations.invalidate(tags={row_tag(Article, article.pk)})
    return SaveResult(article, "created" if created else "updated", warnings, after_revision)


def _write_questions(article, parsed):
    """The article's questions as the file has them; each keeps the FAQ topic an editor gave it, by its words."""
    topics = dict(article.questions.values_list("question", "topic_id"))
    article.questions.all().delete()
    rows = []
    for order, parsed_question in enumerate(parsed.questions):
        row = ArticleQuestion(
            article=article,
            question=parsed_question.question,
            answer=parsed_question.answer,
            topic_id=topics.get(parsed_question.question),
            order=order,
        )
        row.refresh_derived_fields()
        try:
            row.full_clean(exclude=["article", "topic"])
        except ValidationError as exc:
            raise ArticleFileError(parsed_question.line, "; ".join(exc.messages)) from None
        rows.append(row)
    ArticleQuestion.objects.bulk_create(rows)


def _words(text):
    return " ".join(word for word in re.findall(r"[a-z0-9]+", text.lower()) if word not in QUESTION_FILLER)


def similar_questions(parsed, article):
    """
    Notes on the file's questions that the site already asks: in the FAQ or in another article, at the
    same address or in nearly the same words. The article keeps its own; an editor decides whether the
    FAQ should list it (by giving it a topic) beside the one it resembles.
    """
    if not parsed.questions:
        return []
    language = article.language
    asked_in_language = Question.objects.in_language(language).only("question", "slug", "language")
    known = [(q.question, q.get_absolute_url(), q.slug) for q in asked_in_language]
    others = (
        ArticleQuestion.objects.filter(article__language=language)
        .select_related("article")
        .only("question", "article__slug", "article__title", "article__language")
    )
    if article.pk:
        others = others.exclude(article=article)
    known += [(q.question, q.get_absolute_url(), "") for q in others]
    notes = []
    for asked in parsed.questions:
        words, slug = _words(asked.question), slugify(asked.question)[:120]
        for question, url, known_slug in known:
            if slug == known_slug:
                why = "has the same address as"
            elif _alike(words, _words(question)):
                why = "asks nearly the same as"
            else:
                continue
            notes.append(
                f"line {asked.line}: “{asked.question}” {why} “{question}” ({url}); the article keeps its own "
                "question, and the FAQ lists it only if an editor gives it a topic"
            )
            break
    return notes


def _alike(one, other):
    matcher = difflib.SequenceMatcher(None, one, other)
    return matcher.real_quick_ratio() >= SAME_QUESTION_RATIO and matcher.ratio() >= SAME_QUESTION_RATIO


def _raise_with_line(exc, parsed):
    """A model ValidationError as a file error pointing at the offending key."""
    messages, line = [], 1
    for name, errors in exc.message_dict.items():
        messages.append(f"{name.replace('_', ' ')}: {' '.join(errors)}" if name != "__all__" else " ".join(errors))
        line = parsed.key_lines.get(name, line)
    raise ArticleFileError(line, "; ".join(messages))


def _tag_named(name, parsed):
    tag = Tag.objects.filter(name__iexact=name).first()
    if tag is not None:
        return tag
    tag = Tag(name=name)
    try:
        tag.full_clean(exclude=["slug"])
    except ValidationError as exc:
        raise ArticleFileError(parsed.key_lines.get("tags", 1), f"tag {name!r}: {'; '.join(exc.messages)}") from None
    tag.save()
    return tag
