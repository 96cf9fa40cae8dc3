"""
The reading level of Spanish pages (readability.spanish): the syllables of Spanish words, the INFLESZ scale
and Fernández-Huerta against published figures, and what the editor of a Spanish page sees.
"""

import pytest

from readability import spanish
from readability.grades import reading_in, stored_grades

from .helpers import soup_of

# Gabriel García Márquez, the opening of "Cien años de soledad" (1967): the Spanish passage textstat's tests
# grade (tests/backend/resources.py, LONG_SPANISH_TEXT, of the textstat/textstat repository).
MACONDO = (
    "Muchos años después, frente al pelotón de fusilamiento, el coronel Aureliano Buendía había de recordar "
    "aquella tarde remota en que su padre lo llevó a conocer el hielo. Macondo era entonces una aldea de "
    "veinte casas de barro y cañabrava construidas a la orilla de un río de aguas diáfanas que se precipitaban "
    "por un lecho de piedras pulidas, blancas y enormes como huevos prehistóricos. El mundo era tan reciente, "
    "que muchas cosas carecían de nombre, y para mencionarlas había que señalarlas con el dedo. Todos los "
    "años, por el mes de marzo, una familia de gitanos desarrapados plantaba su carpa cerca de la aldea, y con "
    "un grande alboroto de pitos y timbales daban a conocer los nuevos inventos. Primero llevaron el imán. Un "
    "gitano corpulento, de barba montaraz y manos de gorrión, que se presentó con el nombre de Melquíades, "
    "hizo una truculenta demostración pública de lo que él mismo llamaba la octava maravilla de los sabios "
    "alquimistas de Macedonia."
)


@pytest.mark.parametrize(
    ("word", "said"),
    [
        # Diphthongs, triphthongs and hiatus, with the examples Spanish grammars give for each: an unstressed
        # i or u joins the vowel beside it, two strong vowels or a stressed í or ú part (RAE, Ortografía de
        # la lengua española, 2010, §1.2; the school summaries at educa.jcyl.es "Diptongo, triptongo e
        # hiato" and pitboxblog.com "La sílaba").
        ("cielo", "cie-lo"),
        ("cuidado", "cui-da-do"),
        ("ciudad", "ciu-dad"),
        ("buey", "buey"),
        ("estudiáis", "es-tu-diáis"),
        ("averiguáis", "a-ve-ri-guáis"),
        ("león", "le-ón"),
        ("aéreo", "a-é-re-o"),
        ("leer", "le-er"),
        ("día", "dí-a"),
        ("caída", "ca-í-da"),
        ("raíz", "ra-íz"),
        ("baúl", "ba-úl"),
        ("salíais", "sa-lí-ais"),
        ("chiíta", "chi-í-ta"),
        ("huí", "huí"),  # two closed vowels are a diphthong, stressed or not
        # The u of que, qui, gue, gui is silent; that of güe, güi is said.
        ("quiero", "quie-ro"),
        ("guerra", "gue-rra"),
        ("guion", "guion"),
        ("pingüino", "pin-güi-no"),
        ("agua", "a-gua"),
        # An h between vowels does not part them; a stressed í or ú does.
        ("ahumado", "ahu-ma-do"),
        ("prohibir", "prohi-bir"),
        ("búho", "bú-ho"),
        # A y is a vowel where no vowel follows it.
        ("hoy", "hoy"),
        ("muy", "muy"),
        ("reyes", "re-yes"),
        ("y", "y"),
        # Words of a health page.
        ("quimioterapia", "qui-mio-te-ra-pia"),
        ("radioterapia", "ra-dio-te-ra-pia"),
        ("mamografía", "ma-mo-gra-fí-a"),
        ("linfedema", "lin-fe-de-ma"),
        ("náuseas", "náu-se-as"),
    ],
)
def test_spanish_words_have_the_syllables_spanish_spelling_says(word, said):
    assert spanish.syllables(word) == said.count("-") + 1


def test_acronyms_are_said_as_spanish_readers_say_them_and_digits_as_numbers():
    assert spanish.syllables("VIH") == 2 + 1 + 2  # u-ve, i, ha-che
    assert spanish.syllables("ADN") == 1 + 1 + 2  # a, de, e-ne
    assert spanish.syllables("UCI") == 2  # said as a word: u-ci
    assert spanish.syllables("HER2") == 1 + 1  # her dos
    # A sentence in capitals is words, not acronyms.
    assert spanish.reading_of("QUÉ ES LA QUIMIOTERAPIA").syllables == 1 + 1 + 1 + 5


def test_accented_words_are_whole_words_and_a_number_alone_is_not_one():
    reading = spanish.reading_of("¿Qué es la radioterapia? Dura 5 días.")
    assert (reading.sentences, reading.words) == (2, 6)
    assert reading.syllables == 1 + 1 + 1 + 5 + 2 + 2


