"""
Importing questions in Spanish: a file with `lang: es` and `translates: <the English file>` holds the
Spanish of that file's questions, one for one and in the same order. Each becomes the translation of its
English question, under a Spanish topic, made from the English answer the public reads; a file that does
not line up with its English file is refused, naming its line, and writes nothing.
"""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from faq.models import Question, Topic

from .helpers import soup_of, visible
from .test_languages import ENGLISH_FILE, SPANISH_FILE

pytestmark = pytest.mark.django_db

# An article and its Spanish translation, written for these tests.
ENGLISH = """Living Well During Treatment

Treatment can take months. This is what patients tell us helped.

Can I keep working during chemotherapy?

Many people work reduced hours. Talk to your employer early.

Your care team can write a letter explaining what you need.

What should I eat?

A balanced diet is enough for most people.

Who can help with travel costs?

Ask the hospital social worker about travel grants.
"""

SPANISH = """---
lang: es
translates: living-well.txt
topic: Vivir bien
---
Vivir bien durante el tratamiento

El tratamiento puede durar meses. Esto es lo que nos cuentan los pacientes.

¿Puedo seguir trabajando durante la quimioterapia?

Muchas personas trabajan menos horas. Hable pronto con su empleador.

Su equipo de atención médica puede escribir una carta que explique lo que necesita.

## ¿Qué debo comer?

Para la mayoría de las personas basta con una dieta equilibrada.

**¿Quién puede ayudar con los gastos de viaje?**

Pregunte al trabajador social del hospital por las ayudas para viajes.
"""

PAIRS = {
    "can-i-keep-working-during-chemotherapy": "puedo-seguir-trabajando-durante-la-quimioterapia",
    "what-should-i-eat": "que-debo-comer",
    "who-can-help-with-travel-costs": "quien-puede-ayudar-con-los-gastos-de-viaje",
}


def run(*args, publish=True):
    """(stdout, stderr, the CommandError or None) of one import_faqs run."""
    out, err = StringIO(), StringIO()
    try:
        call_command("import_faqs", *map(str, args), *(["--publish"] if publish else []), stdout=out, stderr=err)
        return out.getvalue(), err.getvalue(), None
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc


def write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def english_published(tmp_path, topic="Living well"):
    path = write(tmp_path, "living-well.txt", ENGLISH)
    _, err, failed = run(path, "--topic", topic)
    assert failed is None, err
    return path


def alternate_links(page):
    return {link["hreflang"]: link["href"] for link in page.select("link[rel=alternate][hreflang]")}


def nothing_in_spanish():
    return not Question.objects.filter(language="es").exists() and not Topic.objects.filter(language="es").exists()


# What a staff member sees -----------------------------------------------------------------------


def test_a_folder_of_an_english_file_and_its_spanish_file_gives_linked_pages_in_both_languages(client, tmp_path):
    # The Spanish file's name sorts first: the English file is still imported before it.
    write(tmp_path, "bien-vivir.txt", SPANISH)
    write(tmp_path, "living-well.txt", ENGLISH)
    out, err, failed = run(tmp_path, "--topic", "Living well")
    assert failed is None, err
    assert "3 question(s) under “Vivir bien”, translating living-well.txt: 3 created" in out

    spanish_topic = Topic.objects.get(name="Vivir bien")
    assert spanish_topic.language == "es"
    assert spanish_topic.translation_of == Topic.objects.get(name="Living well", language="en")
    for english_slug, spanish_slug in PAIRS.items():
        english = Question.objects.get(slug=english_slug)
        spanish = Question.objects.get(slug=spanish_slug)
        assert (spanish.language, spanish.topic, spanish.is_published) == ("es", spanish_topic, True)
        assert (spanish.translation_of, spanish.made_from) == (english, english.version_to_translate())

        page = soup_of(client.get(f"/es/faq/{spanish_slug}/"))
        assert page.html["lang"] == "es"
        assert alternate_links(page)["en"] == f"http://testserver/faq/{english_slug}/"
        page = soup_of(client.get(f"/faq/{english_slug}/"))
        assert alternate_links(page)["es"] == f"http://testserver/es/faq/{spanish_slug}/"

    eat = Question.objects.get(slug="que-debo-comer")
    assert (eat.question, eat.answer) == (
        "¿Qué debo comer?",
        "Para la mayoría de las personas basta con una dieta equilibrada.",
    )
    working = Question.objects.get(slug="puedo-seguir-trabajando-durante-la-quimioterapia")
    assert working.answer.split("\n\n")[1].startswith("Su equipo de atención médica")

    topic_page = client.get(f"/es/faq/topic/{spanish_topic.slug}/")
    assert topic_page.status_code == 200
    assert "¿Qué debo comer?" in visible(soup_of(topic_page).get_text())
    assert "¿Qué debo comer?" not in client.get("/faq/").content.decode(), "the English FAQ lists English only"


