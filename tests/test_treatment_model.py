from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from treatments.models import Reference, Tag, Treatment

from .helpers import image_bytes

pytestmark = pytest.mark.django_db


def test_slug_comes_from_the_title_and_stays_unique(make_treatment):
    first = make_treatment("Radiation Therapy")
    second = make_treatment("Radiation therapy")
    assert first.slug == "radiation-therapy"
    assert second.slug == "radiation-therapy-2"
    assert first.get_absolute_url() == "/treatments/radiation-therapy/"


def test_slug_cannot_change_once_published(make_treatment):
    treatment = make_treatment("Chemotherapy", status=Treatment.Status.PUBLISHED)
    treatment.slug = "chemo"
    with pytest.raises(ValidationError) as error:
        treatment.full_clean()
    assert "slug" in error.value.message_dict


def test_slug_stays_fixed_after_unpublishing(make_treatment):
    treatment = make_treatment("Chemotherapy", status=Treatment.Status.PUBLISHED)
    treatment.status = Treatment.Status.DRAFT
    treatment.save()
    treatment.slug = "chemo"
    with pytest.raises(ValidationError):
        treatment.full_clean()


def test_publishing_stamps_published_at_once(make_treatment):
    treatment = make_treatment(status=Treatment.Status.DRAFT)
    assert treatment.published_at is None
    treatment.status = Treatment.Status.PUBLISHED
    treatment.authorise_publication("Set up by a test")
    treatment.save()
    first = treatment.published_at
    assert first is not None
    treatment.save()
    assert treatment.published_at == first


def test_body_is_rendered_and_sanitised_on_save(make_treatment):
    treatment = make_treatment(body="Hello **world** <script>alert(1)</script>")
    assert "<strong>world</strong>" in treatment.body_html
    assert "<script" not in treatment.body_html
    treatment.body = "Changed"
    treatment.save(update_fields=["body"])
    treatment.refresh_from_db()
    assert treatment.body_html == "<p>Changed</p>"


def test_alt_text_is_required_when_there_is_a_picture(make_treatment):
    treatment = make_treatment()
    treatment.hero_image = SimpleUploadedFile("hero.png", image_bytes(), content_type="image/png")
    with pytest.raises(ValidationError) as error:
        treatment.full_clean()
    assert "hero_image_alt" in error.value.message_dict
    treatment.hero_image_alt = "A nurse preparing an infusion"
    treatment.full_clean()


def test_cost_range_must_be_ordered_and_have_a_period():
    treatment = Treatment(title="X", summary="Y", cost_min=500, cost_max=100, cost_period="year")
    with pytest.raises(ValidationError) as error:
        treatment.full_clean()
    assert "cost_max" in error.value.message_dict
    treatment = Treatment(title="X", summary="Y", cost_min=100, cost_max=500, cost_period="")
    with pytest.raises(ValidationError) as error:
        treatment.full_clean()
    assert "cost_period" in error.value.message_dict


@pytest.mark.parametrize(
    ("low", "high", "currency", "period", "expected"),
    [
        (100000, 200000, "USD", "year", "$100,000–$200,000 per year"),
        (1000, 12000, "USD", "cycle", "$1,000–$12,000 per cycle"),
        (20, 500, "GBP", "month", "£20–£500 per month"),
        (10000, 50000, "EUR", "one-off", "€10,000–€50,000 in total (one-off)"),
        (1500, 1500, "USD", "month", "$1,500 per month"),
        (Decimal("49.50"), None, "USD", "month", "from $49.50 per month"),
        (None, 300, "CHF", "year", "up to CHF 300 per year"),
        (None, None, "USD", "", ""),
    ],
)
def test_cost_is_shown_as_people_write_it(make_treatment, low, high, currency, period, expected):
    treatment = make_treatment(cost_min=low, cost_max=high, cost_currency=currency, cost_period=period)
    assert treatment.cost_range_display == expected


def test_published_queryset_hides_drafts(make_treatment):
    live = make_treatment("Live", status=Treatment.Status.PUBLISHED)
    make_treatment("Hidden", status=Treatment.Status.DRAFT)
    assert list(Treatment.objects.published()) == [live]


def test_reference_urls_accept_only_http_and_https(full_treatment):
    for bad in ["javascript:alert(1)", "ftp://example.org/x", "data:text/html,x", "mailto:a@b.c"]:
        reference = Reference(treatment=full_treatment, title="Bad", url=bad)
        with pytest.raises(ValidationError):
            reference.full_clean()
    Reference(treatment=full_treatment, title="Good", url="https://www.cancer.gov/").full_clean()


def test_tag_slug_is_generated(db):
    assert Tag.objects.create(name="HER2-positive").slug == "her2-positive"


@pytest.mark.parametrize("how", ["loaded", "just published", "built by hand"])
def test_a_published_address_cannot_change(make_treatment, how):
    treatment = make_treatment("Chemotherapy", status=Treatment.Status.DRAFT)
    if how == "just published":
        treatment.status = Treatment.Status.PUBLISHED
        treatment.authorise_publication("Set up by a test")
        treatment.save()
    else:
        Treatment.objects.filter(pk=treatment.pk).update(status="published", published_at=treatment.updated_at)
        treatment = (
            Treatment.objects.get()
            if how == "loaded"
            else Treatment(
                **{
                    field.attname: getattr(Treatment.objects.get(), field.attname)
                    for field in Treatment._meta.concrete_fields
                }
            )
        )
    treatment.slug = "chemo"
    with pytest.raises(ValidationError) as error:
        treatment.full_clean()
    assert "/treatments/chemotherapy/" in error.value.message_dict["slug"][0]


@pytest.mark.parametrize("how", ["just saved", "loaded"])
def test_a_draft_may_change_its_address(make_treatment, how):
    treatment = make_treatment("Chemotherapy", status=Treatment.Status.DRAFT)
    if how == "loaded":
        treatment = Treatment.objects.get(pk=treatment.pk)
    treatment.slug = "chemo"
    treatment.full_clean()
