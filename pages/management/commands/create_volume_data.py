"""
python manage.py create_volume_data --treatments N --questions M --campaigns K

Fills the database with realistic volumes of content for load tests and
benchmarks: treatment bodies of about 600 words with 8 points and 2
references each, answers of about 120 words, campaigns with 4 suggested
amounts. Idempotent: items are numbered, and only the missing ones are
created, so running it twice with the same numbers changes nothing.
The text is generated from a fixed seed, so every run produces the same site.
"""

import datetime
import random

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone

from articles.models import Article, ArticleQuestion
from articles.models import Tag as ArticleTag
from articles.models import refresh_search_rows as refresh_article_search_rows
from donations.models import Campaign, DonateClick, Gift, OfflineGift, Refund, SuggestedAmount
from faq.models import Question, Topic
from pagecache import generations
from treatments.models import Reference, Tag, Treatment, TreatmentPoint, refresh_search_rows

WORDS = [
    "treatment",
    "care",
    "team",
    "cells",
    "cancer",
    "breast",
    "therapy",
    "medicine",
    "dose",
    "cycle",
    "week",
    "month",
    "year",
    "hospital",
    "nurse",
    "doctor",
    "scan",
    "test",
    "result",
    "side",
    "effect",
    "tiredness",
    "support",
    "family",
    "plan",
    "choice",
    "risk",
    "benefit",
    "study",
    "trial",
    "research",
    "evidence",
    "option",
    "surgery",
    "radiation",
    "hormone",
    "receptor",
    "protein",
    "immune",
    "system",
    "body",
    "recovery",
    "appointment",
    "question",
    "answer",
    "cost",
    "insurance",
    "cover",
    "monitor",
    "review",
    "quality",
    "life",
    "daily",
    "rest",
    "food",
    "sleep",
]
# The Spanish pages' words: Spanish treatments read as Spanish, so that their search stems Spanish words.
PALABRAS = (  # noqa: SIM905 - a paragraph of words reads better than 50 lines
    "tratamiento cuidado equipo células cáncer mama terapia medicamento dosis ciclo semana mes año hospital "
    "enfermera médico escáner prueba resultado efecto cansancio apoyo familia plan decisión riesgo beneficio "
    "estudio ensayo investigación opción cirugía radiación hormona receptor proteína inmunitario sistema cuerpo "
    "recuperación cita pregunta respuesta costo seguro cobertura control revisión calidad vida diario"
).split()
TAGS = [f"Volume topic {number}" for number in range(12)]
BATCH = 200


def sentence(rng, length, words=WORDS):
    chosen = [rng.choice(words) for _ in range(length)]
    return " ".join(chosen).capitalize() + "."


def volume_treatment(rng, vocabulary, now, **fields):
    """A published volume treatment (its summary, cost and review dates drawn after its body), derived fields filled."""
    treatment = Treatment(
        summary=sentence(rng, 20, vocabulary)[:300],
        status=Treatment.Status.PUBLISHED,
        published_at=now,
        cost_min=1000 * rng.randint(1, 50),
        cost_max=1000 * rng.randint(51, 200),
        cost_period=Treatment.CostPeriod.PER_YEAR,
        last_reviewed=datetime.date(2026, 1, 1),
        next_review_due=datetime.date(2027, 1, 1),
        **fields,
    )
    treatment.refresh_derived_fields()  # what save() would do; bulk_create does not call it
    return treatment


def volume_points(treatments, vocabulary=WORDS):
    """Each treatment's 8 points, one of each kind a page shows (two pros and two cons)."""
    Kind = TreatmentPoint.Kind
    kinds = [Kind.PRO, Kind.PRO, Kind.CON, Kind.CON, Kind.SHORT_TERM, Kind.LONG_TERM, Kind.COST, Kind.RETURN]
    TreatmentPoint.objects.bulk_create(
        TreatmentPoint(treatment=t, kind=kind, text=sentence(random.Random(t.pk * 10 + i), 14, vocabulary), order=i)
        for t in treatments
        for i, kind in enumerate(kinds)
    )


def paragraph(rng, words, vocabulary=WORDS):
    sentences, total = [], 0
    while total < words:
        length = rng.randint(8, 18)
        sentences.append(sentence(rng, length, vocabulary))
        total += length
    return " ".join(sentences)