def test_the_formulas_reproduce_textstats_published_figures_from_its_counts():
    # textstat's tests give, for MACONDO, Fernández-Huerta 65.967 and Szigriszt-Pazos 62.162
    # (tests/backend/metrics/test_fernandez_huerta.py and test_szigriszt_pazos.py). It counts 162 words and
    # 6 sentences, as we do, and its syllables (from Pyphen's hyphenation) are the 306 that both figures
    # give back: its Fernández-Huerta is the corrected formula used here, to its three decimals.
    assert spanish.fernandez_huerta(306, 162, 6) == pytest.approx(65.967, abs=0.0005)
    # Its Szigriszt-Pazos rounds the constant to 206.84; the thesis and INFLESZ have 206.835: 0.005 apart.
    assert spanish.szigriszt_pazos(306, 162, 6) == pytest.approx(62.162, abs=0.01)
    # The formula as it is usually misquoted (F the sentences per 100 words) scores the passage otherwise.
    misquoted = 206.84 - 0.60 * (100 * 306 / 162) - 1.02 * (100 * 6 / 162)
    assert abs(misquoted - spanish.fernandez_huerta(306, 162, 6)) > 20


def test_the_macondo_passage_is_counted_as_by_hand():
    reading = spanish.reading_of(MACONDO)
    # Words and sentences: exactly textstat's.
    assert (reading.words, reading.sentences) == (162, 6)
    # Syllables: 328, counted by hand by the rules above ("prehistóricos": prehis-tó-ri-cos, the h joining
    # e and i). textstat's 306 are 22 fewer (7%): hyphenation never leaves one letter alone at either end of
    # a word, so Pyphen runs a-ños, a-que-lla, u-na, al-de-a, rí-o and the like together, which are said in
    # one syllable more each. So our scores are lower than textstat's by what those syllables weigh, and
    # the test holds our count to the hand count exactly, and its formulas to the published constants.
    assert reading.syllables == 328
    assert reading.inflesz == round(206.835 - 62.3 * 328 / 162 - 162 / 6, 1) == 53.7
    assert reading.fernandez_huerta == round(206.84 - 0.60 * 100 * 328 / 162 - 1.02 * 162 / 6, 1) == 57.8
    assert reading.band == "algo difícil"  # literary prose, not patient information


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (39.9, "muy difícil"),
        (40, "algo difícil"),
        (54.9, "algo difícil"),
        (55, "normal"),
        (64.9, "normal"),
        (65, "bastante fácil"),
        (80, "bastante fácil"),
        (80.1, "muy fácil"),
    ],
)
def test_the_inflesz_bands_are_barrio_cantalejos(score, band):
    # Barrio-Cantalejo et al. 2008: < 40 muy difícil, 40–55 algo difícil, 55–65 normal, 65–80 bastante
    # fácil, > 80 muy fácil.
    assert spanish.inflesz_band(score)[0] == band


PLAIN = "La quimioterapia usa medicinas. Matan las células del cáncer. Le pondrán el suero en una vena."
HARD = (
    "La administración concomitante de anticuerpos monoclonales antineoplásicos requiere una monitorización "
    "ecocardiográfica sistemática, particularmente tras la exposición previa a antraciclinas."
)


def test_short_plain_spanish_scores_easier_than_long_clinical_spanish():
    plain, hard = spanish.reading_of(PLAIN), spanish.reading_of(HARD)
    assert plain.inflesz > 65 > 40 > hard.inflesz
    assert plain.fernandez_huerta > hard.fernandez_huerta
    assert not plain.is_hard(55)
    assert hard.is_hard(55)


def test_the_language_aware_entry_point_grades_each_language_by_its_own_formulas():
    english = reading_in("You wear a cold cap. It keeps some of your hair.", "en")
    assert english.smog is not None
    assert stored_grades(english) == (english.smog, english.flesch_kincaid)
    spanish_reading = reading_in(PLAIN, "es")
    assert spanish_reading.inflesz is not None
    assert stored_grades(spanish_reading) == (None, None), "no English grade is stored for a Spanish text"


# The editor's panel and the saved grades ------------------------------------------------------------


