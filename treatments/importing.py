"""
Writing a parsed treatment file (treatments.parsing) to the database: the
treatment with its tags, points and references, created or updated in one
transaction, so that a failure leaves the database as it was.
"""

from dataclasses import dataclass

import reversion
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from core import page_cache
from core.text import unique_slug

from .models import Reference, Tag, Treatment, TreatmentPoint
from .parsing import TreatmentFileError


@dataclass
class SaveResult:
    treatment: Treatment
    action: str  # "created", "updated", "unchanged", or "kept" (exists; create_only)
    warnings: list


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
    if parsed.source_id:
        return Treatment.objects.filter(source_id=parsed.source_id).first()
    return Treatment.objects.filter(source_id="", slug=slugify(parsed.title)[:120]).first()


def _raise_with_line(exc, parsed):
    """Turn a model ValidationError into a file error pointing at the offending key."""
    messages = []
    line = 1
    for name, errors in exc.message_dict.items():
        messages.append(f"{name.replace('_', ' ')}: {' '.join(errors)}" if name != "__all__" else " ".join(errors))
        line = parsed.key_lines.get(name, line)
    raise TreatmentFileError(line, "; ".join(messages))


def save_treatment(parsed, *, publish=True, create_only=False, hero_image=None):
    """
    Create or update the treatment a parsed file describes, all in one
    transaction: a failure leaves the database as it was.

    `hero_image` is an already downloaded, verified image (a Django File) or
    None. With `create_only`, an existing treatment is left untouched.
    """
    warnings = list(parsed.warnings)
    with transaction.atomic():
        treatment = find_existing(parsed)
        if treatment is not None and create_only:
            return SaveResult(treatment, "kept", warnings)
        if not publish and treatment is not None and treatment.is_published:
            raise TreatmentFileError(
                1,
                f"“{treatment.title}” is published: importing it with --draft would take it down. Import it "
                "without --draft, or change it in the admin, where a change waits for medical review",
            )
        created = treatment is None
        if created:
            treatment = Treatment(source_id=parsed.source_id)
            before = None
        else:
            before = _snapshot(
                treatment,
                [tag.name for tag in treatment.tags.all()],
                [(point.kind, point.text) for point in treatment.points.all()],
                [(ref.title, ref.url) for ref in treatment.references.all()],
            )

        treatment.title = parsed.title
        treatment.summary = parsed.summary
        treatment.suited_to = parsed.suited_to
        treatment.body = parsed.body
        treatment.status = Treatment.Status.PUBLISHED if publish else Treatment.Status.DRAFT
        if publish:
            treatment.authorise_publication("Import")  # an operator's act on the server, recorded with the file
        treatment.cost_min, treatment.cost_max = parsed.cost_min, parsed.cost_max
        treatment.cost_currency = parsed.cost_currency
        treatment.cost_period = parsed.cost_period
        if not created and treatment.last_reviewed and parsed.last_reviewed is None:
            warnings.append(
                "the file has no review dates, so the page now shows 'not yet reviewed': "
                "the previous review was of the previous text"
            )
        treatment.last_reviewed = parsed.last_reviewed
        treatment.next_review_due = parsed.next_review_due
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
        if not publish:
            treatment.submit_for_review(by=None)  # an operator's import: the reviewer sees "an import"
        if reversion.is_active():
            # The version was taken when the treatment was saved, before its rows were
            # written (bulk_create sends no signals): take it again, rows and all.
            reversion.add_to_revision(treatment)
        # bulk_create sends no signals: say once that pages showing this treatment changed.
        page_cache.invalidate()

    return SaveResult(treatment, "created" if created else "updated", warnings)


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
