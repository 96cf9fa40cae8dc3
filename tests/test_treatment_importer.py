"""The organisation's treatment files, in every state real files arrive in."""

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from core.images import ImageRejected
from importing.decoding import decode_text_file
from treatments.models import Tag, Treatment, TreatmentPoint
from treatments.page import page_parts
from treatments.parsing import TreatmentFileError, cost_range_from, parse_treatment

from .helpers import ORGANISATION_FILE, WebServer, image_bytes

Kind = TreatmentPoint.Kind
SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "002_e01a4fde723c2a0f.txt"


def write(tmp_path, name, text, encoding="utf-8", newline="\n"):
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def run_import(*args):
    """The operator's first load: published at once (the default, review, is in tests/test_sign_off.py)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("import_treatments", *map(str, args), "--no-images", "--publish", stdout=out, stderr=err)
        failed = None
    except CommandError as exc:
        failed = exc
    return out.getvalue(), err.getvalue(), failed


# Parsing -------------------------------------------------------------------------


def test_parses_front_matter_sections_and_repairs_mojibake():
    parsed = parse_treatment(decode_text_file(ORGANISATION_FILE.encode()).text)
    assert parsed.title == "Cold Cap Therapy"
    assert parsed.source_id == "41"
    assert parsed.summary == "Cooling the scalp during chemotherapy to reduce hair loss."
    assert parsed.tags == ["Scalp cooling", "Chemotherapy"], "all-lowercase tags are capitalised"
    assert parsed.hero_image_url == "https://images.example.org/cold-cap.jpg"
    assert "patient’s scalp" in parsed.body
    assert "â€" not in parsed.body
    assert "Pros and Cons" not in parsed.body
    kinds = [kind for kind, _ in parsed.points]
    assert kinds.count(Kind.PRO) == 2
    assert kinds.count(Kind.CON) == 2
    assert kinds.count(Kind.SHORT_TERM) == 1
    assert kinds.count(Kind.LONG_TERM) == 1
    assert kinds.count(Kind.COST) == 2
    assert kinds.count(Kind.RETURN) == 1
    assert (parsed.cost_min, parsed.cost_max, parsed.cost_period) == (Decimal(1500), Decimal(3000), "one-off")


def test_windows_line_endings_and_byte_order_mark_are_handled():
    data = b"\xef\xbb\xbf" + ORGANISATION_FILE.replace("\n", "\r\n").encode()
    parsed = parse_treatment(decode_text_file(data).text)
    assert parsed.title == "Cold Cap Therapy"
    assert len(parsed.points) == 9
    assert "\r" not in parsed.body


def test_windows_1252_file_is_read():
    text = decode_text_file("title: café – ok".encode("cp1252"))
    assert text.text == "title: café – ok"
    assert text.notes


def test_tags_may_be_a_yaml_list():
    parsed = parse_treatment(
        ORGANISATION_FILE.replace('tags: "scalp cooling, chemotherapy"', "tags:\n  - Scalp cooling\n  - Hair loss")
    )
    assert parsed.tags == ["Scalp cooling", "Hair loss"]


def test_missing_optional_keys_and_unknown_keys():
    text = '---\ntitle: "Surgery"\nauthor: "Someone"\n---\n\nSurgery removes the tumour.\n'
    parsed = parse_treatment(text)
    assert parsed.source_id == ""
    assert parsed.tags == []
    assert parsed.hero_image_url == ""
    assert parsed.summary == "Surgery removes the tumour."
    assert any("unknown key 'author'" in warning and "line 3" in warning for warning in parsed.warnings)


def test_sections_in_another_order_or_missing():
    text = """---
title: Surgery
description: Removing the tumour.
---

Intro paragraph.

## Cost and Return on Investment

**Cost:**

- About $8,000 per operation in total.

## Pros and Cons

**Cons:**

- Recovery takes weeks.

**Pros:**

- Removes the tumour.
"""
    parsed = parse_treatment(text)
    assert parsed.points == [
        (Kind.COST, "About $8,000 per operation in total."),
        (Kind.CON, "Recovery takes weeks."),
        (Kind.PRO, "Removes the tumour."),
    ]
    assert parsed.body == "Intro paragraph."
    assert (parsed.cost_min, parsed.cost_max, parsed.cost_period) == (Decimal(8000), Decimal(8000), "one-off")


def test_other_sections_stay_in_the_body_and_wrapped_items_are_joined():
    text = """---
title: Surgery
description: Removing the tumour.
---

## How it is done

You sleep through it.

## Pros and Cons

**Pros:**

- A long point that the author
  wrapped onto a second line.
"""
    parsed = parse_treatment(text)
    assert parsed.body == "## How it is done\n\nYou sleep through it."
    assert parsed.points == [(Kind.PRO, "A long point that the author wrapped onto a second line.")]


def test_references_section_becomes_structured_references():
    text = """---