@pytest.mark.django_db
def test_a_spanish_treatment_stores_no_english_grade_and_its_panel_reads_it_on_the_inflesz_scale(
    admin_client, make_treatment
):
    from treatments.models import Treatment, TreatmentPoint

    treatment = make_treatment(
        "Quimioterapia", language="es", summary=PLAIN, body="", points=[(TreatmentPoint.Kind.PRO, HARD)]
    )
    treatment.refresh_from_db()
    assert (treatment.reading_grade, treatment.reading_grade_fk) == (None, None)

    url = f"/admin/treatments/treatment/{treatment.pk}/change/"
    panel = soup_of(admin_client.get(url)).select_one("#reading-panel")
    text = " ".join(panel.get_text().split())
    assert panel["data-language"] == "es"
    assert "SMOG" not in text
    expected = treatment.reading()
    assert f"INFLESZ {expected.inflesz}: «{expected.band}»" in text
    assert f"Fernández-Huerta {expected.fernandez_huerta}" in text
    assert "the target is 55, «normal», or higher" in text
    assert "Hard to read" in text, "the long clinical point pulls the page below «normal»"
    assert panel.select("ol li")[0].get_text() == HARD

    # Without the hard point it is within the target.
    TreatmentPoint.objects.filter(treatment=treatment).delete()
    Treatment.objects.get(pk=treatment.pk).refresh_from_rows()
    text = " ".join(soup_of(admin_client.get(url)).select_one("#reading-panel").get_text().split())
    assert "Within the target" in text
    assert "Hard to read" not in text

    # The list and its filter: a Spanish page has no SMOG grade, and is not "not graded" either.
    listing = soup_of(admin_client.get("/admin/treatments/treatment/"))
    assert listing.select_one("td.field-reading_level").get_text() == "INFLESZ: on its form"
    for choice in ("hard", "ok", "none"):
        filtered = soup_of(admin_client.get("/admin/treatments/treatment/", {"reading": choice}))
        assert not filtered.select("#result_list"), choice


@pytest.mark.django_db
def test_the_live_panel_grades_in_the_language_the_form_posts(admin_client):
    url = "/admin/treatments/treatment/reading-level/"
    typed = {"summary": PLAIN, "body": HARD}
    spanish_panel = soup_of(admin_client.post(url, {**typed, "language": "es"})).select_one("#reading-panel")
    assert spanish_panel["data-language"] == "es"
    assert "INFLESZ" in spanish_panel.get_text()
    assert "SMOG" not in spanish_panel.get_text()
    expected = spanish.reading_of(f"{PLAIN}\n\n{spanish.sentences_of(HARD)[0]}")
    assert f"INFLESZ {expected.inflesz}" in spanish_panel.get_text()

    # The same text posted as English (or with no language, or one the site lacks) is graded as today.
    for posted in ({"language": "en"}, {}, {"language": "fr"}):
        panel = soup_of(admin_client.post(url, {**typed, **posted})).select_one("#reading-panel")
        assert "SMOG grade" in panel.get_text(), posted
        assert "INFLESZ" not in panel.get_text(), posted
        assert panel["data-language"] == "en"


@pytest.mark.django_db
def test_a_spanish_article_is_graded_in_spanish_as_typed_and_as_saved(admin_client):
    from articles.models import Article, ArticleQuestion

    from .test_articles import make_article

    url = "/admin/articles/article/reading-level/"
    typed = {"summary": PLAIN, "body": "", "questions-0-answer": HARD, "language": "es"}
    panel = soup_of(admin_client.post(url, typed)).select_one("#reading-panel")
    assert "INFLESZ" in panel.get_text()
    assert "Hard to read" in panel.get_text()
    assert [li.get_text() for li in panel.select(".unfamiliar-words li")][:1] == ["administración"]

    article = make_article("Gorros fríos", language="es")
    ArticleQuestion.objects.create(article=article, question="¿Es difícil?", answer=HARD)
    article.refresh_from_rows()
    assert Article.objects.get().reading_grade is None
    saved = soup_of(admin_client.get(f"/admin/articles/article/{article.pk}/change/")).select_one("#reading-panel")
    assert f"INFLESZ {article.reading().inflesz}" in saved.get_text()
    listing = soup_of(admin_client.get("/admin/articles/article/"))
    assert listing.select_one("td.field-reading_level").get_text() == "INFLESZ: on its form"


def test_spanish_unfamiliar_words_are_long_words_and_drug_names_the_glossary_lacks():
    text = "El trastuzumab y el palbociclib. La quimioterapia y la inmunoterapia. Trastuzumab otra vez."
    assert spanish.unfamiliar_words(text, ["inmunoterapia"]) == ["trastuzumab", "palbociclib", "quimioterapia"]


def test_the_inflesz_target_is_read_from_the_environment_with_one_line_on_a_bad_value():
    import subprocess
    import sys

    def settings_with(value):
        code = "import config.settings as s; print(s.RIBBON_READING_INFLESZ_TARGET)"
        env = {"RIBBON_READING_INFLESZ_TARGET": value, "PATH": "/usr/bin:/bin"}
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)

    assert settings_with("65").stdout.strip() == "65"
    for bad in ("normal", "120"):
        result = settings_with(bad)
        assert result.returncode != 0
        assert "RIBBON_READING_INFLESZ_TARGET must be" in result.stderr.strip().splitlines()[-1], bad