class Command(BaseCommand):
    help = "Create numbered volume content for load tests (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--treatments", type=int, default=100)
        parser.add_argument("--questions", type=int, default=1000)
        parser.add_argument("--campaigns", type=int, default=10)
        parser.add_argument("--articles", type=int, default=0, help="Articles, each with 5 questions and 2 tags.")
        parser.add_argument(
            "--translations",
            type=int,
            default=0,
            help="Spanish translations of the first this many volume treatments (at /es/treatments/…).",
        )
        parser.add_argument(
            "--edits",
            type=int,
            default=0,
            help="Give each volume treatment this many past versions, as if edited that often (for sizing history).",
        )

    def handle(self, *args, treatments, questions, campaigns, edits, articles, translations, **options):
        if min(treatments, questions, campaigns, edits, articles, translations) < 0:
            raise CommandError("Counts cannot be negative.")
        created = (
            self.create_treatments(treatments),
            self.create_questions(questions),
            self.create_campaigns(campaigns),
            self.create_articles(articles),
            self.create_translations(min(translations, treatments)),
        )
        if edits:
            self.create_edits(edits)
        # bulk_create sends no save signals: say once that pages have changed.
        generations.invalidate()
        if connection.vendor == "postgresql":
            # Thousands of rows at once: tell the planner now, as autovacuum would a little later, or it
            # plans searches for the tables as they were (reading every row through the status index).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(
            "Volume data: {} treatments, {} questions, {} campaigns, {} articles, {} Spanish treatments created "
            "(the rest already existed).".format(*created)
        )

    def missing(self, model, prefix, count):
        existing = set(model.objects.filter(slug__startswith=prefix).values_list("slug", flat=True))
        return [number for number in range(count) if f"{prefix}{number:05}" not in existing]

    def create_treatments(self, count):
        tags = [Tag.objects.get_or_create(name=name)[0] for name in TAGS]
        numbers = self.missing(Treatment, "volume-treatment-", count)
        now = timezone.now()
        for start in range(0, len(numbers), BATCH):
            batch = numbers[start : start + BATCH]
            with transaction.atomic():
                rows = []
                for number in batch:
                    rng = random.Random(number)
                    body = "\n\n".join(
                        [
                            "## How it works",
                            paragraph(rng, 200),
                            "## What to expect",
                            paragraph(rng, 200),
                            paragraph(rng, 200),
                        ]
                    )
                    treatment = volume_treatment(
                        rng,
                        WORDS,
                        now,
                        title=f"Volume treatment {number:05}",
                        slug=f"volume-treatment-{number:05}",
                        source_id=f"volume-{number:05}",
                        body=body,
                    )
                    rows.append(treatment)
                Treatment.objects.bulk_create(rows)
                made = list(Treatment.objects.filter(slug__in=[row.slug for row in rows]))
                volume_points(made)
                Reference.objects.bulk_create(
                    Reference(
                        treatment=t,
                        title=f"Source {i + 1} for {t.title}",
                        url=f"https://example.org/{t.slug}/{i}",
                        order=i,
                    )
                    for t in made
                    for i in range(2)
                )
                Treatment.tags.through.objects.bulk_create(
                    Treatment.tags.through(treatment=t, tag=tags[(t.pk + offset) % len(tags)])
                    for t in made
                    for offset in (0, 5)
                )
                refresh_search_rows(t.pk for t in made)  # the tags' and points' text, for search
        return len(numbers)

    def create_translations(self, count):
        """
        A Spanish page for each of the first `count` volume treatments, in Spanish words, linked to its English
        page as a translation made from it; each with its points, as the English pages have.
        """
        numbers = self.missing(Treatment, "volume-tratamiento-", count)
        english = dict(
            Treatment.objects.filter(slug__in=[f"volume-treatment-{n:05}" for n in numbers]).values_list("slug", "pk")
        )
        now = timezone.now()
        for start in range(0, len(numbers), BATCH):
            batch = numbers[start : start + BATCH]
            with transaction.atomic():
                rows = []
                for number in batch:
                    rng = random.Random(300_000 + number)
                    body = "\n\n".join(
                        [
                            "## Cómo funciona",
                            paragraph(rng, 200, PALABRAS),
                            "## Qué esperar",
                            paragraph(rng, 400, PALABRAS),
                        ]
                    )
                    treatment = volume_treatment(
                        rng,
                        PALABRAS,
                        now,
                        title=f"Tratamiento de volumen {number:05}",
                        slug=f"volume-tratamiento-{number:05}",
                        source_id=f"volume-{number:05}",
                        language="es",
                        translation_of_id=english[f"volume-treatment-{number:05}"],
                        body=body,
                    )
                    rows.append(treatment)
                Treatment.objects.bulk_create(rows)
                made = list(Treatment.objects.filter(slug__in=[row.slug for row in rows]))
                volume_points(made, PALABRAS)
                refresh_search_rows(t.pk for t in made)
        return len(numbers)

    def create_edits(self, edits):
        """
        Up to `edits` versions of every volume treatment, each holding the whole
        page (the treatment, its 8 points and 2 references) with a reworded
        summary, as the admin would store them. Written in bulk; run again, it
        only adds what is missing.
        """
        from django.contrib.contenttypes.models import ContentType
        from django.core import serializers
        from reversion.models import Revision, Version

        types = ContentType.objects.get_for_models(Treatment, TreatmentPoint, Reference)
        now = timezone.now()
        have = dict(
            Version.objects.filter(content_type=types[Treatment])
            .values_list("object_id")
            .annotate(count=models.Count("pk"))
            .values_list("object_id", "count")
        )
        treatments = Treatment.objects.filter(slug__startswith="volume-treatment-").prefetch_related(
            "points", "references"
        )
        written = 0
        for index, treatment in enumerate(treatments.iterator(chunk_size=BATCH)):
            missing = edits - have.get(str(treatment.pk), 0)
            if missing <= 0:
                continue
            with transaction.atomic():
                revisions = Revision.objects.bulk_create(
                    Revision(
                        comment=f"Changed Summary (volume edit {number + 1}).",
                        date_created=now - datetime.timedelta(days=7 * (missing - number)),  # a week apart
                    )
                    for number in range(missing)
                )
                rows = []
                for number, revision in enumerate(revisions):
                    treatment.summary = f"{treatment.summary.split(' (edit')[0]} (edit {number + 1})"[:300]
                    for obj in (treatment, *treatment.points.all(), *treatment.references.all()):
                        rows.append(
                            Version(
                                revision=revision,
                                object_id=str(obj.pk),
                                content_type=types[type(obj)],
                                db="default",
                                format="json",
                                serialized_data=serializers.serialize("json", [obj]),
                                object_repr=str(obj)[:191],
                            )
                        )
                Version.objects.bulk_create(rows, batch_size=500)
            written += missing
            if index % 100 == 99:
                self.stdout.write(f"  versions: {index + 1} treatments done")
        self.stdout.write(f"Volume history: {written} versions of treatments written.")

    def create_questions(self, count):
        topics = [Topic.objects.get_or_create(name=f"Volume topic {number}")[0] for number in range(5)]
        treatments = list(Treatment.objects.published().values_list("pk", flat=True)[:50])
        numbers = self.missing(Question, "volume-question-", count)
        for start in range(0, len(numbers), BATCH):
            batch = numbers[start : start + BATCH]
            with transaction.atomic():
                rows = []
                for number in batch:
                    rng = random.Random(100_000 + number)
                    text = f"Volume question {number:05} about {rng.choice(WORDS)}?"
                    question = Question(
                        question=text,
                        slug=f"volume-question-{number:05}",
                        answer=paragraph(rng, 120),
                        topic=topics[number % len(topics)],
                        order=number,
                        status=Question.Status.PUBLISHED,
                        published_at=timezone.now(),
                    )
                    question.refresh_derived_fields()  # what save() would do; bulk_create does not call it
                    rows.append(question)
                Question.objects.bulk_create(rows)
                if treatments:
                    made = Question.objects.filter(slug__in=[row.slug for row in rows]).values_list("pk", flat=True)
                    Question.related_treatments.through.objects.bulk_create(
                        Question.related_treatments.through(
                            question_id=pk, treatment_id=treatments[pk % len(treatments)]
                        )
                        for pk in made
                    )
        return len(numbers)

    def create_articles(self, count):
        """Articles newest first by number, each with questions (one in five listed under an FAQ topic) and tags."""
        tags = [ArticleTag.objects.get_or_create(name=f"Volume article tag {number}")[0] for number in range(10)]
        topics = [Topic.objects.get_or_create(name=f"Volume topic {number}")[0] for number in range(5)]
        numbers = self.missing(Article, "volume-article-", count)
        first_day = datetime.date(2020, 1, 1)
        for start in range(0, len(numbers), BATCH):
            batch = numbers[start : start + BATCH]
            with transaction.atomic():
                rows = []
                for number in batch:
                    rng = random.Random(200_000 + number)
                    sections = ["## What we know", paragraph(rng, 200), "## What it means", paragraph(rng, 200)]
                    body = "\n\n".join(sections)
                    article = Article(
                        title=f"Volume article {number:05}",
                        slug=f"volume-article-{number:05}",
                        source_id=f"volume-article-{number:05}",
                        summary=sentence(rng, 20)[:300],
                        body=body,
                        appeal=paragraph(rng, 40),
                        status=Article.Status.PUBLISHED,
                        published_at=timezone.now(),
                        published_on=first_day + datetime.timedelta(days=number),
                        last_reviewed=datetime.date(2026, 1, 1),
                        next_review_due=datetime.date(2027, 1, 1),
                    )
                    article.refresh_derived_fields()  # what save() would do; bulk_create does not call it
                    rows.append(article)
                Article.objects.bulk_create(rows)
                made = list(Article.objects.filter(slug__in=[row.slug for row in rows]).values_list("pk", flat=True))
                questions = []
                for pk in made:
                    for order in range(5):
                        rng = random.Random(pk * 10 + order)
                        question = ArticleQuestion(
                            article_id=pk,
                            question=f"Volume article question {pk}-{order} about {rng.choice(WORDS)}?",
                            answer=paragraph(rng, 60),
                            topic=topics[pk % len(topics)] if order == 0 else None,
                            order=order,
                        )
                        question.refresh_derived_fields()
                        questions.append(question)
                ArticleQuestion.objects.bulk_create(questions)
                Article.tags.through.objects.bulk_create(
                    Article.tags.through(article_id=pk, tag=tags[(pk + offset) % len(tags)])
                    for pk in made
                    for offset in (0, 3)
                )
                refresh_article_search_rows(made)
        return len(numbers)

    def create_campaigns(self, count):
        numbers = self.missing(Campaign, "volume-campaign-", count)
        today = timezone.localdate()
        for number in numbers:
            rng = random.Random(200_000 + number)
            with transaction.atomic():
                campaign = Campaign.objects.create(
                    title=f"Volume campaign {number:05}",
                    slug=f"volume-campaign-{number:05}",
                    summary=sentence(rng, 16)[:300],
                    story=paragraph(rng, 300),
                    goal=10_000 * rng.randint(1, 10),
                    starts_on=today - datetime.timedelta(days=30),
                    ends_on=today + datetime.timedelta(days=rng.randint(10, 90)),
                    status=Campaign.Status.PUBLISHED,
                    donate_url=f"https://www.every.org/ribbon-volume/f/campaign-{number:05}",
                )
                SuggestedAmount.objects.bulk_create(
                    SuggestedAmount(
                        campaign=campaign, amount=amount, impact=sentence(rng, 10), order=i, is_default=i == 1
                    )
                    for i, amount in enumerate((10, 25, 50, 100))
                )
                self.create_gifts(campaign, rng)
        return len(numbers)

    def create_gifts(self, campaign, rng):
        """An offline entry, 100 clicks from five pages, a gift per fourth click, a refund per tenth gift."""
        now = timezone.now()
        OfflineGift.objects.create(
            campaign=campaign, amount=1_000 * rng.randint(0, 60), donors=rng.randint(0, 900), description="Volume"
        )
        clicks = DonateClick.objects.bulk_create(
            DonateClick(
                campaign=campaign,
                frequency="one-time",
                source_path=f"/treatments/volume-page-{i % 5}/",
                created_at=now - datetime.timedelta(hours=7 * i),
            )
            for i in range(100)
        )
        gifts = Gift.objects.bulk_create(
            Gift(
                campaign=campaign,
                provider="stripe",
                transaction_id=f"cs_volume_{campaign.slug}_{i}",
                payment_id=f"pi_volume_{campaign.slug}_{i}",
                amount=rng.choice((10, 25, 50, 100)),
                currency=campaign.currency,
                frequency="one-time",
                given_at=click.created_at,
                source=Gift.Source.WEBHOOK,
                click=click,
            )
            for i, click in enumerate(clicks[::4])
        )
        Refund.objects.bulk_create(
            Refund(gift=gift, provider="stripe", reference=f"evt_volume_{gift.transaction_id}", amount=gift.amount,
                   refunded_at=now)
            for gift in gifts[::10]
        )  # fmt: skip
