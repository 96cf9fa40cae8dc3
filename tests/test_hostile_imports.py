"""
Importers meet files nobody checked: each test here is an attack that once
worked (a hanging heading, a file that stopped the run, a link out of the
folder, a fetch of an internal address, text damaged by a wrong encoding).
"""

import contextlib
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError

from core.text import markdown_heading
from faq.importer import ArticleError, parse_article
from faq.models import Question
from importing.decoding import UnreadableFileError, decode_text_file
from treatments import parsing
from treatments.models import Tag, Treatment
from treatments.parsing import TreatmentFileError, parse_treatment

from .helpers import ORGANISATION_FILE

# Lines built to make a backtracking pattern work hard: long runs of the
# characters each pattern repeats, ending where the pattern must give up.
N = 20_000
HOSTILE_LINES = [
    "# a" + " " * N + "b",  # the heading pattern's cubic case: 1,000 spaces took 0.85 s here, 2,000 took 16 s
    "#" + " " * N + "x",
    "## " + " " * N + "#" * N + " x",
    "## " + "#" * N + " " * N,
    "# " + "\t " * N + "#",
    "-" + " " * N,
    "- " + " " * N + "x" + " " * N,
    "1." + " " * N,
    "**" + " " * N + "x",
    "** a" + " " * N + ":" + " " * N + "x",
    "**Pros" + " " * N + ":" + " " * N,
    "__" + "a " * N,
    "Pros" + " " * N + ":" + "x",
    "A" + " " * N + ":",
    "[" * N,
    "[a](" * N,
    "[a](x" * N,
    "[a](x " + '"' * N,
    "[a](" + " " * N,
    "a." * N + "://",
    "a+" * N,
    "http://" * N,
    "$1" * N,
    "$" + "1," * N + " to $",
    "about $" + "1" * N + "k",
    " " * N + "x",
    "\t" * N,
    "?" * N,
    "*" * N + "?",
    "a " * N + "?",
]


def _elapsed(function, *args):
    start = time.perf_counter()
    with contextlib.suppress(TreatmentFileError, ArticleError):
        function(*args)
    return time.perf_counter() - start


@pytest.mark.parametrize("line", HOSTILE_LINES, ids=range(len(HOSTILE_LINES)))
def test_no_pattern_backtracks_on_a_hostile_line(line):
    """Each line is tens of kilobytes; a backtracking pattern would take minutes on it."""
    start = time.perf_counter()
    markdown_heading(line)
    parsing._label_in(line)
    parsing._bullet_text(line)
    parsing.MARKDOWN_LINK.search(line)
    parsing.BARE_URL.search(line)
    parsing.cost_range_from(line[: parsing.POINT_MAX])
    parsing._plain_first_paragraph(line)
    for section in ("", "## Pros and Cons\n**Pros:**\n- first\n", "## References\n", "## Cost\n"):
        _elapsed(parse_treatment, f"---\ntitle: T\ndescription: D\n---\n{section}{line}\n")
    _elapsed(parse_article, f"A question?\n\n{line}\n\n{line}?\n")
    assert time.perf_counter() - start < 1.0


def test_a_heading_full_of_spaces_parses_at_once():
    """The heading that took 16 s with 2,000 spaces (and hours in a 15 KB file)."""
    heading = "# a" + " " * 2_000 + "b"
    text = "---\ntitle: T\ndescription: D\n---\n" + (heading + "\n") * 8
    assert _elapsed(parse_treatment, text) < 2
    assert _elapsed(parse_article, text) < 2
    assert markdown_heading("## Pros and Cons ##") == (2, "Pros and Cons")
    assert markdown_heading("## C#") == (2, "C#")
    assert markdown_heading("#hashtag") is None
    assert markdown_heading("    # code") is None


