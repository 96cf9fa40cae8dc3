"""
Pages in English and Spanish: each page in the language of its address, linked to the same page in the
other language where there is one, its interface from the catalogue (locale/es), its rows written in
that language only; translations imported beside the English files they translate.
"""

import re
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from django.utils.formats import date_format

from core.languages import language_of
from faq.models import Question
from glossary.models import Term
from treatments.models import Treatment

from .helpers import html_pages, soup_of, visible

pytestmark = pytest.mark.django_db

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "002_e01a4fde723c2a0f.txt"

ENGLISH_FILE = """---
title: "Immunotherapy"
id: "6"
description: "Medicines that help the immune system find and attack cancer cells."
---

**Immunotherapy** helps your immune system recognise cancer cells.

## Pros and Cons

**Pros:**

- The response can last a long time.

**Cons:**

- It can inflame healthy organs.
"""

SPANISH_FILE = """---
title: "Inmunoterapia"
id: "6"
lang: "es"
description: "Medicamentos que ayudan al sistema inmunitario a encontrar y atacar las células del cáncer."
tags: "Terapia sistémica"
---

La **inmunoterapia** ayuda a su sistema inmunitario a reconocer las células del cáncer.

## Ventajas y desventajas

**Ventajas:**

- La respuesta puede durar mucho tiempo.

**Desventajas:**

- Puede inflamar órganos sanos.

## Efectos a corto y largo plazo

**A corto plazo:**

- Cansancio y picazón en la piel.

**A largo plazo:**

- Problemas de la tiroides que pueden ser permanentes.

## Costo y retorno de la inversión

**Costo:**

- Por lo general, entre $100,000 y $200,000 al año en los Estados Unidos.

**Retorno de la inversión:**

- Para algunas personas, una vida más larga.

## Preguntas para su equipo de atención médica

- ¿Cómo sabremos si funciona?

## Referencias

- [Inmunoterapia — Instituto Nacional del Cáncer](https://www.cancer.gov/espanol/cancer/tratamiento/tipos/inmunoterapia)
"""

# Words every English sentence has and no Spanish one does: a Spanish page with one of them shows English.
ENGLISH_WORDS = re.compile(r"\b(the|and|your|you|with|this|what|which|for|are|is|of)\b", re.IGNORECASE)


