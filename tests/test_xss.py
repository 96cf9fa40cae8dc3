"""
The XSS corpus, fed into every staff-editable field that reaches public HTML
and through both importers. Each rendered page is parsed and must contain no
executable script, no event-handler attribute and no dangerous URL.
"""

import datetime
import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command

from donations.models import Campaign, SuggestedAmount
from faq.models import Question, Topic
from review.models import Reviewer
from treatments.models import Reference, Tag, Treatment, TreatmentPoint

from .helpers import assert_page_is_inert, image_bytes, signed_off
from .xss_corpus import PAYLOADS

pytestmark = pytest.mark.django_db


def public_urls(treatment, tag, question, topic, campaign, payload):
    return [
        "/",
        "/treatments/",
        tag.get_absolute_url(),
        treatment.get_absolute_url(),
        "/faq/",
        f"/faq/?q={payload}",
        topic.get_absolute_url(),
        question.get_absolute_url(),
        "/donate/",
        campaign.get_absolute_url(),
        campaign.get_thanks_url(),
        f"{campaign.get_give_url()}?amount={payload}",
    ]


@pytest.mark.parametrize("index", range(len(PAYLOADS)))
def test_payload_in_every_staff_field_renders_inert(client, index):
    payload = PAYLOADS[index]
    tag = Tag.objects.create(name=f"Tag {index} {payload}"[:60], slug=f"tag-{index}")
    user = get_user_model().objects.create_user(f"reviewer-{index}", is_staff=True)
    reviewer = Reviewer.objects.create(
        user=user, display_name=f"Dr {payload}"[:120], credentials=f"Credentials {payload}"[:160]
    )
    treatment = Treatment(
        reviewed_by=reviewer,
        last_reviewed=datetime.date(2026, 11, 1),
        title=f"T {payload}"[:120],
        slug=f"treatment-{index}",
        summary=f"Summary {payload}"[:300],
        body=f"Body {payload}\n\n{payload}",
        status=Treatment.Status.PUBLISHED,
        hero_image=ContentFile(image_bytes(), name="hero.png"),
        hero_image_alt=f"Alt {payload}"[:200],
        hero_image_credit=f"Credit {payload}"[:200],
        cost_min=1,
        cost_max=2,
        cost_period="year",
    )
    signed_off(treatment)
    treatment.tags.add(tag)
    for kind in TreatmentPoint.Kind.values:
        TreatmentPoint.objects.create(treatment=treatment, kind=kind, text=f"Point {payload}")
    Reference.objects.create(
        treatment=treatment, title=f"Ref {payload}"[:300], url=f"https://example.org/?q={payload}"[:1000]
    )
    topic = Topic.objects.create(
        name=f"Topic {index} {payload}"[:100], slug=f"topic-{index}", description=f"About {payload}"[:300]
    )
    question = signed_off(
        Question(
            question=f"Q {payload}?"[:300],
            slug=f"question-{index}",
            answer=f"Answer {payload}\n\n{payload}",
            topic=topic,
            status="published",
            reviewed_by=reviewer,
            last_reviewed=datetime.date(2026, 11, 1),
        )
    )
    question.related_treatments.add(treatment)
    campaign = Campaign.objects.create(
        title=f"C {payload}"[:120],
        slug=f"campaign-{index}",
        summary=f"Summary {payload}"[:300],
        story=f"Story {payload}\n\n{payload}",
        thank_you_message=f"Thanks {payload}\n\n{payload}",
        hero_image=ContentFile(image_bytes(), name="campaign.png"),
        hero_image_alt=f"Alt {payload}"[:200],
        goal=100,
        starts_on="2020-01-01",
        status="published",
        is_featured=True,
        donate_url="https://buy.stripe.com/test_x",
    )
    SuggestedAmount.objects.create(campaign=campaign, amount=10, impact=f"Impact {payload}"[:200], is_default=True)

    for url in public_urls(treatment, tag, question, topic, campaign, payload):
        response = client.get(url)
        assert response.status_code in (200, 400), url
        assert_page_is_inert(url, response.content)


def test_the_corpus_is_large_enough():
    assert len(PAYLOADS) >= 60


@pytest.mark.parametrize(
    "url",
    [p for p in PAYLOADS if p.lower().lstrip().startswith(("javascript", "<a href", "[", "data", "vbscript"))]
    + ["ftp://example.org/x", "mailto:a@b.c"],
)
def test_reference_urls_accept_only_http_and_https(url):
    treatment = Treatment(title="x", summary="y")
    with pytest.raises(ValidationError):
        Reference(treatment=treatment, title="t", url=url).full_clean(exclude=["treatment"])


def test_payloads_through_the_treatment_importer(client, tmp_path):
    for index, payload in enumerate(PAYLOADS):
        safe_yaml = json.dumps(f"T{index} {payload}"[:120])
        (tmp_path / f"t{index:03}.md").write_text(
            f'---\ntitle: {safe_yaml}\nid: "xss-{index}"\ndescription: {json.dumps(("D " + payload)[:300])}\n'
            f"tags: {json.dumps(('Tag' + str(index) + ' ' + payload)[:55])}\n---\n\n{payload}\n\n## Pros and Cons\n\n"
            f"**Pros:**\n\n- Pro {payload.splitlines()[0]}\n\n**Cons:**\n\n- Con {payload.splitlines()[0]}\n"
        )
    call_command("import_treatments", str(tmp_path), "--no-images", stdout=StringIO(), stderr=StringIO())
    treatments = list(Treatment.objects.all())
    assert len(treatments) >= len(PAYLOADS) - 5, "nearly every file imports; the rest are reported"
    for treatment in treatments:
        assert_page_is_inert(treatment.get_absolute_url(), client.get(treatment.get_absolute_url()).content)
    assert_page_is_inert("/treatments/", client.get("/treatments/").content)


def test_payloads_through_the_faq_importer(client, tmp_path):
    lines = ["An article", ""]
    for index, payload in enumerate(PAYLOADS):
        first_line = payload.splitlines()[0]
        lines += [f"Question {index} about {first_line}?", "", f"Answer {index}: {first_line} and more text here.", ""]
    (tmp_path / "article.txt").write_text("\n".join(lines))
    call_command(
        "import_faqs", str(tmp_path / "article.txt"), "--topic", "Imported", stdout=StringIO(), stderr=StringIO()
    )
    assert Question.objects.count() >= len(PAYLOADS) - 5
    for url in ["/faq/", "/faq/topic/imported/"] + [q.get_absolute_url() for q in Question.objects.all()]:
        assert_page_is_inert(url, client.get(url).content)


@pytest.mark.parametrize(
    "dangerous",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<a href="java&#x09;script:alert(1)">x</a>',
        '<a href=" JAVASCRIPT:alert(1)">x</a>',
        '<img src="data:image/svg+xml,x">',
        "<iframe></iframe>",
        "<svg></svg>",
        '<p style="color:red">x</p>',
        '<meta http-equiv="refresh" content="0">',
        '<form action="https://evil.example/"></form>',
        '<base href="https://evil.example/">',
    ],
)
def test_the_page_checker_catches_what_it_looks_for(dangerous):
    with pytest.raises(AssertionError):
        assert_page_is_inert("sample", f"<html><body>{dangerous}</body></html>")