def _hostile_file(size=1_000_000):
    """About `size` characters of hostile lines, in the body and in every section."""
    chunk = "\n".join(line[:2_000] for line in HOSTILE_LINES) + "\n"
    sections = ["", "## Pros and Cons\n**Pros:**\n", "## References\n", "## Cost\n**Cost:**\n"]
    parts, total = ["---\ntitle: Hostile\ndescription: A file built to be slow.\n---\n"], 0
    while total < size:
        for section in sections:
            parts.append(section + chunk + "\nIs this a question?\n\nAn answer.\n\n")
            total += len(parts[-1])
    return "".join(parts)


@pytest.mark.parametrize("parse", [parse_treatment, parse_article], ids=["treatment", "article"])
def test_a_megabyte_of_hostile_lines_parses_in_linear_time(parse):
    text = _hostile_file()
    assert len(text) >= 1_000_000
    # Parsing stops at the first line it cannot accept; parse line by line from
    # every section start as well, so each pattern sees the whole megabyte.
    assert _elapsed(parse, text) < 3
    body_only = "---\ntitle: T\ndescription: D\n---\n" + "\n".join(
        line[:2_000] for line in HOSTILE_LINES * (1_000_000 // 30_000 + 1)
    )
    assert _elapsed(parse, body_only) < 3


# One bad file never stops the run ------------------------------------------------


def _write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _treatment_file(source_id, title, extra_front_matter=""):
    return (
        ORGANISATION_FILE.replace('id: "41"', f'id: "{source_id}"')
        .replace('title: "Cold Cap Therapy"', f'title: "{title}"')
        .replace("---\n", "---\n" + extra_front_matter, 1)
    )


def _run(command, *args):
    out, err = StringIO(), StringIO()
    try:
        call_command(command, *map(str, args), stdout=out, stderr=err)
        failed = None
    except CommandError as exc:
        failed = exc
    return out.getvalue(), err.getvalue(), failed


@pytest.mark.django_db
def test_a_huge_tags_value_fails_its_file_only(tmp_path):
    """60,000 characters of tags once crashed the command (LIKE pattern too complex) after one file."""
    _write(tmp_path, "a.md", _treatment_file("a", "Alpha"))
    bad = _write(tmp_path, "b.md", _treatment_file("b", "Beta").replace('tags: "', 'tags: "' + "x" * 60_000 + ", ", 1))
    _write(tmp_path, "c.md", _treatment_file("c", "Gamma"))
    out, err, failed = _run("import_treatments", tmp_path, "--no-images")
    assert failed is not None, "the exit code is non-zero"
    assert f"{bad}:2: the front matter is 60,186 characters long; at most 20,000" in err
    assert sorted(Treatment.objects.values_list("source_id", flat=True)) == ["a", "c"]
    assert "2 created" in out
    assert "1 failed" in out


@pytest.mark.django_db
def test_a_database_error_fails_its_file_only_and_writes_nothing_of_it(tmp_path, monkeypatch):
    _write(tmp_path, "a.md", _treatment_file("a", "Alpha"))
    bad = _write(tmp_path, "b.md", _treatment_file("b", "Beta").replace('tags: "', 'tags: "Doomed, ', 1))
    _write(tmp_path, "c.md", _treatment_file("c", "Gamma"))
    real_save = Tag.save

    def save(tag, *args, **kwargs):
        if tag.name == "Doomed":
            raise OperationalError("database is locked")
        return real_save(tag, *args, **kwargs)

    monkeypatch.setattr(Tag, "save", save)
    _out, err, failed = _run("import_treatments", tmp_path, "--no-images")
    assert failed is not None
    assert f"{bad}:1: the database refused this file (OperationalError: database is locked)" in err
    assert "Traceback" not in err
    assert sorted(Treatment.objects.values_list("source_id", flat=True)) == ["a", "c"]
    assert not Tag.objects.filter(name="Doomed").exists()


@pytest.mark.django_db
def test_yaml_aliases_cannot_make_the_front_matter_expensive(tmp_path):
    """20,000 repeated aliases once took 28.7 s to read; now the front matter's size stops that many."""
    aliases = "bomb: &a [x, x, x, x, x, x, x, x, x, x]\nrepeat: [" + ", ".join(["*a"] * 4_000) + "]\n"
    path = _write(tmp_path, "bomb.md", _treatment_file("bomb", "Bomb", aliases))
    start = time.perf_counter()
    _, err, failed = _run("import_treatments", path, "--no-images")
    assert time.perf_counter() - start < 3
    assert failed is not None
    assert f"{path}:3: the front matter repeats YAML aliases (*name) more than 20 times" in err
    assert not Treatment.objects.exists()


def test_a_few_aliases_are_still_read():
    text = "---\ntitle: &t Alias\ndescription: *t\n---\nBody.\n"
    parsed = parse_treatment(text)
    assert parsed.summary == "Alias"


@pytest.mark.parametrize(
    ("front_matter", "line", "words"),
    [
        ("title: " + "t" * 121, 3, "'title' is 121 characters long; it holds at most 120"),
        ("heroImage: https://example.org/" + "a" * 1_000, 3, "'heroImage' is 1,020 characters long"),
        ("tags: [" + ", ".join(f"t{n}" for n in range(30)) + "]", 3, "at most 20 tags"),
        ("tags: ok, " + "t" * 61, 3, "a tag is 61 characters long; a tag holds at most 60"),
        ("junk: '" + "j" * 25_000 + "'", 2, "the front matter is 25,"),
    ],
)
def test_every_field_is_capped_before_the_database_sees_it(front_matter, line, words):
    text = f"---\ndescription: D\n{front_matter}\n---\n# Title\n\nBody.\n"
    with pytest.raises(TreatmentFileError) as caught:
        parse_treatment(text)
    assert words in caught.value.message
    assert caught.value.line == line


def test_list_items_references_and_body_are_capped():
    many_points = "---\ntitle: T\ndescription: D\n---\n## Pros and Cons\n**Pros:**\n" + "- yes\n" * 201
    with pytest.raises(TreatmentFileError, match="at most 200 list items"):
        parse_treatment(many_points)
    wrapped = "---\ntitle: T\ndescription: D\n---\n## Pros and Cons\n**Pros:**\n- start\n" + "  more words\n" * 100
    with pytest.raises(TreatmentFileError) as caught:
        parse_treatment(wrapped)
    assert caught.value.line == 7, "the line the long item starts on"
    huge_body = "---\ntitle: T\ndescription: D\n---\n" + ("A sentence of body text.\n" * 9_000)
    with pytest.raises(TreatmentFileError, match="at most 200,000 fit"):
        parse_treatment(huge_body)


def test_an_article_answer_and_question_count_are_capped():
    with pytest.raises(ArticleError, match="longer than 20,000"):
        parse_article("What is it?\n\n" + "A paragraph of answer text.\n\n" * 1_000)
    many = "".join(f"Question number {n}?\n\nAnswer {n}.\n\n" for n in range(501))
    with pytest.raises(ArticleError, match="at most 500 questions"):
        parse_article(many)


@pytest.mark.django_db
def test_an_oversized_file_is_refused_unread(tmp_path):
    big = _write(tmp_path, "big.md", _treatment_file("big", "Big") + "x" * 1_100_000)
    _write(tmp_path, "small.md", _treatment_file("small", "Small"))
    _out, err, failed = _run("import_treatments", tmp_path, "--no-images")
    assert failed is not None
    assert f"{big}:1: the file is larger than 1 MB" in err
    assert list(Treatment.objects.values_list("source_id", flat=True)) == ["small"]


@pytest.mark.django_db
def test_an_faq_file_that_fails_does_not_stop_the_others(tmp_path):
    _write(tmp_path, "a.md", "What is a cold cap?\n\nA cap that cools the scalp.\n")
    bad = _write(tmp_path, "b.md", "Why?\n\n" + "Too long. " * 3_000 + "\n")
    _write(tmp_path, "c.md", "Does it hurt?\n\nIt feels very cold at first.\n")
    _out, err, failed = _run("import_faqs", tmp_path)
    assert failed is not None
    assert f"{bad}:3: the answer to the question on line 1 is longer than 20,000 characters" in err
    assert sorted(Question.objects.values_list("question", flat=True)) == ["Does it hurt?", "What is a cold cap?"]


# Text damaged by a wrong encoding -------------------------------------------------


@pytest.mark.parametrize(
    ("damaged", "repaired"),
    [
        ("The â€œsystemicâ€ treatment", "The “systemic” treatment"),
        ("It is â€œfineâ€", "It is “fine”"),
        ("A â€œquoteâ€. Then more.", "A “quote”. Then more."),
        ("the bodyâ€™s own defences", "the body’s own defences"),
        ("cafÃ© au lait", "café au lait"),
        ("2â€“3 weeks", "2–3 weeks"),
    ],
)
def test_lossy_encoding_damage_is_repaired(damaged, repaired):
    decoded = decode_text_file(damaged.encode("utf-8"))
    assert decoded.text == repaired
    assert "â€" not in decoded.text
    assert "†" not in decoded.text


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("Fine.\nStill fine.\nThe word cafÃ, having lost its last byte.\n", 3),
        ("Fine.\nÃndice\n", 2),
        ("One\ntwo \x9d three\n", 2),
        ("Title\n\n“systemic†treatment\n", 3),
    ],
)
def test_damage_that_cannot_be_repaired_is_reported_with_its_line(text, line):
    with pytest.raises(UnreadableFileError) as caught:
        decode_text_file(text.encode("utf-8"))
    assert caught.value.line == line
    assert "wrong encoding" in caught.value.message


