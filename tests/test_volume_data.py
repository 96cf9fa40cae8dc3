"""Volume data for load tests: realistic sizes, and idempotent."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article
from donations.models import Campaign
from faq.models import Question
from treatments.models import Treatment

pytestmark = pytest.mark.django_db


def create(**counts):
    out = StringIO()
    call_command("create_volume_data", *[f"--{name}={value}" for name, value in counts.items()], stdout=out)
    return out.getvalue()


def test_volume_data_has_realistic_sizes_and_is_idempotent():
    made = create(treatments=12, questions=40, campaigns=3, articles=4, translations=5)
    assert "12 treatments, 40 questions, 3 campaigns, 4 articles, 5 Spanish treatments created" in made
    treatment = Treatment.objects.get(slug="volume-treatment-00003")
    assert 550 <= len(treatment.body.split()) <= 700
    assert treatment.points.count() >= 8
    assert treatment.references.count() == 2
    assert treatment.tags.count() == 2
    assert "<h2>How it works</h2>" in treatment.body_html
    assert Question.objects.published().count() == 40
    assert all(c.amounts.count() == 4 for c in Campaign.objects.all())
    article = Article.objects.published().get(slug="volume-article-00003")
    assert article.questions.count() == 5
    assert article.tags.count() == 2
    assert "<h2>What we know</h2>" in article.body_html
    spanish = Treatment.objects.get(slug="volume-tratamiento-00003")
    assert spanish.language == "es"
    assert spanish.translation_of == treatment
    assert "<h2>Cómo funciona</h2>" in spanish.body_html
    assert spanish.points.count() == 8

    before = list(Treatment.objects.order_by("pk").values_list("pk", "updated_at"))
    again = create(treatments=12, questions=40, campaigns=3, articles=4, translations=5)
    assert "0 treatments, 0 questions, 0 campaigns, 0 articles, 0 Spanish treatments created" in again
    assert list(Treatment.objects.order_by("pk").values_list("pk", "updated_at")) == before
    more = create(treatments=15, questions=40, campaigns=3)
    assert "3 treatments, 0 questions, 0 campaigns, 0 articles, 0 Spanish treatments created" in more


def test_volume_pages_render_and_search_finds_them(client):
    create(treatments=3, questions=10, campaigns=1)
    assert client.get("/treatments/volume-treatment-00001/").status_code == 200
    assert client.get("/donate/volume-campaign-00000/").status_code == 200
    create(treatments=3, questions=10, campaigns=1, articles=2)
    assert client.get("/articles/volume-article-00001/").status_code == 200
    assert b"Volume article 00001" in client.get("/articles/").content
    assert b"Volume question 00004" in client.get("/faq/?q=volume+00004").content
    create(treatments=3, questions=10, campaigns=1, translations=3)
    spanish = client.get("/es/treatments/volume-tratamiento-00001/")
    assert spanish.status_code == 200
    assert 'hreflang="en" href="http://testserver/treatments/volume-treatment-00001/"' in spanish.content.decode()
    found = client.get("/es/search/?q=tratamientos+de+volumen").content.decode()
    assert "/es/treatments/volume-tratamiento-00001/" in found
    assert "volume-treatment-" not in found, "the English pages are not among the Spanish results"


def test_negative_counts_are_refused():
    with pytest.raises(CommandError):
        call_command("create_volume_data", "--treatments=-1", stdout=StringIO())
