"""
Writing a parsed treatment file (treatments.parsing) to the database: the
treatment with its tags, points and references, created or updated in one
transaction, so that a failure leaves the database as it was.
"""

from dataclasses import dataclass, field

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from core.text import unique_slug
from core.versions import rows_in
from importing import translations
from importing.commands import imported_at_once
from pagecache import generations
from pagecache.tags import row_tag
from review.models import SignOff

from .models import Reference, Tag, Treatment, TreatmentPoint
from .parsing import TreatmentFileError


@dataclass
class SaveResult:
    treatment: Treatment
    action: str  # "created", "updated", "unchanged", or "kept" (exists; create_only)
    warnings: list
    # For a change to a published page: what keeps it for review once the file's version is saved.
    after_revision: list = field(default_factory=list)


def _snapshot(treatment, tag_names, points, references):
    return {
        "title": treatment.title,
        "summary": treatment.summary,
        "suited_to": treatment.suited_to,
        "body": treatment.body,
        "status": treatment.status,
        "hero_image_alt": treatment.hero_image_alt,
        "hero_image_credit": treatment.hero_image_credit,
        "hero_image_source_url": treatment.hero_image_source_url,
        "hero_image": treatment.hero_image.name if treatment.hero_image else "",
        "cost": (treatment.cost_min, treatment.cost_max, treatment.cost_currency, treatment.cost_period),
        "review": (treatment.last_reviewed, treatment.next_review_due),
        "tags": sorted(name.lower() for name in tag_names),
        "points": [(int(kind), text) for kind, text in points],
        "references": list(references),
    }


def find_existing(parsed):
    return translations.find_existing(Treatment, parsed, slugify(parsed.title)[:120])


def _raise_with_line(exc, parsed):
    """Turn a model ValidationError into a file error pointing at the offending key."""
    messages = []
    line = 1
    for name, errors in exc.message_dict.items():
        messages.append(f"{name.replace('_', ' ')}: {' '.join(errors)}" if name != "__all__" else " ".join(errors))
        line = parsed.key_lines.get(name, line)
    raise TreatmentFileError(line, "; ".join(messages))


def _as_now(treatment):
    return _snapshot(
        treatment,
        [tag.name for tag in treatment.tags.all()],
        [(point.kind, point.text) for point in treatment.points.all()],
        [(ref.title, ref.url) for ref in treatment.references.all()],
    )


def _as_proposed(treatment, version):
    """The treatment as a pending change holds it (its publication and sign-off as they are now)."""
    held = version._object_version
    proposed = held.object
    proposed.status, proposed.last_reviewed, proposed.next_review_due = (
        treatment.status, treatment.last_reviewed, treatment.next_review_due
    )  # fmt: skip
    tags = Tag.objects.filter(pk__in=held.m2m_data.get("tags", [])).values_list("name", flat=True)
    rows = rows_in(version)
    points = [(point.kind, point.text) for point in rows.get("points", [])]
    return _snapshot(proposed, list(tags), points, [(ref.title, ref.url) for ref in rows.get("references", [])])