def test_real_daggers_and_capital_a_tilde_are_left_alone():
    text = "São Paulo study† (see notes)\nSÃO PAULO\n† Footnote.\n"
    assert decode_text_file(text.encode("utf-8")).text == text


@pytest.mark.django_db
def test_no_damage_from_an_import_reaches_a_page(tmp_path, client):
    text = _treatment_file("q", "Quotes").replace(
        "Cooling the scalp during chemotherapy to reduce hair loss.", "The â€œsystemicâ€ kind.", 1
    )
    path = _write(tmp_path, "q.md", text)
    _run("import_treatments", path, "--no-images", "--publish")  # as public as an import can make it
    page = client.get(Treatment.objects.get().get_absolute_url()).content.decode()
    assert "“systemic” kind" in page
    for damage in ("â€", "Ã", "†"):
        assert damage not in page


# Links out of the folder ------------------------------------------------------------


@pytest.mark.django_db
def test_a_link_out_of_the_folder_is_skipped_with_a_note(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    private = _write(outside, "private-notes.md", _treatment_file("secret", "Private notes"))
    _write(outside, "more.md", _treatment_file("more", "More private notes"))
    folder = tmp_path / "folder"
    folder.mkdir()
    _write(folder, "real.md", _treatment_file("real", "Real page"))
    (folder / "innocent.md").symlink_to(private)
    (folder / "linked-folder").symlink_to(outside, target_is_directory=True)
    (folder / "inside-link.md").symlink_to(folder / "real.md")
    out, err, failed = _run("import_treatments", folder, "--no-images")
    assert failed is None, "a skipped link is a note, not a failure"
    assert f"{folder / 'innocent.md'}: skipped: it is a link to a file outside the folder given." in err
    assert f"{folder / 'linked-folder'}: skipped: it is a link to a folder outside the folder given." in err
    assert "2 skipped" in out
    assert sorted(Treatment.objects.values_list("source_id", flat=True)) == ["real"]


@pytest.mark.django_db
def test_a_pipe_in_the_folder_does_not_hang_the_import(tmp_path):
    import os

    _write(tmp_path, "real.md", _treatment_file("real", "Real page"))
    os.mkfifo(tmp_path / "waiting.md")
    out, _err, failed = _run("import_treatments", tmp_path, "--no-images")
    assert failed is None
    assert "1 created" in out


# Pictures from internal addresses ---------------------------------------------------


@pytest.fixture
def picture_server():
    from .helpers import WebServer, drip, image_bytes

    picture = image_bytes("JPEG", size=(40, 30))
    routes = {
        "/picture.jpg": (200, {"Content-Type": "image/jpeg"}, picture),
        "/to-metadata": (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b""),
        "/to-other-loopback": (302, {"Location": "http://127.0.0.2/picture.jpg"}, b""),
        "/to-localhost-name": (302, {"Location": "/to-metadata"}, b""),
        "/to-picture": (302, {"Location": "/picture.jpg"}, b""),
        "/loop": (302, {"Location": "/loop"}, b""),
        "/huge": (200, {"Content-Type": "image/jpeg", "Content-Length": str(50 * 1024 * 1024)}, b""),
        "/huge-undeclared": (200, {"Content-Type": "image/jpeg"}, lambda wfile: wfile.write(b"x" * 3_000_000)),
        "/slow": (200, {"Content-Type": "image/jpeg"}, drip(0.2, 50)),
    }
    with WebServer(routes) as server:
        yield server


def _fetch(url, **kwargs):
    from core.images import ImageRejected
    from importing.downloads import download_image

    with pytest.raises(ImageRejected) as caught:
        download_image(url, **kwargs)
    return str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/picture.jpg",
        "http://localhost:{port}/picture.jpg",
        "http://[::1]:{port}/picture.jpg",
        "http://[::ffff:127.0.0.1]:{port}/picture.jpg",
        "http://2130706433:{port}/picture.jpg",
        "http://0x7f000001:{port}/picture.jpg",
        "http://10.0.0.1/picture.jpg",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/picture.jpg",
        "http://0.0.0.0:{port}/picture.jpg",
    ],
)
def test_internal_addresses_are_never_fetched(picture_server, url):
    message = _fetch(url.format(port=picture_server.port))
    assert "internal address" in message
    assert picture_server.requested == [], "not even one request reached the internal server"


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("file:///etc/passwd", "only http and https"),
        ("ftp://example.org/picture.jpg", "only http and https"),
        ("gopher://127.0.0.1:6379/_INFO", "only http and https"),
        ("http://user:secret@example.org/picture.jpg", "user name or password"),
        ("http://example.org:99999/picture.jpg", "not a valid web address"),
    ],
)
def test_only_plain_web_addresses_are_fetched(url, words):
    assert words in _fetch(url)