def imported(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("import_treatments", str(path), "--no-images", "--publish", stdout=out, stderr=StringIO())
    return out.getvalue()


def english_and_spanish(tmp_path, english=ENGLISH_FILE):
    imported(tmp_path, "immunotherapy.md", english)
    original = Treatment.objects.get(language="en")
    imported(tmp_path, "inmunoterapia.md", SPANISH_FILE)
    return original, Treatment.objects.get(language="es")


def alternate_links(page):
    return {link["hreflang"]: link["href"] for link in page.select("link[rel=alternate][hreflang]")}


# The catalogue ------------------------------------------------------------------------------


def test_every_string_of_the_public_site_is_in_the_spanish_catalogue_translated_and_compiled():
    """manage.py update_translations --check: nothing marked is missing, untranslated or fuzzy; django.mo is current."""
    call_command("update_translations", check=True, stdout=StringIO())


def test_a_string_marked_but_not_translated_is_named_by_the_check(tmp_path, settings):
    from operations.management.commands import update_translations

    template = tmp_path / "templates" / "pages"
    template.mkdir(parents=True)
    (template / "new.html").write_text('{% load i18n %}<p>{% translate "A sentence nobody translated" %}</p>')
    installed = tmp_path / ".venv-audit" / "lib"  # what make audit installs beside the site: not the site's words
    installed.mkdir(parents=True)
    (installed / "tool.py").write_text('from django.utils.translation import gettext as _\n_("A tool\'s own words")\n')
    settings.BASE_DIR = tmp_path
    locale = tmp_path / "locale" / "es" / "LC_MESSAGES"
    locale.mkdir(parents=True)
    original = update_translations.ROOT
    update_translations.ROOT = tmp_path
    try:
        call_command("update_translations", stdout=StringIO())  # gathers it, with no Spanish yet
        with pytest.raises(CommandError, match="no translation of “A sentence nobody translated”") as refused:
            call_command("update_translations", check=True, stdout=StringIO())
        assert "A tool" not in str(refused.value)
        assert "A tool" not in (locale / "django.po").read_text()
    finally:
        update_translations.ROOT = original


# The acceptance: a treatment and its Spanish translation, imported ---------------------------


def test_an_english_page_and_its_spanish_translation_link_each_other_and_speak_their_language(client, tmp_path):
    english, spanish = english_and_spanish(tmp_path)
    assert (spanish.translation_of, spanish.made_from) == (english, english.version_to_translate())
    assert spanish.get_absolute_url() == "/es/treatments/inmunoterapia/"

    page = soup_of(client.get("/treatments/immunotherapy/"))
    assert page.html["lang"] == "en"
    assert alternate_links(page) == {
        "en": "http://testserver/treatments/immunotherapy/",
        "es": "http://testserver/es/treatments/inmunoterapia/",
    }
    switch = page.select_one("nav.page-languages a")
    assert (switch["href"], switch["hreflang"], switch["lang"], switch.get_text()) == (
        "/es/treatments/inmunoterapia/",
        "es",
        "es",
        "Español",
    )

    response = client.get("/es/treatments/inmunoterapia/")
    page = soup_of(response)
    assert (page.html["lang"], response["Content-Language"]) == ("es", "es")
    assert "Accept-Language" not in response.get("Vary", "")
    assert alternate_links(page)["en"] == "http://testserver/treatments/immunotherapy/"
    assert page.select_one("nav.page-languages a")["href"] == "/treatments/immunotherapy/"
    header = visible(page.select_one("header").get_text())
    assert "Donar" in header
    assert "Donate" not in header
    assert page.select_one("a.skip-link").get_text() == "Saltar al contenido principal"
    headings = [visible(h.get_text()) for h in page.select("main h2")]
    assert "Ventajas y desventajas" in headings

    # Its own search form, in Spanish, finds it from a plural.
    form = page.select_one("header form[role=search]")
    assert form["action"] == "/es/search/"
    found = soup_of(client.get(form["action"], {"q": "inmunoterapias"}))
    results = [(visible(a.get_text()), a["href"]) for a in found.select("main h2 a, main h3 a")]
    assert ("Inmunoterapia", "/es/treatments/inmunoterapia/") in results, "at its Spanish address"


@pytest.mark.skipif(not SEED.exists(), reason="the organisation's seed files are not beside this checkout")
def test_the_organisations_seed_treatment_and_a_spanish_file_with_its_id(client, tmp_path):
    english, spanish = english_and_spanish(tmp_path, english=SEED.read_text(encoding="utf-8"))
    assert english.source_id == spanish.source_id == "6"
    page = soup_of(client.get(english.get_absolute_url()))
    assert alternate_links(page)["es"] == "http://testserver/es/treatments/inmunoterapia/"
    page = soup_of(client.get(spanish.get_absolute_url()))
    assert page.html["lang"] == "es"
    assert alternate_links(page)["en"] == f"http://testserver{english.get_absolute_url()}"


def test_a_page_without_a_translation_links_no_other_language(client, make_treatment):
    make_treatment("Cold cap therapy")
    page = soup_of(client.get("/treatments/cold-cap-therapy/"))
    assert alternate_links(page) == {}
    assert page.select("nav.page-languages") == []
    assert client.get("/es/treatments/cold-cap-therapy/").status_code == 404


def test_a_page_is_found_only_at_the_address_of_its_language(client, tmp_path):
    english_and_spanish(tmp_path)
    assert client.get("/treatments/inmunoterapia/").status_code == 404
    missing = client.get("/es/treatments/immunotherapy/")
    assert missing.status_code == 404
    assert soup_of(missing).html["lang"] == "es", "the 404 page of a Spanish address is in Spanish"
    assert [visible(a.get_text()) for a in soup_of(client.get("/es/treatments/")).select("main h2 a, main h3 a")] == [
        "Inmunoterapia"
    ]
    assert [visible(a.get_text()) for a in soup_of(client.get("/treatments/")).select("main h2 a, main h3 a")] == [
        "Immunotherapy"
    ]
    english_results = soup_of(client.get("/search/", {"q": "inmunoterapia"}))
    assert "Inmunoterapia" not in english_results.get_text()


# Importing translations: what a wrong file is told --------------------------------------------


def test_a_translation_needs_its_english_page_approved_and_named_by_its_id(tmp_path):
    path = tmp_path / "inmunoterapia.md"
    path.write_text(SPANISH_FILE, encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_treatments", str(path), "--no-images", "--publish", stdout=StringIO(), stderr=err)
    assert f"{path}:3: no English page has the id “6”: import the English file first" in err.getvalue()

    (tmp_path / "en.md").write_text(ENGLISH_FILE, encoding="utf-8")
    call_command("import_treatments", str(tmp_path / "en.md"), "--no-images", stdout=StringIO(), stderr=StringIO())
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_treatments", str(path), "--no-images", "--publish", stdout=StringIO(), stderr=err)
    assert "“Immunotherapy” is not published: a translation is made from the English page as" in err.getvalue()
    assert not Treatment.objects.filter(language="es").exists(), "nothing of the file is written"

    path.write_text(SPANISH_FILE.replace('lang: "es"', 'lang: "fr"'), encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_treatments", str(path), "--no-images", stdout=StringIO(), stderr=err)
    assert f"{path}:4: 'lang' is “fr”, a language the site has no pages in; it has: en, es" in err.getvalue()


def test_spanish_sections_are_read_as_the_english_ones_are(tmp_path):
    from treatments.parsing import parse_treatment

    parsed = parse_treatment(SPANISH_FILE)
    Kind = Treatment.points.rel.related_model.Kind
    assert parsed.language == "es"
    assert [kind for kind, _ in parsed.points] == [
        Kind.PRO,
        Kind.CON,
        Kind.SHORT_TERM,
        Kind.LONG_TERM,
        Kind.COST,
        Kind.RETURN,
        Kind.QUESTION,
    ]
    assert (parsed.cost_min, parsed.cost_max, parsed.cost_period) == (100000, 200000, Treatment.CostPeriod.PER_YEAR)
    assert parsed.references == [
        (
            "Inmunoterapia — Instituto Nacional del Cáncer",
            "https://www.cancer.gov/espanol/cancer/tratamiento/tipos/inmunoterapia",
        )
    ]
    assert not parsed.warnings


def test_importing_a_translation_again_unchanged_changes_nothing(tmp_path):
    english_and_spanish(tmp_path)
    out = imported(tmp_path, "inmunoterapia.md", SPANISH_FILE)
    assert "unchanged" in out
    assert Treatment.objects.filter(language="es").count() == 1


def test_an_english_page_is_not_deleted_while_a_translation_hangs_on_it(client, tmp_path, django_user_model):
    """The admin says which translation to delete first, and deletes nothing: no page goes missing by mistake."""
    english, spanish = english_and_spanish(tmp_path)
    boss = django_user_model.objects.create_superuser("boss", "boss@example.org", "x")
    client.force_login(boss)
    response = client.post(f"/{settings.ADMIN_URL}treatments/treatment/{english.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200
    assert "Inmunoterapia" in visible(soup_of(response).select_one("#content").get_text())
    assert Treatment.objects.filter(pk__in=[english.pk, spanish.pk]).count() == 2


# The whole demo site in Spanish -----------------------------------------------------------------


def test_every_spanish_page_is_in_spanish_from_its_interface_to_its_dates(site_pages):
    """No English sentence on a Spanish page (text and what screen readers and previews read), except where marked."""
    pages = html_pages(site_pages).items()
    spanish = {address: response for address, response in pages if language_of(urlsplit(address).path) == "es"}
    assert len(spanish) > 20
    with translation.override("es"):
        today = date_format(timezone.localdate())
    dated = 0
    for address, response in spanish.items():
        page = soup_of(response)
        assert page.html["lang"] == "es", address
        for marked in page.select("[lang]:not(html)"):  # parts in another language, said so for screen readers
            if marked["lang"] != "es":
                marked.decompose()
        for hidden in page.select("script, style"):
            hidden.decompose()
        texts = [page.get_text(" ")]
        for name in ("alt", "title", "aria-label", "placeholder"):
            texts += [element[name] for element in page.select(f"[{name}]")]
        texts += [meta["content"] for meta in page.select("meta[name=description], meta[property^='og:']")]
        for text in texts:
            text = visible(text)
            found = ENGLISH_WORDS.search(text)
            assert not found, f"{address}: “{found.group()}” in {text[max(0, found.start() - 60) : found.end() + 60]!r}"
        dated += today in visible(page.get_text(" "))
    assert dated, "the review dates are written in Spanish"


def test_a_spanish_page_links_the_spanish_glossary_and_an_english_page_the_english_one(client, demo_site):
    spanish = Treatment.objects.filter(language="es")
    links = set()
    for treatment in spanish:
        page = soup_of(client.get(treatment.get_absolute_url()))
        links |= {a["href"].split("#")[0] for a in page.select("main a.term")}
    assert links == {"/es/glossary/"}
    english = Treatment.objects.filter(language="en")
    links = set()
    for treatment in english:
        page = soup_of(client.get(treatment.get_absolute_url()))
        links |= {a["href"].split("#")[0] for a in page.select("main a.term")}
    assert links == {"/glossary/"}
    spanish_terms = set(Term.objects.filter(language="es").values_list("slug", flat=True))
    glossary = soup_of(client.get("/es/glossary/"))
    assert {dt["id"] for dt in glossary.select("dt")} == spanish_terms


def test_the_admin_stays_in_english_for_staff_whatever_their_browser_asks_for(client, staff_user):
    client.force_login(staff_user)
    response = client.get(f"/{settings.ADMIN_URL}", HTTP_ACCEPT_LANGUAGE="es")
    assert response["Content-Language"] == "en"
    assert soup_of(response).html["lang"] == "en"
    assert "Accept-Language" not in response.get("Vary", "")


def test_the_sitemap_lists_each_page_in_its_language_and_the_sections_with_their_alternates(client, demo_site):
    xml = client.get("/sitemap.xml").content.decode()
    for question in Question.objects.published().filter(language="es")[:3]:
        assert f"<loc>http://testserver/es/faq/{question.slug}/</loc>" in xml
    assert "<loc>http://testserver/es/treatments/</loc>" in xml
    assert 'hreflang="es" href="http://testserver/es/treatments/"' in xml
    # A campaign in Spanish at its Spanish address, the English page beside it; none at its English slug.
    spanish = "http://testserver/es/donate/financie-el-proximo-gran-avance/"
    assert f"<loc>{spanish}</loc>" in xml
    assert f'hreflang="es" href="{spanish}"' in xml
    assert 'hreflang="en" href="http://testserver/donate/fund-the-next-breakthrough/"' in xml
    assert "/es/donate/fund-the-next-breakthrough/" not in xml