def test_importing_the_spanish_file_again_changes_nothing_and_a_change_updates_the_same_pages(tmp_path):
    english_published(tmp_path)
    spanish = write(tmp_path, "vivir-bien.txt", SPANISH)
    run(spanish)
    rows = dict(Question.objects.filter(language="es").values_list("translation_of__slug", "pk"))

    out, err, failed = run(spanish)
    assert failed is None, err
    assert "0 created, 0 updated, 3 unchanged" in out

    spanish.write_text(SPANISH.replace("¿Qué debo comer?", "¿Qué es bueno comer?"), encoding="utf-8")
    out, _, _ = run(spanish)
    assert "0 created, 1 updated, 2 unchanged" in out
    assert dict(Question.objects.filter(language="es").values_list("translation_of__slug", "pk")) == rows
    renamed = Question.objects.get(translation_of__slug="what-should-i-eat")
    assert renamed.question == "¿Qué es bueno comer?"
    assert renamed.slug == "que-debo-comer", "its address stays"
    assert Topic.objects.filter(language="es").count() == 1


def test_without_publish_the_spanish_questions_go_to_medical_review_as_english_ones_do(client, tmp_path):
    english_published(tmp_path)
    spanish = write(tmp_path, "vivir-bien.txt", SPANISH)
    out, err, failed = run(spanish, publish=False)
    assert failed is None, err
    assert "3 created" in out
    assert "submitted for medical review" in out
    assert set(Question.objects.filter(language="es").values_list("status", flat=True)) == {"draft"}
    assert client.get("/es/faq/que-debo-comer/").status_code == 404
    assert "es" not in alternate_links(soup_of(client.get("/faq/what-should-i-eat/")))
    out, _, _ = run(spanish, publish=False)
    assert "0 created, 0 updated, 3 unchanged" in out

    # Once public, a change waits for review and the public keeps the approved answer.
    run(spanish)
    spanish.write_text(SPANISH.replace("basta con una dieta", "suele bastar con una dieta"), encoding="utf-8")
    out, _, _ = run(spanish, publish=False)
    assert "1 updated" in out
    assert "basta con una dieta" in client.get("/es/faq/que-debo-comer/").content.decode()
    out, _, _ = run(spanish, publish=False)
    assert "0 created, 0 updated, 3 unchanged" in out, "the change already waiting is not made again"


def test_a_second_spanish_file_without_a_topic_goes_under_its_english_topics_translation(tmp_path):
    english_published(tmp_path)
    run(write(tmp_path, "vivir-bien.txt", SPANISH))
    more_english = "Is exercise safe?\n\nGentle exercise helps most people.\n"
    run(write(tmp_path, "exercise.txt", more_english), "--topic", "Living well")
    more_spanish = "---\nlang: es\ntranslates: exercise.txt\n---\n¿Es seguro hacer ejercicio?\n\nAyuda.\n"
    _, err, failed = run(write(tmp_path, "ejercicio.txt", more_spanish))
    assert failed is None, err
    assert Question.objects.get(slug="es-seguro-hacer-ejercicio").topic.name == "Vivir bien"


def test_questions_of_a_spanish_file_are_listed_on_the_spanish_page_of_the_treatment(client, tmp_path):
    for name, text in (("immunotherapy.md", ENGLISH_FILE), ("inmunoterapia.md", SPANISH_FILE)):
        path = write(tmp_path, name, text)
        call_command("import_treatments", str(path), "--no-images", "--publish", stdout=StringIO())
    english_published(tmp_path)
    _, err, failed = run(write(tmp_path, "vivir-bien.txt", SPANISH), "--treatment", "immunotherapy")
    assert failed is None, err
    spanish_page = visible(soup_of(client.get("/es/treatments/inmunoterapia/")).get_text())
    assert "¿Qué debo comer?" in spanish_page
    assert "¿Qué debo comer?" not in visible(soup_of(client.get("/treatments/immunotherapy/")).get_text())