@pytest.fixture
def loopback_is_public(monkeypatch):
    """Let 127.0.0.1 (and only it) stand in for a public server in these tests."""
    monkeypatch.setattr("importing.downloads.is_public_address", lambda address: address == "127.0.0.1")


def test_a_public_picture_is_fetched_through_a_redirect(picture_server, loopback_is_public):
    from importing.downloads import download_image

    checked = download_image(f"{picture_server.base}/to-picture")
    assert checked.name.endswith(".jpg")
    assert picture_server.requested == ["/to-picture", "/picture.jpg"]


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/to-metadata", "169.254.169.254 leads to an internal address"),
        ("/to-other-loopback", "127.0.0.2 leads to an internal address"),
        ("/to-localhost-name", "169.254.169.254 leads to an internal address"),
        ("/loop", "redirected more than 3 times"),
        ("/huge", "larger than 5 MB"),
        ("/huge-undeclared", "larger than 2 MB"),
        ("/slow", "took too long"),
        ("/missing", "answered 404"),
    ],
)
def test_every_redirect_is_checked_and_every_answer_is_bounded(picture_server, loopback_is_public, path, words):
    start = time.perf_counter()
    limits = {"max_bytes": 2 * 1024 * 1024} if path == "/huge-undeclared" else {}
    assert words in _fetch(f"{picture_server.base}{path}", timeout=1.0, **limits)
    assert time.perf_counter() - start < 3