title: Surgery
description: Removing the tumour.
---

## References

- [Surgery for breast cancer](https://www.cancer.org/surgery)
- National Cancer Institute: https://www.cancer.gov/
"""
    parsed = parse_treatment(text)
    assert parsed.references == [
        ("Surgery for breast cancer", "https://www.cancer.org/surgery"),
        ("National Cancer Institute", "https://www.cancer.gov/"),
    ]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('---\ntitle: "Open quote\n---\n', 2, "front matter cannot be read"),
        ("---\ntitle: x\n", 1, "never closed"),
        ("---\ntitle: [1, 2]\ndescription: d\n---\n", 2, "should be a piece of text"),
        ("---\ntitle: x\ndescription: d\n---\n\n## Pros and Cons\n\n- orphan item\n", 8, "before any label"),
        (
            "---\ntitle: x\ndescription: d\n---\n\n## Pros and Cons\n\n**Maybe:**\n- item\n",
            8,
            "not a list this section knows",
        ),
        ("---\ntitle: x\ndescription: d\n---\n\n## References\n\n- [Bad](javascript:alert(1))\n", 8, "https://"),
        ("---\ntitle: x\ndescription: d\nlastReviewed: soon\n---\n", 4, "YYYY-MM-DD"),
        ("---\ntitle: x\ndescription: " + "y" * 301 + "\n---\n", 3, "at most 300"),
        ("No front matter and no title here.\n", 1, "no title"),
    ],
)
def test_unparseable_files_name_the_line(text, line, words):
    with pytest.raises(TreatmentFileError) as error:
        parse_treatment(text)
    assert error.value.line == line
    assert words in error.value.message


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Typically ranges from $100,000 to $200,000 per year depending on the drug.", (100000, 200000, "USD", "year")),
        ("Between £20 and £500 a month.", (20, 500, "GBP", "month")),
        ("$1,000–$12,000 per cycle.", (1000, 12000, "USD", "cycle")),
        ("From $50k to $150k annually.", (50000, 150000, "USD", "year")),
        ("About $1.5 million in total.", (1500000, 1500000, "USD", "one-off")),
        ("Costs vary a great deal.", None),
        ("Copays of $50 are common.", None),
        ("$100 to $200 depending on the clinic.", None),
    ],
)
def test_cost_range_is_read_from_a_sentence(sentence, expected):
    found = cost_range_from(sentence)
    if expected is None:
        assert found is None
    else:
        low, high, currency, period = expected
        assert found == (Decimal(low), Decimal(high), currency, period)


# The command ------------------------------------------------------------------


@pytest.mark.django_db
def test_import_creates_a_published_treatment_and_reimport_updates_in_place(tmp_path):
    path = write(tmp_path, "cold-cap.md", ORGANISATION_FILE, newline="\r\n")
    out, err, failed = run_import(path)
    assert failed is None, err
    assert "created" in out
    assert "1 created" in out
    treatment = Treatment.objects.get(source_id="41")
    assert treatment.status == Treatment.Status.PUBLISHED
    assert treatment.published_at
    assert treatment.slug == "cold-cap-therapy"
    assert treatment.hero_image_source_url == "https://images.example.org/cold-cap.jpg"
    assert not treatment.hero_image
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Chemotherapy", "Scalp cooling"]

    out, _, _ = run_import(path)
    assert "1 unchanged" in out
    changed = ORGANISATION_FILE.replace('title: "Cold Cap Therapy"', 'title: "Scalp Cooling"').replace(
        "- Feeling chilly during sessions.", "- Feeling cold during sessions."
    )
    path.write_text(changed)
    out, _, _ = run_import(path)
    assert "1 updated" in out
    assert Treatment.objects.count() == 1
    treatment.refresh_from_db()
    assert treatment.title == "Scalp Cooling"
    assert treatment.slug == "cold-cap-therapy", "a published page keeps its address"
    assert treatment.points.get(kind=Kind.SHORT_TERM).text == "Feeling cold during sessions."
    assert treatment.points.count() == 9


@pytest.mark.django_db
def test_an_import_without_publish_is_a_draft_for_review(tmp_path):
    path = write(tmp_path, "cold-cap.md", ORGANISATION_FILE)
    call_command("import_treatments", str(path), "--no-images", stdout=StringIO())
    assert Treatment.objects.get().status == Treatment.Status.DRAFT


@pytest.mark.django_db
def test_a_broken_file_is_reported_and_the_others_still_import(tmp_path):
    good = write(tmp_path, "a-good.md", ORGANISATION_FILE)
    broken_text = ORGANISATION_FILE.replace('id: "41"', 'id: "42"').replace("**Pros:**\n", "")
    broken = write(tmp_path, "b-broken.md", broken_text)
    out, err, failed = run_import(tmp_path)
    assert failed is not None, "the command must exit non-zero"
    assert f"{broken}:14:" in err
    assert "before any label" in err
    assert "1 created" in out
    assert "1 failed" in out
    assert list(Treatment.objects.values_list("source_id", flat=True)) == ["41"]
    assert good.exists()


@pytest.mark.django_db
def test_a_file_failing_validation_writes_nothing(tmp_path):
    too_long_title = ORGANISATION_FILE.replace('title: "Cold Cap Therapy"', 'title: "' + "x" * 200 + '"')
    path = write(tmp_path, "long.md", too_long_title)
    _, err, failed = run_import(path)
    assert failed is not None
    assert f"{path}:2:" in err
    assert "title" in err
    assert Treatment.objects.count() == 0
    assert Tag.objects.count() == 0


@pytest.mark.django_db
def test_missing_path_is_reported(tmp_path):
    _, err, failed = run_import(tmp_path / "nope.md")
    assert failed is not None
    assert "nope.md" in err


@pytest.mark.django_db
def test_hero_image_is_downloaded_verified_and_reencoded(tmp_path, monkeypatch):
    # The test server is on 127.0.0.1, which real imports never fetch from.
    monkeypatch.setattr("importing.downloads.is_public_address", lambda address: address == "127.0.0.1")
    with WebServer({"/cold-cap.jpg": (200, {"Content-Type": "image/jpeg"}, image_bytes("JPEG", size=(64, 48)))}) as web:
        text = ORGANISATION_FILE.replace("https://images.example.org/cold-cap.jpg", f"{web.base}/cold-cap.jpg")
        path = write(tmp_path, "cold-cap.md", text)
        out = StringIO()
        call_command("import_treatments", str(path), stdout=out)
        treatment = Treatment.objects.get()
        assert web.requested == ["/cold-cap.jpg"]
        assert treatment.hero_image.name.endswith(".jpg")
        assert "cold-cap" not in treatment.hero_image.name, "the server chooses the stored name"
        assert (treatment.hero_image.width, treatment.hero_image.height) == (64, 48)
        assert treatment.hero_image_alt, "an image never goes without alt text"
        assert "heroImageAlt" in out.getvalue()
        # Re-importing does not download it again.
        call_command("import_treatments", str(path), stdout=StringIO())
        assert web.requested == ["/cold-cap.jpg"]


@pytest.mark.django_db
def test_an_unreachable_hero_image_fails_its_file_and_writes_nothing(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise ImageRejected("it could not be downloaded (no network)")

    monkeypatch.setattr("treatments.management.commands.import_treatments.download_image", refuse)
    path = write(tmp_path, "cold-cap.md", ORGANISATION_FILE)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_treatments", str(path), stdout=StringIO(), stderr=err)
    assert f"{path}:6: the hero image was not imported: it could not be downloaded (no network)" in err.getvalue()
    assert "--no-images" in err.getvalue(), "the message says how to import the page without its picture"
    assert not Treatment.objects.exists()
    call_command("import_treatments", str(path), "--no-images", stdout=StringIO())
    assert Treatment.objects.get().hero_image_source_url == "https://images.example.org/cold-cap.jpg"


@pytest.mark.django_db
def test_a_slug_taken_by_another_treatment_gets_a_new_one_with_a_warning(tmp_path, make_treatment):
    make_treatment("Cold Cap Therapy", source_id="other")
    path = write(tmp_path, "cold-cap.md", ORGANISATION_FILE)
    out, _, failed = run_import(path)
    assert failed is None
    assert Treatment.objects.get(source_id="41").slug == "cold-cap-therapy-2"
    assert "already uses /treatments/cold-cap-therapy/" in out


@pytest.mark.django_db
@pytest.mark.skipif(not SEED.exists(), reason="the organisation's seed files are not beside this checkout")
def test_the_organisations_own_seed_file(client):
    _, err, failed = run_import(SEED)
    assert failed is None, err
    response = client.get("/treatments/immunotherapy/")
    page = response.content.decode()
    assert "body’s" in page
    assert "â€" not in page
    assert "$100,000–$200,000 per year" in page
    treatment = Treatment.objects.get(slug="immunotherapy")
    assert len(page_parts(treatment).pros) == 3
    assert len(page_parts(treatment).cons) == 2
    # The file gives no review date, and none is made up: the page says it has not been reviewed yet.
    assert "Not yet medically reviewed" in page
    run_import(SEED)
    again = Treatment.objects.get(title="Immunotherapy")
    assert again.pk == treatment.pk, "importing the same file again updates its page"
    assert (again.last_reviewed, again.next_review_due) == (None, None)