# Files that are refused, naming their line, writing nothing ----------------------------------------


def refused(path, *args, publish=True):
    """The failure message for `path`; the run must fail and write nothing in Spanish."""
    _, err, failed = run(path, *args, publish=publish)
    assert failed is not None, "a non-zero exit"
    assert "Traceback" not in err
    assert nothing_in_spanish()
    return err


def test_a_spanish_file_that_does_not_name_its_english_file_is_refused(tmp_path):
    english_published(tmp_path)
    path = write(tmp_path, "vivir-bien.txt", SPANISH.replace("translates: living-well.txt\n", ""))
    assert f"{path}:2: a file in Spanish names the English file it translates" in refused(path)


def test_a_spanish_file_without_lang_is_not_imported_as_english(tmp_path):
    english_published(tmp_path)
    path = write(tmp_path, "vivir-bien.txt", SPANISH.replace("lang: es\n", ""))
    err = refused(path)
    assert f"{path}:9: this question is in Spanish, but the file does not say so" in err
    assert Question.objects.count() == 3


def test_a_spanish_file_with_a_question_more_or_fewer_than_its_english_file_is_refused(tmp_path):
    english_published(tmp_path)
    extra = SPANISH + "\n¿Y los niños?\n\nHable con su equipo.\n"
    path = write(tmp_path, "vivir-bien.txt", extra)
    err = refused(path)
    assert f"{path}:24: this is question 4 with an answer, but living-well.txt has only 3" in err

    fewer = SPANISH.split("**¿Quién")[0]
    path.write_text(fewer, encoding="utf-8")
    err = refused(path)
    assert f"{path}:3: this file has 2 question(s) with an answer, but living-well.txt has 3" in err
    assert "“Who can help with travel costs?”" in err


def test_a_spanish_file_before_its_english_questions_are_on_the_site_or_public_is_refused(tmp_path):
    write(tmp_path, "living-well.txt", ENGLISH)
    path = write(tmp_path, "vivir-bien.txt", SPANISH)
    err = refused(path)
    assert f"{path}:3: “Can I keep working during chemotherapy?” (living-well.txt, line 5) is not on the site" in err
    assert "import the English file first" in err

    run(tmp_path / "living-well.txt", publish=False)  # English drafts, waiting for review
    err = refused(path)
    assert f"{path}:10: “Can I keep working during chemotherapy?” is not published" in err


def test_a_spanish_file_naming_an_english_topic_or_a_file_it_cannot_use_is_refused(tmp_path):
    english_published(tmp_path)
    path = write(tmp_path, "vivir-bien.txt", SPANISH.replace("topic: Vivir bien", "topic: Living well"))
    assert f"{path}:4: “Living well” is a topic in English, and these questions are in Spanish" in refused(path)

    path.write_text(SPANISH.replace("living-well.txt", "missing.txt"), encoding="utf-8")
    err = refused(path)
    assert f"{path}:3: the English file {tmp_path / 'missing.txt'} cannot be used" in err

    other = write(tmp_path, "otro.txt", SPANISH)
    path.write_text(SPANISH.replace("living-well.txt", "otro.txt"), encoding="utf-8")
    assert f"{path}:3: otro.txt is in Spanish, not English" in refused(path)
    assert other.exists()

    path.write_text(SPANISH.replace("topic: Vivir bien\n", ""), encoding="utf-8")
    assert f"{path}:1: name the Spanish topic these questions go under" in refused(path)


def test_an_english_file_may_name_its_topic_in_its_front_matter(tmp_path):
    path = write(tmp_path, "eating.txt", "---\ntitle: Eating well\ntopic: Eating well\n---\n" + ENGLISH)
    _, err, failed = run(path, "--topic", "Living well")
    assert failed is None, err
    assert set(Question.objects.values_list("topic__name", "language")) == {("Eating well", "en")}