@pytest.mark.django_db
def test_an_import_naming_an_internal_picture_fails_that_file(tmp_path, picture_server):
    text = _treatment_file("ssrf", "Probe").replace(
        "https://images.example.org/cold-cap.jpg", f"http://127.0.0.1:{picture_server.port}/latest/meta-data/"
    )
    path = _write(tmp_path, "probe.md", text)
    _out, err, failed = _run("import_treatments", path)
    assert failed is not None
    assert f"{path}:6: the hero image was not imported: 127.0.0.1 leads to an internal address" in err
    assert picture_server.requested == []
    assert not Treatment.objects.exists()


# Text that would take seconds to render -------------------------------------------


def test_rendering_is_bounded_whatever_the_text():
    """10,000 unclosed '[' took Python-Markdown 10 s; a list nested 500 deep crashed it."""
    from core.markdown import render_markdown

    for text in ["[" * 10_000, "![a](" * 10_000, "<http://" * 10_000, "".join("  " * i + "- x\n" for i in range(600))]:
        start = time.perf_counter()
        html = render_markdown(text)
        assert time.perf_counter() - start < 1
        assert html.startswith("<p>"), "shown as the plain text it is"
    assert render_markdown("See [the guide](https://example.org/).") == (
        '<p>See <a href="https://example.org/" rel="noopener noreferrer">the guide</a>.</p>'
    )