def save_treatment(parsed, *, publish=False, create_only=False, hero_image=None):
    """
    Create or update the treatment a parsed file describes, all in one
    transaction: a failure leaves the database as it was.

    What an import writes is medical content like any other: it goes to a
    medical reviewer. A new treatment is a draft submitted for review; a change
    to a published one waits for approval while the public keeps the approved
    page (`after_revision`, run once the file's version is saved). With
    `publish`, the operator publishes it at once, recorded as theirs with the
    file, with the review dates the file gives (a first load, an emergency).

    `hero_image` is an already downloaded, verified image (a Django File) or
    None. With `create_only`, an existing treatment is left untouched.
    """
    warnings = list(parsed.warnings)
    with transaction.atomic():
        treatment = find_existing(parsed)
        if treatment is not None and create_only:
            return SaveResult(treatment, "kept", warnings)
        created = treatment is None
        held_for_review = not publish and not created and treatment.is_published
        if created:
            treatment = Treatment(source_id=parsed.source_id, language=parsed.language or settings.LANGUAGE_CODE)
            before = None
        else:
            pending = SignOff.of(treatment) if held_for_review else None
            before = _as_proposed(treatment, pending.proposed) if pending and pending.proposed else _as_now(treatment)
            approved = treatment.approved_page() if held_for_review else None

        if treatment.language != settings.LANGUAGE_CODE:
            treatment.translation_of, treatment.made_from = translations.english_page_of(
                Treatment, parsed, TreatmentFileError
            )
        treatment.title = parsed.title
        treatment.summary = parsed.summary
        treatment.suited_to = parsed.suited_to
        treatment.body = parsed.body
        if publish:
            treatment.status = Treatment.Status.PUBLISHED
            treatment.authorise_publication("Import")  # an operator's act on the server, recorded with the file
            if not created and treatment.last_reviewed and parsed.last_reviewed is None:
                warnings.append(
                    "the file has no review dates, so the page now shows 'not yet reviewed': "
                    "the previous review was of the previous text"
                )
            treatment.last_reviewed = parsed.last_reviewed
            treatment.next_review_due = parsed.next_review_due
        treatment.cost_min, treatment.cost_max = parsed.cost_min, parsed.cost_max
        treatment.cost_currency = parsed.cost_currency
        treatment.cost_period = parsed.cost_period
        treatment.hero_image_credit = parsed.hero_image_credit
        treatment.hero_image_source_url = parsed.hero_image_url
        if hero_image is not None:
            treatment.hero_image.save(hero_image.name, hero_image, save=False)
        if parsed.hero_image_alt:
            treatment.hero_image_alt = parsed.hero_image_alt
        elif treatment.hero_image and not treatment.hero_image_alt:
            treatment.hero_image_alt = f"Illustration for {parsed.title}"
            warnings.append("the picture has no description: add 'heroImageAlt' (or edit the alt text in the admin)")

        after = _snapshot(treatment, parsed.tags, parsed.points, parsed.references)
        if before == after:
            transaction.set_rollback(True)
            return SaveResult(treatment, "unchanged", warnings)

        if created:
            treatment.slug = unique_slug(Treatment, parsed.title, max_length=120)
            if treatment.slug != slugify(parsed.title)[:120]:
                warnings.append(
                    f"another treatment already uses /treatments/{slugify(parsed.title)}/; "
                    f"this one was created at /treatments/{treatment.slug}/"
                )
        try:
            treatment.full_clean(exclude=["hero_image"])
        except ValidationError as exc:
            _raise_with_line(exc, parsed)
        treatment.save()

        tags = [_tag_named(name, parsed) for name in parsed.tags]
        treatment.tags.set(tags)

        treatment.points.all().delete()
        new_points = [
            TreatmentPoint(treatment=treatment, kind=kind, text=text, order=index)
            for index, (kind, text) in enumerate(parsed.points)
        ]
        TreatmentPoint.objects.bulk_create(new_points)

        treatment.references.all().delete()
        new_references = [
            Reference(treatment=treatment, title=title, url=url, order=index)
            for index, (title, url) in enumerate(parsed.references)
        ]
        Reference.objects.bulk_create(new_references)
        treatment.refresh_from_rows()
        after_revision = []
        if held_for_review:
            after_revision.append(lambda: treatment.keep_for_review(approved, by=None, submit=True))
        elif not publish:
            treatment.submit_for_review(by=None)  # an operator's import: the reviewer sees "an import"
        elif not created:
            treatment.changed_outside_review(None, imported_at_once())
        if reversion.is_active():
            # The version was taken when the treatment was saved, before its rows were
            # written (bulk_create sends no signals): take it again, rows and all.
            reversion.add_to_revision(treatment)
        # bulk_create sends no signals: say once that pages showing this treatment changed.
        generations.invalidate(tags={row_tag(Treatment, treatment.pk)})

    return SaveResult(treatment, "created" if created else "updated", warnings, after_revision)


def _tag_named(name, parsed):
    tag = Tag.objects.filter(name__iexact=name).first()
    if tag is not None:
        return tag
    tag = Tag(name=name)
    try:
        tag.full_clean(exclude=["slug"])
    except ValidationError as exc:
        raise TreatmentFileError(parsed.key_lines.get("tags", 1), f"tag {name!r}: {'; '.join(exc.messages)}") from None
    tag.save()
    return tag
