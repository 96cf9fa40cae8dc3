"""Project-wide promises: configuration, migrations, demo content, first login."""

import gzip
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import brotli
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from treatments.models import Treatment
from treatments.page import page_parts

ROOT = Path(__file__).resolve().parents[1]


def manage(*args, **env):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    environment.pop("DATABASE_URL", None)
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_production_without_a_secret_key_stops_with_one_clear_line():
    for command in (["check"], ["migrate", "--plan"], ["runserver", "--help"]):
        result = manage(*command, DJANGO_DEBUG="0")
        assert result.returncode != 0
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert "DJANGO_SECRET_KEY" in lines[0]
        assert "Traceback" not in result.stderr


def test_a_mistyped_debug_value_is_reported_not_guessed():
    result = manage("check", DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be 1 or 0" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RIBBON_PAGE_CACHE_SECONDS", "five"),
        ("RIBBON_BROWSER_CACHE_SECONDS", "-1"),
        ("RIBBON_MAX_UPLOAD_BYTES", "5MB"),
        ("RIBBON_IMAGE_DOWNLOAD_TIMEOUT", "nan"),
        ("DJANGO_CONN_MAX_AGE", "1.5"),
        ("RIBBON_LOG_FORMAT", "xml"),
        ("DJANGO_LOG_LEVEL", "loud"),
        ("RIBBON_SEARCHES_PER_MINUTE", "twenty"),
        ("RIBBON_SEARCH_CACHE_MAX_ENTRIES", "0"),
    ],
)
def test_a_mistyped_setting_stops_with_one_line_naming_the_variable(name, value):
    result = manage("check", **{name: value})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert name in lines[0]
    assert repr(value) in lines[0]
    assert "Traceback" not in result.stderr


def test_a_cache_folder_that_cannot_be_made_stops_with_one_line(tmp_path):
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    result = manage("check", RIBBON_CACHE_DIR=str(not_a_folder / "cache"))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "RIBBON_CACHE_DIR" in lines[0]