def test_an_import_with_text_too_slow_to_render_names_its_line():
    text = (
        "---\ntitle: T\ndescription: D\n---\nFine opening.\n\n## Pros and Cons\n**Pros:**\n- ok\n\n## Background\n\n"
        + ("[" * 3_000)
    )
    with pytest.raises(TreatmentFileError) as caught:
        parse_treatment(text)
    assert caught.value.line == 13
    assert "too many square brackets" in caught.value.message
    article = "What is it?\n\nFine.\n\nStill fine.\n\n" + "<" * 3_000 + "\n"
    with pytest.raises(ArticleError) as caught:
        parse_article(article)
    assert caught.value.line == 7


@pytest.mark.django_db
def test_the_admin_refuses_text_too_slow_to_render(client, django_user_model):
    from core.markdown import MAX_INDENT

    from .helpers import treatment_form

    client.force_login(django_user_model.objects.create_superuser("boss", password="a-long-test-password-1"))
    cases = [("[" * 3_000, "Line 1: From this paragraph on"), ("Intro\n" + " " * (MAX_INDENT + 1) + "- x", "Line 2:")]
    for body, words in cases:
        response = client.post("/admin/treatments/treatment/add/", treatment_form(body=body))
        assert response.status_code == 200, "the form comes back with the error"
        assert words in response.content.decode()
        assert not Treatment.objects.exists()


@pytest.mark.django_db
def test_terminal_escapes_never_reach_the_operators_terminal_or_a_page(tmp_path):
    text = _treatment_file("esc", "Evil").replace('title: "Evil"', 'title: "Evil\\e[31mRED\\a"')
    bad = _write(tmp_path, "a.md", text)
    unknown_key = _treatment_file("key", "Keyed").replace('id: "key"', 'id: "key"\n"k\\e]0;owned\\a": 1')
    _write(tmp_path, "b\x1b[2Jname.md", unknown_key)
    out, err, failed = _run("import_treatments", tmp_path, "--no-images")
    assert failed is not None
    assert f"{bad}:2: 'title' contains control characters" in err
    assert "\x1b" not in out + err
    assert "\x07" not in out + err
    assert "\\x1b[2Jname.md" in out, "the file name is shown with its escape spelled out"
    assert "unknown key 'k\\x1b]0;owned\\x07'" in out
    assert list(Treatment.objects.values_list("source_id", flat=True)) == ["key"]


def test_tabs_and_line_breaks_in_front_matter_values_are_still_text():
    parsed = parse_treatment('---\ntitle: "Tab\\there"\ndescription: |\n  Two\n  lines\n---\nBody.\n')
    assert parsed.summary == "Two\nlines"