def test_production_settings_load_with_a_secret_key_and_hosts():
    result = manage(
        "shell", "-c", "from django.conf import settings; print(settings.DEBUG, settings.ALLOWED_HOSTS)",
        DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 50, DJANGO_ALLOWED_HOSTS="ribbon.example.org,www.ribbon.example.org",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "False ['ribbon.example.org', 'www.ribbon.example.org']" in result.stdout


def test_database_and_media_come_from_the_environment(tmp_path):
    result = manage(
        "shell", "-c",
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "print(d['ENGINE'], d['NAME'], d['HOST'], settings.MEDIA_ROOT)",
        DATABASE_URL="postgres://ribbon@db.internal:5432/ribbon", MEDIA_ROOT=str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-4:] == ["django.db.backends.postgresql", "ribbon", "db.internal", str(tmp_path)]


def test_defaults_are_debug_and_sqlite_in_the_project_folder():
    result = manage(
        "shell", "-c", "from django.conf import settings; print(settings.DEBUG, settings.DATABASES['default']['NAME'])"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["True", str(ROOT / "db.sqlite3")]


@pytest.mark.django_db
def test_no_model_change_is_missing_a_migration():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


# Demo content ---------------------------------------------------------------

DEMO_SLUGS = ["chemotherapy", "hormone-therapy", "immunotherapy", "radiation-therapy", "targeted-therapy"]


@pytest.mark.django_db
def test_load_demo_creates_five_complete_treatments_each_translated_and_is_idempotent():
    call_command("load_demo", stdout=StringIO())
    treatments = Treatment.objects.published().order_by("slug")
    english = treatments.filter(language="en")
    assert [t.slug for t in english] == DEMO_SLUGS
    spanish = treatments.filter(language="es").select_related("translation_of")
    assert sorted(t.translation_of.slug for t in spanish) == DEMO_SLUGS
    for translation in spanish:
        english_page = translation.translation_of
        if english_page.slug == "radiation-therapy":  # changed after its translation (demo_content/updates/)
            assert translation.made_from_id < english_page.approved_version_id
            assert translation.behind_since is not None, "the demo shows a translation behind its English page"
        else:
            assert translation.made_from_id == english_page.approved_version_id, "made from the approved page"
            assert translation.behind_since is None
    for treatment in treatments:
        parts = page_parts(treatment)
        for part in ("pros", "cons", "short_term_effects", "long_term_effects", "return_on_investment", "references"):
            assert getattr(parts, part), (treatment.slug, part)
        for part in ("cost_range_display", "last_reviewed", "next_review_due"):
            assert getattr(treatment, part), (treatment.slug, part)
        assert all(ref.url.startswith("https://") for ref in parts.references)
    before = list(Treatment.objects.order_by("pk").values_list("pk", "updated_at"))
    points_before = sorted(Treatment.objects.values_list("points__pk", flat=True))

    out = StringIO()
    call_command("load_demo", stdout=out)
    assert list(Treatment.objects.order_by("pk").values_list("pk", "updated_at")) == before
    assert sorted(Treatment.objects.values_list("points__pk", flat=True)) == points_before
    assert "0 created" in out.getvalue()


@pytest.mark.django_db
def test_load_demo_leaves_staff_edits_alone():
    call_command("load_demo", stdout=StringIO())
    Treatment.objects.filter(slug="chemotherapy").update(summary="Edited by staff.")
    call_command("load_demo", stdout=StringIO())
    assert Treatment.objects.get(slug="chemotherapy").summary == "Edited by staff."


@pytest.mark.django_db
def test_load_demo_says_plainly_when_the_demo_reviewer_may_no_longer_approve():
    from django.core.management.base import CommandError

    from faq.models import Question
    from review.models import Reviewer

    call_command("load_demo", stdout=StringIO())
    Reviewer.objects.get().user.user_permissions.clear()
    # The Spanish translation: an English page with a translation cannot be deleted before it.
    question = Question.objects.get(translation_of__slug="will-insurance-cover-my-treatment")
    question.delete()
    with pytest.raises(CommandError, match="“demo-reviewer” signs them off: give it back the permission"):
        call_command("load_demo", stdout=StringIO())
    assert not Question.objects.filter(slug=question.slug).exists(), "never left as a draft nobody approved"


# First login ----------------------------------------------------------------


@pytest.mark.django_db
def test_ensure_admin_creates_one_superuser_with_a_random_password():
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    password = next(line.split(": ", 1)[1] for line in out.getvalue().splitlines() if "password:" in line)
    assert len(password) >= 12
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser
    assert user.check_password(password)

    again = StringIO()
    call_command("ensure_admin", stdout=again)
    assert "already exists" in again.getvalue()
    assert password not in again.getvalue()
    assert get_user_model().objects.count() == 1


@pytest.mark.django_db
def test_prepare_site_readies_a_new_site_for_make_run_and_again_changes_nothing():
    first = StringIO()
    call_command("prepare_site", "--demo", stdout=first)
    assert [t.slug for t in Treatment.objects.published().filter(language="en").order_by("slug")] == DEMO_SLUGS
    password = next(line.split(": ", 1)[1] for line in first.getvalue().splitlines() if "password:" in line)
    assert get_user_model().objects.get(username="admin").check_password(password)
    before = list(Treatment.objects.order_by("pk").values_list("pk", "updated_at"))

    again = StringIO()
    call_command("prepare_site", "--demo", stdout=again)
    assert "0 created" in again.getvalue()
    assert "already exists" in again.getvalue()
    assert password not in again.getvalue()
    assert list(Treatment.objects.order_by("pk").values_list("pk", "updated_at")) == before
    assert get_user_model().objects.filter(is_superuser=True).count() == 1


@pytest.mark.django_db
def test_ensure_admin_passwords_differ_between_installs():
    passwords = set()
    for _ in range(2):
        get_user_model().objects.all().delete()
        out = StringIO()
        call_command("ensure_admin", stdout=out)
        passwords.add(out.getvalue())
    assert len(passwords) == 2


@pytest.mark.django_db
def test_the_suite_runs_on_the_database_database_url_names():
    """So that CI's PostgreSQL run cannot silently fall back to SQLite."""
    from django.db import connection

    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected


def test_production_static_files_are_hashed_precompressed_and_cached_for_a_year(tmp_path):
    """collectstatic writes hashed names with gzip and brotli copies; whitenoise sends them with far-future headers."""
    production = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "static-files-test-" + "k" * 50,
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    collected = manage("collectstatic", "--noinput", "-v", "0", **production)
    assert collected.returncode == 0, collected.stderr
    [stylesheet] = list((tmp_path / "static" / "css").glob("site.*.css"))
    assert (stylesheet.parent / (stylesheet.name + ".br")).exists()
    assert (stylesheet.parent / (stylesheet.name + ".gz")).exists()
    script = (
        "from django.test import Client; from django.templatetags.static import static; "
        "r = Client().get(static('css/site.css'), HTTP_ACCEPT_ENCODING='gzip, br'); "
        "print(r.status_code, r['Content-Encoding'], static('css/site.css'), r['Cache-Control'])"
    )
    served = manage("shell", "-c", script, **production)
    assert served.returncode == 0, served.stderr
    status, encoding, url, cache_control = served.stdout.strip().splitlines()[-1].split(" ", 3)
    assert (status, encoding) == ("200", "br")
    assert url.endswith(stylesheet.name)
    assert "immutable" in cache_control
    assert "max-age=315360000" in cache_control


def test_a_second_collectstatic_compresses_only_the_files_whose_copies_do_not_hold_their_bytes(tmp_path):
    from operations.static_files import CompressedStaticFiles

    storage = CompressedStaticFiles(location=tmp_path, base_url="/static/")
    page, form = tmp_path / "page.css", tmp_path / "form.css"
    page.write_text("main { max-width: 40rem; }\n" * 40)
    form.write_text("label { display: block; }\n" * 40)

    def compressed():
        return sorted(name for name, _ in storage.compress_files(["page.css", "form.css"]))

    assert compressed() == ["form.css", "form.css", "page.css", "page.css"], "a .gz and a .br of each"
    assert compressed() == [], "nothing changed: nothing is compressed again"
    form.write_text("label { display: block; font-weight: 600; }\n" * 40)
    cut_short = page.with_name("page.css.br")
    cut_short.write_bytes(cut_short.read_bytes()[:12])
    assert compressed() == ["form.css", "form.css", "page.css", "page.css"]
    assert gzip.decompress(form.with_name("form.css.gz").read_bytes()) == form.read_bytes()
    assert brotli.decompress(cut_short.read_bytes()) == page.read_bytes()


# Dependencies -------------------------------------------------------------------

TEST_AND_TOOL_PACKAGES = {
    "pytest",
    "pytest-django",
    "pytest-xdist",
    "hypothesis",
    "playwright",
    "moto",
    "beautifulsoup4",
    "ruff",
}


def _requirement_names(path):
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(line.split("==")[0].split("[")[0].strip().lower())
    return names


def test_the_runtime_requirements_hold_no_test_or_tool_package():
    assert not _requirement_names(ROOT / "requirements.txt") & TEST_AND_TOOL_PACKAGES
    assert _requirement_names(ROOT / "requirements-dev.txt") >= TEST_AND_TOOL_PACKAGES


def test_make_run_installs_the_runtime_only_and_make_test_adds_the_tools():
    def planned(target):
        result = subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout

    run = planned("run")
    assert "-r requirements.txt" in run
    assert "requirements-dev.txt" not in run
    assert "-r requirements-dev.txt" in planned("test")


# Layout ---------------------------------------------------------------------------


def _project_apps():
    from django.apps import apps

    return {config.name for config in apps.get_app_configs() if Path(config.path).parent == ROOT}


# Lowest first. An app imports only from its own layer or lower ones; within the infrastructure layers an
# app imports only itself. Content apps may use each other (a treatment links glossary terms and is
# reviewed); nothing imports `pages`, which assembles the site from them.
LAYERS = (
    ("core",),
    ("importing", "pagecache", "readability"),
    ("search",),
    ("operations",),
    ("review", "glossary", "treatments", "faq", "feedback", "donations", "articles"),
    ("pages",),
)
CONTENT_LAYER = 4


def _imported_apps(path, apps):
    """(line, app) for every import of a project app in the file at `path`."""
    import ast

    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] in apps:
                yield node.lineno, name.split(".")[0]


def test_every_app_of_the_project_has_its_place_in_the_layers():
    assert sorted(_project_apps()) == sorted(app for layer in LAYERS for app in layer)


def test_no_app_imports_one_above_it():
    """core/ is content infrastructure, the apps above it each one idea; an import never climbs back up."""
    layer_of = {app: number for number, layer in enumerate(LAYERS) for app in layer}
    for app, layer in layer_of.items():
        for path in (ROOT / app).rglob("*.py"):
            for line, imported in _imported_apps(path, layer_of):
                where = f"{path.relative_to(ROOT)}:{line} imports {imported}"
                assert layer_of[imported] <= layer, where
                if layer_of[imported] == layer and layer != CONTENT_LAYER:
                    assert imported == app, where


def test_core_names_no_app():
    """Not even as a string (a lazy import, a setting read by name): core works under any app."""
    import ast

    apps = _project_apps() - {"core"}
    for path in (ROOT / "core").rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert node.value not in apps, f"{path.relative_to(ROOT)}:{node.lineno} names the app {node.value!r}"


def test_core_stays_content_infrastructure_of_at_most_2500_lines():
    """
    What every app builds on, and no more: the page cache, reading levels, search and running the site are
    apps of their own.
    """
    lines = sum(
        len(path.read_text().splitlines()) for path in (ROOT / "core").rglob("*.py") if "migrations" not in path.parts
    )
    assert lines <= 2500


def test_every_field_staff_see_says_what_it_is_for():
    """Every editable field of the project's models has help_text: the admin shows it under the field."""
    from django.apps import apps

    for model in apps.get_models():
        if Path(model._meta.app_config.path).parent != ROOT:
            continue
        for field in model._meta.get_fields():
            if field.auto_created or not getattr(field, "editable", False):
                continue
            assert str(field.help_text).strip(), f"{model._meta.label}.{field.name} has no help_text"


def test_ruff_sorts_every_app_of_the_project_as_its_own():
    """An app missing from known-first-party has its imports sorted among the third-party packages."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert _project_apps() <= set(config["tool"]["ruff"]["lint"]["isort"]["known-first-party"])
